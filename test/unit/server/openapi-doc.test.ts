/**
 * The UI's API types are generated from the server's OpenAPI document and committed
 * (ui/src/api/openapi.json → ui/src/api/schema.d.ts, hack/gen-ui-api.sh). These fail when a route's schema
 * changed and the generated files were not remade — the UI would be typed against an API that no longer is.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAPIDocument } from "../../../src/server/openapi-doc.js";
import { repoRoot } from "../../helpers/paths.js";

const committed = join(repoRoot, "ui", "src", "api", "openapi.json");
const generator = join(repoRoot, "ui", "node_modules", ".bin", "openapi-typescript");

describe("the UI's generated API types", () => {
  it("ui/src/api/openapi.json is the document the routes make (else: bash hack/gen-ui-api.sh)", () => {
    const doc = openAPIDocument() as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    assert.ok(doc.paths["/api/v1/applications"], "the document has the routes");
    assert.ok(doc.components.schemas.Application, "and the Application schema");
    assert.deepEqual(JSON.parse(readFileSync(committed, "utf8")), JSON.parse(JSON.stringify(doc)), "ui/src/api/openapi.json is stale: run bash hack/gen-ui-api.sh");
  });

  it("ui/src/api/schema.d.ts is what openapi-typescript makes of it", { skip: existsSync(generator) ? false : "ui/node_modules not installed" }, () => {
    const dir = mkdtempSync(join(tmpdir(), "plumb-openapi-"));
    try {
      const doc = join(dir, "openapi.json");
      writeFileSync(doc, readFileSync(committed));
      execFileSync(generator, [doc, "-o", join(dir, "schema.d.ts")], { stdio: "ignore" });
      assert.equal(readFileSync(join(repoRoot, "ui", "src", "api", "schema.d.ts"), "utf8"), readFileSync(join(dir, "schema.d.ts"), "utf8"), "ui/src/api/schema.d.ts is stale: run bash hack/gen-ui-api.sh");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
