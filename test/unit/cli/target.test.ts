/** Which way a command goes: over the API (context, --server, env) or through the kubeconfig (core). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Config } from "../../../src/cli/config.js";
import { resolveTarget, type Target, type TargetFlags } from "../../../src/cli/target.js";
import { UsageError } from "../../../src/core/errors.js";

const config: Config = {
  "current-context": "prod",
  contexts: [
    { name: "prod", server: "https://plumb.example.com", user: "admin", token: "tok-prod" },
    { name: "local", server: "http://127.0.0.1:8080", token: "tok-local", plaintext: true, insecure: false },
    { name: "lab", server: "https://lab:8443", token: "tok-lab", insecure: true },
  ],
};
const empty: Config = { contexts: [] };

describe("resolveTarget", () => {
  const cases: Array<{ name: string; flags?: TargetFlags; env?: NodeJS.ProcessEnv; config?: Config; want: Target }> = [
    { name: "nothing configured: core (scripts from before the API keep working)", config: empty, want: { mode: "core" } },
    { name: "a current context: the API with its token", want: { mode: "api", server: "https://plumb.example.com", insecure: false, context: "prod", token: "tok-prod" } },
    { name: "--core wins over the context", flags: { core: true }, want: { mode: "core" } },
    { name: "--kubeconfig means core", flags: { kubeconfig: "/k" }, want: { mode: "core" } },
    { name: "--context (kube) means core", flags: { context: "kind" }, want: { mode: "core" } },
    { name: "--plumb-context picks another context, with its TLS choice", flags: { plumbContext: "lab" }, want: { mode: "api", server: "https://lab:8443", insecure: true, context: "lab", token: "tok-lab" } },
    { name: "$PLUMB_CONTEXT picks another context", env: { PLUMB_CONTEXT: "local" }, want: { mode: "api", server: "http://127.0.0.1:8080", insecure: false, context: "local", token: "tok-local" } },
    { name: "--server with a bare host finds the context's URL and token", flags: { server: "127.0.0.1:8080" }, want: { mode: "api", server: "http://127.0.0.1:8080", insecure: false, context: "local", token: "tok-local" } },
    { name: "--server of an unknown server: https, no token", flags: { server: "other:9000" }, want: { mode: "api", server: "https://other:9000", insecure: false } },
    { name: "--server --plaintext: http", flags: { server: "other:9000", plaintext: true }, want: { mode: "api", server: "http://other:9000", insecure: false } },
    { name: "--server wins over --kubeconfig", flags: { server: "other:9000", kubeconfig: "/k", authToken: "t" }, want: { mode: "api", server: "https://other:9000", insecure: false, token: "t" } },
    { name: "$PLUMB_SERVER and $PLUMB_AUTH_TOKEN", config: empty, env: { PLUMB_SERVER: "https://ci.example.com", PLUMB_AUTH_TOKEN: "tok-ci" }, want: { mode: "api", server: "https://ci.example.com", insecure: false, token: "tok-ci" } },
    { name: "$PLUMB_SERVER yields to --kubeconfig", env: { PLUMB_SERVER: "https://ci.example.com" }, flags: { kubeconfig: "/k" }, want: { mode: "core" } },
    { name: "$PLUMB_AUTH_TOKEN overrides the context's token", env: { PLUMB_AUTH_TOKEN: "tok-env" }, want: { mode: "api", server: "https://plumb.example.com", insecure: false, context: "prod", token: "tok-env" } },
    { name: "--auth-token overrides $PLUMB_AUTH_TOKEN", flags: { authToken: "tok-flag" }, env: { PLUMB_AUTH_TOKEN: "tok-env" }, want: { mode: "api", server: "https://plumb.example.com", insecure: false, context: "prod", token: "tok-flag" } },
    { name: "--insecure on the command line", flags: { insecure: true }, want: { mode: "api", server: "https://plumb.example.com", insecure: true, context: "prod", token: "tok-prod" } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(resolveTarget(c.flags ?? {}, c.env ?? {}, c.config ?? config), c.want));

  const refused: Array<{ name: string; flags: TargetFlags; config?: Config; message: RegExp }> = [
    { name: "--core with --server", flags: { core: true, server: "x" }, message: /--core and --server exclude each other/ },
    { name: "an unknown --plumb-context", flags: { plumbContext: "nope" }, message: /no context "nope".*prod, local, lab/s },
    { name: "--auth-token without any server", flags: { authToken: "t" }, config: empty, message: /--auth-token needs a server/ },
    { name: "--server that is not a server", flags: { server: "ftp://x" }, message: /only https:\/\/ and http:\/\//s },
  ];
  for (const c of refused) it(`refuses ${c.name}`, () => assert.throws(() => resolveTarget(c.flags, {}, c.config ?? config), (e: Error) => e instanceof UsageError && c.message.test(e.message)));
});
