/**
 * The report as JUnit XML, for CI test reporters (GitLab's merge request widget, Jenkins' junit step,
 * GitHub test-reporter actions). One <testsuite> per app: GitLab's widget lists failed tests under their suite,
 * so a reviewer sees the app first, then which object failed which check. One <testcase> per object and
 * check, named "Deployment shop/web: container-image-tag", classname the app, file the manifest; several
 * findings of one check on one object (two duplicated env names) are one test case whose body lists them all.
 * An app without findings has one passing test case, so every app validated is counted.
 *
 * A test case fails when its worst finding is at or above `failOn` (the run's --fail-on, default error, so the
 * widget agrees with the exit code); findings below it pass and are printed in <system-out>. Findings of the
 * checks that mean the app could not be checked at all (render, yaml-syntax, app-spec) are <error>s, the
 * rest <failure>s. Every name, message and path is XML-escaped (xml.ts).
 *
 * Pure: imports nothing that does I/O.
 */
import { atLeast, SEVERITIES, type Finding, type Severity, type ValidateReport } from "../findings.js";
import { groupFindings, objectLabel } from "./summary.js";
import { escapeAttr, escapeXml } from "./xml.js";

const BROKEN = new Set(["render", "yaml-syntax", "app-spec"]);

interface TestCase {
  name: string;
  file?: string;
  findings: Finding[];
}

const worst = (fs: readonly Finding[]): Severity => fs.reduce<Severity>((w, f) => (SEVERITIES.indexOf(f.severity) > SEVERITIES.indexOf(w) ? f.severity : w), "info");

const describe = (f: Finding): string => `${f.severity.toUpperCase()} ${f.check}${f.path ? ` at ${f.path}` : ""}${f.file ? ` (${f.file}${f.line !== undefined ? `:${f.line}` : ""})` : ""}: ${f.message}`;

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join("");
}

export function formatJUnit(report: ValidateReport, opts: { failOn?: Severity } = {}): string {
  const failOn = opts.failOn ?? "error";
  const objectsOf = new Map(report.apps.map((a) => [a.name, a.objects]));
  const suites: Array<{ name: string; file?: string; objects?: number; cases: TestCase[] }> = [];
  const groups = groupFindings(report);
  for (const g of groups) {
    const cases: TestCase[] = [];
    for (const o of g.objects) {
      const byCheck = new Map<string, Finding[]>();
      for (const f of o.findings) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f]);
      for (const [check, fs] of byCheck) {
        const subject = o.object ? objectLabel(o.object) : (o.file ?? g.app ?? "(no app)");
        cases.push({ name: `${subject}: ${check}`, ...(o.file !== undefined ? { file: o.file } : {}), findings: fs });
      }
    }
    suites.push({ name: g.app ?? "(no app)", ...(g.file !== undefined ? { file: g.file } : {}), ...(g.app !== undefined && objectsOf.has(g.app) ? { objects: objectsOf.get(g.app)! } : {}), cases });
  }
  const seen = new Set(groups.map((g) => g.app));
  for (const a of report.apps) {
    if (seen.has(a.name)) continue;
    suites.push({ name: a.name, file: a.file, objects: a.objects, cases: [{ name: `${a.name}: all checks pass (${a.objects} objects)`, file: a.file, findings: [] }] });
  }
  // keep the report's app order, findings of no app last
  const order = new Map(report.apps.map((a, i) => [a.name, i]));
  suites.sort((x, y) => (order.get(x.name) ?? Number.MAX_SAFE_INTEGER) - (order.get(y.name) ?? Number.MAX_SAFE_INTEGER));

  const kindOf = (c: TestCase): "error" | "failure" | "pass" => (c.findings.length === 0 || !atLeast(worst(c.findings), failOn) ? "pass" : c.findings.some((f) => BROKEN.has(f.check)) ? "error" : "failure");
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = { tests: 0, failures: 0, errors: 0 };
  const body: string[] = [];
  for (const s of suites) {
    const failures = s.cases.filter((c) => kindOf(c) === "failure").length;
    const errors = s.cases.filter((c) => kindOf(c) === "error").length;
    total.tests += s.cases.length;
    total.failures += failures;
    total.errors += errors;
    body.push(`  <testsuite${attrs({ name: s.name, tests: s.cases.length, failures, errors, skipped: 0, time: 0, file: s.file })}>`);
    if (s.objects !== undefined) body.push(`    <properties><property name="objects" value="${s.objects}"/></properties>`);
    for (const c of s.cases) {
      const k = kindOf(c);
      const open = `    <testcase${attrs({ name: c.name, classname: s.name, file: c.file, time: 0 })}`;
      if (c.findings.length === 0) {
        body.push(`${open}/>`);
        continue;
      }
      const text = escapeXml(c.findings.map(describe).join("\n"));
      const first = c.findings[0]!;
      const message = c.findings.length > 1 ? `${first.message} (and ${c.findings.length - 1} more)` : first.message;
      body.push(`${open}>`);
      if (k === "pass") body.push(`      <system-out>${text}</system-out>`);
      else body.push(`      <${k}${attrs({ message, type: first.check })}>${text}</${k}>`);
      body.push("    </testcase>");
    }
    body.push("  </testsuite>");
  }
  out.push(`<testsuites${attrs({ name: "plumb validate", tests: total.tests, failures: total.failures, errors: total.errors, skipped: 0, time: 0 })}>`);
  out.push(...body, "</testsuites>");
  return `${out.join("\n")}\n`;
}
