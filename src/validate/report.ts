/**
 * `plumb validate`'s report in the four formats of `-o`: table (people), json (scripts), junit (CI test
 * reporters) and sarif (GitHub code scanning). One function, formatReport; each format in its own file
 * under report/. Every format lists the same findings in the same order (findings.ts sortFindings).
 *
 * The JSON form is a stable interface (docs/validate-checks.md, "Report formats"):
 *     { root, apps: [{name, file, objects}], findings: [{check, severity, message, app?, file?, line?,
 *       object?: {apiVersion, kind, namespace?, name}, path?}], summary: {apps, appsWithFindings, objects,
 *       findings, error, warning, info} }
 * Fields are only ever added.
 *
 * Pure: imports nothing that does I/O (plumb's version and the colour decision come in through opts).
 */
import { sortFindings, type Severity, type ValidateReport } from "./findings.js";
import { formatJUnit } from "./report/junit.js";
import { formatSarif } from "./report/sarif.js";
import { summarize, type ReportSummary } from "./report/summary.js";
import { formatTable } from "./report/table.js";

export type ReportFormat = "table" | "json" | "junit" | "sarif";
export const REPORT_FORMATS: readonly ReportFormat[] = ["table", "json", "junit", "sarif"];

export interface ReportOptions {
  /** Table: colour severities and headings (the caller decides: src/cli/output.ts colourWanted). */
  colour?: boolean;
  /** JUnit: the severity from which a finding fails its test case (the run's --fail-on; default error). */
  failOn?: Severity;
  /** SARIF: plumb's version for runs[0].tool.driver.version (src/tools/versions.ts plumbVersion()). */
  version?: string;
}

/** The JSON report's shape. */
export interface JsonReport extends ValidateReport {
  summary: ReportSummary;
}

export function formatReport(report: ValidateReport, format: ReportFormat, opts: ReportOptions = {}): string {
  switch (format) {
    case "table":
      return formatTable(report, opts);
    case "json": {
      const out: JsonReport = { root: report.root, apps: report.apps, findings: sortFindings(report.findings), summary: summarize(report) };
      return `${JSON.stringify(out, null, 2)}\n`;
    }
    case "junit":
      return formatJUnit(report, opts);
    case "sarif":
      return formatSarif(report, opts);
  }
}
