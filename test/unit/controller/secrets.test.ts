/**
 * fromLabelledSecrets' caching: a failed list keeps what the last good read built (and is tried again
 * soon), instead of making every cluster or credential vanish for a whole period. The lister is the one
 * method the function calls, answering from a table the test changes; no cluster behaviour is claimed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Resources } from "../../../src/cluster/resources.js";
import type { KubeObject } from "../../../src/core/object.js";
import { fromLabelledSecrets } from "../../../src/controller/secrets.js";
import { sleep } from "../../../src/core/concurrency.js";

function lister() {
  const state = { fail: false, secrets: [] as KubeObject[], calls: 0 };
  const resources = {
    list: async (_v: string, _k: string, opts: { labelSelector: string }) => {
      state.calls++;
      if (state.fail) throw new Error("connection refused");
      return { items: opts.labelSelector.startsWith("argocd") ? state.secrets : [] };
    },
  } as unknown as Resources;
  return { state, resources };
}

const secret = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "plumb" } });

describe("fromLabelledSecrets", () => {
  it("a failed list keeps the last good value, and a later good list replaces it", async () => {
    const { state, resources } = lister();
    state.secrets = [secret("cluster-b")];
    const read = fromLabelledSecrets(resources, "plumb", (s) => s.map((o) => o.metadata.name), 0);
    assert.deepEqual(await read(), ["cluster-b"]);
    state.fail = true;
    await sleep(2);
    assert.deepEqual(await read(), ["cluster-b"], "the API server blinked: the clusters stay");
    state.fail = false;
    state.secrets = [secret("cluster-c")];
    await sleep(1_100); // a failure is tried again a second later
    assert.deepEqual(await read(), ["cluster-c"]);
  });

  it("with no good read yet a failure is no Secrets, tried again a second later rather than a whole period", async () => {
    const { state, resources } = lister();
    state.fail = true;
    const read = fromLabelledSecrets(resources, "plumb", (s) => s.length, 60_000);
    assert.equal(await read(), 0);
    const calls = state.calls;
    assert.equal(await read(), 0);
    assert.equal(state.calls, calls, "not re-listed at once");
    state.fail = false;
    state.secrets = [secret("a")];
    await sleep(1_100);
    assert.equal(await read(), 1, "re-listed after about a second, not after the 60 s period");
  });
});
