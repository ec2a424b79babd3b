/**
 * Table-driven health tests: every YAML file under test/fixtures/health/<kind>/ is one case, named for the
 * case, whose leading comment lines hold the expectation:
 *
 *     # expect: Degraded              (a HealthStatus, or "none" for "this kind has no health")
 *     # message: exceeded its progress deadline     (optional: a substring of the message)
 *
 * Adding a case is adding a file. Folders starting with "_" hold inputs for other tests (the CLI's).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { KubeObject } from "../../../src/core/object.js";
import { assessHealth, isHealthStatus } from "../../../src/health/index.js";
import { fixture } from "../../helpers/paths.js";

interface Case {
  name: string;
  file: string;
  expect: string;
  message?: string;
}

/** Reads `# expect:` and `# message:` from the comment lines at the top of a fixture (other comments are free text). */
function header(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("#")) break;
    const m = /^#\s*(expect|message):\s*(.*?)\s*$/.exec(line);
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

function loadCases(): Map<string, Case[]> {
  const root = fixture("health");
  const byKind = new Map<string, Case[]>();
  for (const kind of readdirSync(root, { withFileTypes: true })) {
    if (!kind.isDirectory() || kind.name.startsWith("_")) continue;
    const cases: Case[] = [];
    for (const name of readdirSync(join(root, kind.name)).filter((n) => n.endsWith(".yaml")).sort()) {
      const file = join(root, kind.name, name);
      const h = header(readFileSync(file, "utf8"));
      const expect = h.get("expect");
      assert.ok(expect, `${kind.name}/${name}: missing "# expect: <status>" on the first line`);
      assert.ok(expect === "none" || isHealthStatus(expect), `${kind.name}/${name}: unknown status "${expect}"`);
      cases.push({ name: name.replace(/\.yaml$/, ""), file, expect, ...(h.has("message") ? { message: h.get("message") } : {}) });
    }
    byKind.set(kind.name, cases);
  }
  return byKind;
}

const cases = loadCases();

describe("health fixtures", () => {
  it("has cases", () => assert.ok([...cases.values()].flat().length > 0));

  for (const [kind, list] of cases) {
    describe(kind, () => {
      for (const c of list) {
        it(`${c.name} → ${c.expect}${c.message ? ` (${c.message})` : ""}`, () => {
          const obj = parse(readFileSync(c.file, "utf8")) as KubeObject;
          const result = assessHealth(obj);
          if (c.expect === "none") {
            assert.equal(result, undefined, `expected no health, got ${JSON.stringify(result)}`);
            return;
          }
          assert.ok(result, "expected a health result, got undefined");
          assert.equal(result.status, c.expect, `message was: ${result.message}`);
          if (c.message !== undefined) {
            assert.ok(result.message.includes(c.message), `message "${result.message}" does not contain "${c.message}"`);
          }
        });
      }
    });
  }
});
