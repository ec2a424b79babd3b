/**
 * PLACEHOLDER for branch `policy` (dropped at merge): formatReport with the contract's signature and the
 * plainest output that parses in each format.
 */
import { sortFindings, type ValidateReport } from "./findings.js";

export type ReportFormat = "table" | "json" | "junit" | "sarif";

const xml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function formatReport(report: ValidateReport, format: ReportFormat, _opts: { colour?: boolean } = {}): string {
  const findings = sortFindings(report.findings);
  switch (format) {
    case "json":
      return `${JSON.stringify({ ...report, findings }, null, 2)}\n`;
    case "junit": {
      const cases = report.apps.map((a) => {
        const fs = findings.filter((f) => f.app === a.name);
        return `  <testcase name="${xml(a.name)}" classname="${xml(a.file)}">${fs.map((f) => `<failure type="${xml(f.check)}" message="${xml(f.message)}"/>`).join("")}</testcase>`;
      });
      return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="plumb validate" tests="${report.apps.length}" failures="${findings.length}">\n${cases.join("\n")}\n</testsuite>\n`;
    }
    case "sarif":
      return `${JSON.stringify({
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "plumb validate" } }, results: findings.map((f) => ({ ruleId: f.check, level: f.severity === "info" ? "note" : f.severity, message: { text: f.message }, locations: f.file ? [{ physicalLocation: { artifactLocation: { uri: f.file }, ...(f.line ? { region: { startLine: f.line } } : {}) } }] : [] })) }],
      })}\n`;
    case "table":
      return findings.length
        ? `${findings.map((f) => `${f.severity}\t${f.check}\t${f.app ?? ""}\t${f.file ?? ""}${f.line ? `:${f.line}` : ""}\t${f.object ? `${f.object.kind}/${f.object.name}` : ""}\t${f.path ?? ""}\t${f.message}`).join("\n")}\n`
        : `${report.apps.length} apps validated, no findings\n`;
  }
}
