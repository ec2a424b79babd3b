/** Input caps of a render (limits.ts) and the sliced YAML parse that keeps the event loop free. */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { render } from "../../../src/render/index.js";
import { countDocumentMarkers } from "../../../src/render/limits.js";
import { parseManifests, parseManifestsSliced } from "../../../src/render/yaml.js";
import { renderError, tempRepo } from "./support.js";

const cm = (i: number) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}` }, data: { i: String(i) } });
const stream = (n: number) => Array.from({ length: n }, (_, i) => cm(i)).join("---\n");

async function withApp(files: Record<string, string | number>, fn: (root: string) => Promise<void>): Promise<void> {
  const repo = await tempRepo();
  try {
    mkdirSync(join(repo.root, "app"), { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      const path = join(repo.root, "app", name);
      if (typeof content === "number") {
        writeFileSync(path, "");
        truncateSync(path, content); // sparse: no disk used, and reading it would take minutes
      } else writeFileSync(path, content);
    }
    await fn(repo.root);
  } finally {
    await repo.cleanup();
  }
}
const req = (repoRoot: string, limits?: { fileBytes: number; appBytes: number; documents: number }) => ({ repoRoot, path: "app", appName: "demo", destinationNamespace: "apps", ...(limits ? { limits } : {}) });

describe("render input caps", () => {
  it("refuses a manifest file over the per-file cap from its size, without reading it (a 20 GiB sparse file, default caps)", async () => {
    await withApp({ "ok.yaml": cm(1), "huge.yaml": 20 * 1024 ** 3 }, async (root) => {
      const started = Date.now();
      const err = await renderError(render(req(root)));
      assert.match(err.message, /app\/huge\.yaml: the file is 20480\.0 MiB, over the cap of 10\.0 MiB per manifest file: split it/);
      assert.ok(Date.now() - started < 5000, "refused from stat, not after reading 20 GiB");
    });
  });

  it("refuses an app whose files together are over the per-app cap, and says so", async () => {
    await withApp({ "a.yaml": cm(1), "b.yaml": cm(2), "c.yaml": cm(3) }, async (root) => {
      const err = await renderError(render(req(root, { fileBytes: 1000, appBytes: 150, documents: 100 })));
      assert.match(err.message, /manifest files are \d+ bytes together, over the cap of 150 bytes per app: split the app/);
    });
  });

  it("refuses more documents than the per-app cap before parsing them, and renders an app just under it", async () => {
    await withApp({ "many.yaml": stream(12) }, async (root) => {
      const err = await renderError(render(req(root, { fileBytes: 1e6, appBytes: 1e6, documents: 10 })));
      assert.match(err.message, /app\/many\.yaml: the app holds more than 10 YAML documents/);
      const ok = await render(req(root, { fileBytes: 1e6, appBytes: 1e6, documents: 12 }));
      assert.equal(ok.objects.length, 12);
    });
  });

  it("counts document markers only at the start of a line", () => {
    assert.equal(countDocumentMarkers("a: 1\n---\nb: '---'\n--- \nc: 3\n"), 3);
    assert.equal(countDocumentMarkers("---\na: 1"), 2);
  });
});

describe("sliced YAML parse", () => {
  it("gives the same objects and problems as the one-shot parse", async () => {
    const text = `${stream(3)}---\n- not\n- a map\n---\nbad: [\n`;
    const a = parseManifests(text, "f.yaml");
    const b = await parseManifestsSliced(text, "f.yaml");
    assert.deepEqual(b.objects, a.objects);
    assert.deepEqual(b.problems.map((p) => [p.file, p.line, p.message.split(":")[0]]), a.problems.map((p) => [p.file, p.line, p.message.split(":")[0]]));
  });

  it("lets timers run while 10,000 documents are parsed (the event loop is given back)", async () => {
    const text = stream(10_000);
    let ticks = 0;
    const t = setInterval(() => ticks++, 1);
    try {
      const r = await parseManifestsSliced(text, "big.yaml");
      assert.equal(r.objects.length, 10_000);
    } finally {
      clearInterval(t);
    }
    assert.ok(ticks >= 3, `timers ran ${ticks} times during the parse`);
  });
});
