/** Discovery: Applications, AppProjects and CRDs found in a repository's files; Helm templates skipped. */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixture } from "../../helpers/paths.js";
import { discover, manifestFiles } from "../../../src/validate/discover.js";
import { tempDir } from "./support.js";

describe("validate discovery", () => {
  it("finds every Application, AppProject and CRD of a repository", () => {
    const root = fixture("validate", "clean");
    const found = discover(root, root);
    assert.deepEqual(found.applications.map((a) => `${a.file}:${a.line}`).sort(), [
      "apps/api.yaml:1",
      "apps/crds.yaml:1",
      "apps/plain.yaml:1",
      "apps/web.yaml:1",
      "apps/widgets.yaml:1",
      "bootstrap/helm-root.yaml:1",
      "bootstrap/root.yaml:1",
    ]);
    assert.deepEqual(found.projects.map((p) => p.file), ["apps/project.yaml"]);
    assert.deepEqual(found.crds.map((c) => c.metadata.name), ["widgets.example.com"]);
    assert.deepEqual(found.findings, []);
  });

  it("skips a chart's templates/ (Go templates) but reads templates/ elsewhere", () => {
    const root = fixture("validate", "clean");
    const files = manifestFiles(root).map((f) => f.slice(root.length + 1));
    assert.ok(!files.includes("charts/apps/templates/apps.yaml"), "a chart's template is not read as YAML");
    assert.ok(files.includes("charts/apps/values.yaml"));
    const t = tempDir("plumb-discover-");
    try {
      mkdirSync(join(t.dir, "templates"));
      writeFileSync(join(t.dir, "templates", "app.yaml"), "apiVersion: plumb.dev/v1alpha1\nkind: Application\nmetadata:\n  name: x\n");
      mkdirSync(join(t.dir, "node_modules", "m"), { recursive: true });
      writeFileSync(join(t.dir, "node_modules", "m", "bad.yaml"), "a: [");
      const found = discover(t.dir, t.dir);
      assert.deepEqual(found.applications.map((a) => a.file), ["templates/app.yaml"]);
      assert.deepEqual(found.findings, [], "node_modules is not read");
    } finally {
      t.cleanup();
    }
  });

  it("reports a file that does not parse as yaml-syntax, with its line, relative to the repository root", () => {
    const root = fixture("validate", "defects");
    const found = discover(join(root, "notes"), root);
    assert.equal(found.findings.length, 1);
    assert.equal(found.findings[0]!.check, "yaml-syntax");
    assert.equal(found.findings[0]!.file, "notes/broken.yaml");
    assert.equal(found.findings[0]!.line, 4);
  });
});
