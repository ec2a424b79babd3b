/**
 * The four report formats on one report made of real findings (policyFindings on the policy fixtures) and
 * hand-made ones for the other check families, including names and messages with XML's special characters
 * and control characters. JUnit is read back with fast-xml-parser, SARIF checked for the properties SARIF
 * 2.1.0 requires and GitHub code scanning reads (no SARIF JSON schema ships in an installed package).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type * as Sarif from "sarif";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../../src/core/object.js";
import { plumbVersion } from "../../../src/tools/versions.js";
import { sortFindings, type Finding, type ValidateReport } from "../../../src/validate/findings.js";
import { POLICY_CHECKS, policyFindings } from "../../../src/validate/policy.js";
import { formatReport } from "../../../src/validate/report.js";
import { fixture, repoRoot } from "../../helpers/paths.js";

const objects = (file: string): KubeObject[] =>
  parseAllDocuments(readFileSync(fixture("validate", "policy", file), "utf8"))
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o !== null);

const NASTY = `we<b> & "they" 'x'\u0007`;

function makeReport(): ValidateReport {
  // real policy findings: a Deployment with a latest image, privileged, and no livenessProbe (info)
  const shop = objects("clean.yaml").map((o) => {
    if (o.kind !== "Deployment") return o;
    const text = JSON.stringify(o).replace("shop/web:1.4.2", "shop/web:latest").replace('"privileged":false', '"privileged":true').replace(/,"livenessProbe":\{[^}]*\}\}/, "");
    return JSON.parse(text) as KubeObject;
  });
  const policy = policyFindings(shop).map((f): Finding => ({ ...f, app: "shop", file: "apps/shop/deploy.yaml", line: 3 }));
  assert.deepEqual(policy.map((f) => f.check).sort(), ["container-image-tag", "container-security-context-privileged", "pod-probes"]);
  const extra: Finding[] = [
    { check: "schema-unknown-field", severity: "error", app: "shop", file: "apps/shop/svc.yaml", line: 12, message: 'unknown field "spec.portz"', object: { apiVersion: "v1", kind: "Service", namespace: "shop", name: "web" }, path: "spec.portz" },
    { check: "app-path", severity: "error", app: "shop", file: "apps/shop.yaml", message: "path apps/shopp does not exist" },
    { check: "stable-version", severity: "warning", app: NASTY, file: "apps/odd & <name>.yaml", line: 1, message: `message with ${NASTY}`, object: { apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget", namespace: "x", name: NASTY }, path: "apiVersion" },
    { check: "yaml-syntax", severity: "error", file: "stray.yaml", line: 4, message: "bad indentation of a mapping entry" },
  ];
  return {
    root: "/repo",
    apps: [
      { name: "shop", file: "apps/shop.yaml", objects: shop.length },
      { name: "billing", file: "apps/billing.yaml", objects: 3 },
      { name: NASTY, file: "apps/odd & <name>.yaml", objects: 1 },
    ],
    findings: [...extra, ...policy],
  };
}

const report = makeReport();
const count = (s: string): number => report.findings.filter((f) => f.severity === s).length;

describe("table report", () => {
  const out = formatReport(report, "table");

  it("groups by app, then object and file, one line per finding", () => {
    const lines = out.split("\n");
    const shop = lines.indexOf("shop  apps/shop.yaml");
    assert.ok(shop >= 0, out);
    const dep = lines.findIndex((l) => l === "  Deployment shop/web  apps/shop/deploy.yaml:3");
    assert.ok(dep > shop, "the Deployment's heading under its app");
    for (const f of report.findings.filter((x) => x.object?.kind === "Deployment")) {
      const l = lines.slice(dep + 1, dep + 4).find((x) => x.includes(f.check));
      assert.ok(l, `a line for ${f.check}`);
      assert.match(l, new RegExp(`^    ${f.severity.toUpperCase()}\\s+${f.check}\\s+${f.path!.replace(/[[\].]/g, "\\$&")}\\s+`));
      assert.ok(l.endsWith(f.message));
    }
    assert.ok(lines.includes("  Service shop/web  apps/shop/svc.yaml:12"));
    assert.ok(lines.includes("(no app)"), "findings of no app get their own group");
    assert.ok(!out.includes("billing"), "a clean app is only counted");
  });

  it("ends with counts by severity and apps validated", () => {
    const last = out.trimEnd().split("\n").at(-1)!;
    assert.equal(last, `${count("error")} errors, ${count("warning")} warning, ${count("info")} info in 2 of 3 apps validated (${report.apps.reduce((n, a) => n + a.objects, 0)} objects).`);
    assert.equal(formatReport({ root: "/r", apps: report.apps, findings: [] }, "table").trim(), `No findings in 3 apps (${report.apps.reduce((n, a) => n + a.objects, 0)} objects).`);
  });

  it("colours only when asked, and never passes a message's control characters through", () => {
    assert.ok(!out.includes("\u001b"), "no escape sequences without colour");
    assert.ok(!out.includes("\u0007"));
    const coloured = formatReport(report, "table", { colour: true });
    assert.ok(coloured.includes("\u001b[31mERROR"), "errors in red");
    assert.equal(coloured.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "").replace(/ +\n/g, "\n"), out.replace(/ +\n/g, "\n"));
  });
});

describe("json report", () => {
  it("round-trips: root, apps, the findings sorted, and a summary", () => {
    const parsed = JSON.parse(formatReport(report, "json")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ["root", "apps", "findings", "summary"]);
    assert.deepEqual(parsed.findings, JSON.parse(JSON.stringify(sortFindings(report.findings))));
    assert.deepEqual(parsed.apps, report.apps);
    assert.equal(parsed.root, "/repo");
    assert.deepEqual(parsed.summary, { apps: 3, appsWithFindings: 2, objects: report.apps.reduce((n, a) => n + a.objects, 0), findings: report.findings.length, error: count("error"), warning: count("warning"), info: count("info") });
  });
});

describe("junit report", () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => ["testsuite", "testcase"].includes(name), parseAttributeValue: false });
  type Case = { name: string; classname: string; file?: string; failure?: { message: string; type: string; "#text": string }; error?: unknown; "system-out"?: string };
  type Suite = { name: string; tests: string; failures: string; errors: string; file?: string; testcase: Case[] };
  const read = (xml: string): { testsuites: { tests: string; failures: string; errors: string; testsuite: Suite[] } } => parser.parse(xml);

  const xml = formatReport(report, "junit");

  it("is well-formed XML", () => {
    assert.equal(XMLValidator.validate(xml), true);
  });

  it("has one suite per app, one case per object and check, failures for findings at or above --fail-on", () => {
    const doc = read(xml).testsuites;
    assert.deepEqual(doc.testsuite.map((s) => s.name), ["shop", "billing", NASTY.replace("\u0007", "\\u0007"), "(no app)"]);
    const shop = doc.testsuite[0]!;
    // shop: 3 policy findings on the Deployment + 1 schema on the Service + 1 app-level = 5 cases
    assert.equal(shop.testcase.length, 5);
    assert.equal(shop.tests, "5");
    const failed = shop.testcase.filter((c) => c.failure);
    assert.equal(shop.failures, String(failed.length));
    assert.equal(failed.length, 4, "the info finding (pod-probes) passes at --fail-on error");
    const tag = shop.testcase.find((c) => c.name === "Deployment shop/web: container-image-tag")!;
    assert.equal(tag.classname, "shop");
    assert.equal(tag.file, "apps/shop/deploy.yaml");
    assert.equal(tag.failure!.type, "container-image-tag");
    assert.ok(tag.failure!["#text"].includes("spec.template.spec.containers[0].image"));
    assert.ok(shop.testcase.find((c) => c.name.endsWith("pod-probes"))!["system-out"]!.includes("INFO pod-probes"));
    // a clean app is one passing case; a stray file's yaml-syntax is an error
    assert.equal(doc.testsuite[1]!.testcase.length, 1);
    assert.equal(doc.testsuite[1]!.failures, "0");
    assert.equal(doc.testsuite[3]!.errors, "1");
    const tests = doc.testsuite.reduce((n, s) => n + s.testcase.length, 0);
    assert.equal(doc.tests, String(tests));
    assert.equal(doc.failures, String(doc.testsuite.reduce((n, s) => n + Number(s.failures), 0)));
    // at --fail-on warning the warning fails too, at info everything
    const odd = read(formatReport(report, "junit", { failOn: "warning" })).testsuites.testsuite[2]!;
    assert.equal(odd.failures, "1");
    assert.equal(read(formatReport(report, "junit", { failOn: "info" })).testsuites.testsuite[0]!.failures, "5");
    assert.equal(read(formatReport(report, "junit")).testsuites.testsuite[2]!.failures, "0");
  });

  it("escapes names, attributes and text, and makes control characters visible", () => {
    const odd = read(xml).testsuites.testsuite[2]!;
    const visible = NASTY.replace("\u0007", "\\u0007");
    assert.equal(odd.name, visible);
    assert.equal(odd.file, "apps/odd & <name>.yaml");
    assert.equal(odd.testcase[0]!.name, `PodDisruptionBudget x/${visible}: stable-version`);
    assert.ok(odd.testcase[0]!["system-out"]!.includes(`message with ${visible}`));
    assert.ok(!xml.includes("\u0007"));
  });
});

describe("sarif report", () => {
  const version = plumbVersion();
  const log = JSON.parse(formatReport(report, "sarif", { version })) as Sarif.Log;
  const run = log.runs[0]!;
  const rules = run.tool.driver.rules!;

  it("is SARIF 2.1.0 from plumb at its package.json version", () => {
    assert.equal(log.version, "2.1.0");
    assert.match(log.$schema!, /sarif-2\.1\.0/);
    assert.equal(run.tool.driver.name, "plumb");
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    assert.equal(run.tool.driver.version, pkg.version);
  });

  it("has a rule with a description for every policy check and every other check reported", () => {
    const ids = rules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, "rule ids unique");
    for (const c of POLICY_CHECKS) assert.ok(ids.includes(c.id), c.id);
    for (const id of ["schema-unknown-field", "app-path", "yaml-syntax"]) assert.ok(ids.includes(id), id);
    for (const r of rules) {
      assert.ok(r.shortDescription?.text, `${r.id}: shortDescription`);
      assert.ok(r.fullDescription?.text, `${r.id}: fullDescription`);
    }
  });

  it("has one result per finding with ruleId in the rules, level, message, file and line, and the object", () => {
    assert.equal(run.results!.length, report.findings.length);
    for (const r of run.results!) {
      assert.ok(r.message.text, "message.text");
      assert.ok(r.ruleId && rules[r.ruleIndex!]!.id === r.ruleId, `${r.ruleId}: ruleIndex points at its rule`);
      assert.ok(["error", "warning", "note"].includes(r.level!));
    }
    const tag = run.results!.find((r) => r.ruleId === "container-image-tag")!;
    assert.equal(tag.level, "error");
    const loc = tag.locations![0]!;
    assert.equal(loc.physicalLocation!.artifactLocation!.uri, "apps/shop/deploy.yaml");
    assert.equal(loc.physicalLocation!.region!.startLine, 3);
    assert.equal(loc.logicalLocations![0]!.name, "web");
    assert.ok(loc.logicalLocations![0]!.fullyQualifiedName!.includes("apps/v1/Deployment/shop/web"));
    assert.equal(run.results!.find((r) => r.ruleId === "pod-probes")!.level, "note");
    assert.equal(run.results!.find((r) => r.ruleId === "app-path")!.locations![0]!.physicalLocation!.region, undefined, "no line, no region");
    // a file name with spaces and '&' is a valid URI reference
    const odd = run.results!.find((r) => r.ruleId === "stable-version")!.locations![0]!.physicalLocation!.artifactLocation!.uri!;
    assert.equal(decodeURI(odd), "apps/odd & <name>.yaml");
    assert.ok(!/[ <>]/.test(odd));
    const fps = run.results!.map((r) => JSON.stringify(r.partialFingerprints));
    assert.equal(new Set(fps).size, fps.length, "fingerprints tell results apart");
  });
});
