/**
 * Table-driven policy tests: every YAML file under test/fixtures/validate/policy/ is one case, named for the
 * case, whose leading comment lines say what it is built from and what policyFindings must report:
 *
 *     # with: clean                              start from clean.yaml's objects; this file's objects replace
 *                                                those of the same kind, namespace and name, others are added
 *     # without: PodDisruptionBudget/shop/web    drop an object of the base
 *     # skip: container-image-tag                the run's --skip ids (comma-separated)
 *     # expect: <check> <Kind>/<namespace>/<name> <path> [<severity>]   one line per finding, exactly
 *     # expect: none                             no finding at all
 *
 * The findings must be exactly the expected ones, each once. Adding a case is adding a file.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../../src/core/object.js";
import { OTHER_CHECKS } from "../../../src/validate/checks.js";
import type { Finding } from "../../../src/validate/findings.js";
import { POLICY_CHECKS, policyFindings } from "../../../src/validate/policy.js";
import { fixture, repoRoot } from "../../helpers/paths.js";

const root = fixture("validate", "policy");

interface Case {
  name: string;
  objects: KubeObject[];
  skip: Set<string>;
  expect: string[];
}

const load = (file: string): KubeObject[] =>
  parseAllDocuments(readFileSync(join(root, file), "utf8"))
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o !== null);
const id = (o: { kind: string; namespace?: string; name: string }): string => `${o.kind}/${o.namespace ?? ""}/${o.name}`;
const idOf = (o: KubeObject): string => id({ kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });

function header(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("#")) break;
    const m = /^#\s*(with|without|skip|expect):\s*(.*?)\s*$/.exec(line);
    if (m) out.push([m[1]!, m[2]!]);
  }
  return out;
}

function loadCase(file: string): Case {
  const h = header(readFileSync(join(root, file), "utf8"));
  const own = load(file);
  const base = h.find(([k]) => k === "with");
  let objects = base ? load(`${base[1]}.yaml`) : [];
  const without = new Set(h.filter(([k]) => k === "without").map(([, v]) => v));
  const replaced = new Set(own.map(idOf));
  objects = objects.filter((o) => !without.has(idOf(o)) && !replaced.has(idOf(o)));
  const skip = new Set(h.filter(([k]) => k === "skip").flatMap(([, v]) => v.split(",").map((s) => s.trim())));
  const expect = h.filter(([k, v]) => k === "expect" && v !== "none").map(([, v]) => v);
  assert.ok(h.some(([k]) => k === "expect"), `${file}: no "# expect:" line`);
  return { name: file.replace(/\.yaml$/, ""), objects: [...objects, ...own], skip, expect };
}

/** A finding as an expect line: check, object, path, and the severity when it differs from the check's. */
function line(f: Finding, withSeverity: boolean): string {
  const parts = [f.check, f.object ? id(f.object) : "-", f.path ?? "-"];
  if (withSeverity) parts.push(f.severity);
  return parts.join(" ");
}

const cases = readdirSync(root)
  .filter((n) => n.endsWith(".yaml"))
  .sort()
  .map(loadCase);

describe("policy fixtures", () => {
  it("has cases", () => assert.ok(cases.length > 20));

  for (const c of cases) {
    it(`${c.name} → ${c.expect.length === 0 ? "no findings" : c.expect.join("; ")}`, () => {
      const findings = policyFindings(c.objects, { skip: c.skip });
      // an expect line with a fourth word also pins the severity
      const got = findings.map((f) => line(f, false)).sort();
      const want = c.expect.map((e) => e.split(/\s+/).slice(0, 3).join(" ")).sort();
      assert.deepEqual(got, want, `findings:\n${findings.map((f) => `  ${line(f, true)}: ${f.message}`).join("\n")}`);
      for (const e of c.expect) {
        const [check, obj, path, severity] = e.split(/\s+/);
        if (!severity) continue;
        const f = findings.find((x) => x.check === check && x.object && id(x.object) === obj && x.path === path)!;
        assert.equal(f.severity, severity, `${e}: severity`);
      }
      for (const f of findings) assert.ok(f.message.length > 20, `${f.check}: message too short to act on`);
    });
  }

  it("every policy check has a case that reports it", () => {
    const reported = new Set(cases.flatMap((c) => c.expect.map((e) => e.split(/\s+/)[0])));
    const missing = POLICY_CHECKS.map((c) => c.id).filter((i) => !reported.has(i));
    assert.deepEqual(missing, []);
  });

  it("POLICY_CHECKS has unique ids, each with a description", () => {
    const ids = POLICY_CHECKS.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const c of POLICY_CHECKS) assert.ok(c.description.length > 10, c.id);
  });

  it("does not throw on malformed objects", () => {
    const junk = [{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { template: "nope" } }, { kind: "Service", metadata: { name: "y" }, spec: null }] as unknown as KubeObject[];
    assert.doesNotThrow(() => policyFindings(junk));
  });
});

describe("docs/validate-checks.md", () => {
  it("lists every check id, policy and other", () => {
    const doc = readFileSync(join(repoRoot, "docs", "validate-checks.md"), "utf8");
    const missing = [...POLICY_CHECKS, ...OTHER_CHECKS].map((c) => c.id).filter((i) => !doc.includes(`| \`${i}\` |`));
    assert.deepEqual(missing, []);
  });
});
