/**
 * The report as SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), for GitHub
 * code scanning (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
 *
 * One run; tool.driver is plumb with its version, and one rule per check: every policy check (so the rules
 * are the same from run to run) plus each other check id that was reported (schema, Application, render).
 * One result per finding: ruleId and ruleIndex, level (error, warning, note for info), the message (with
 * the field path), a physical location (the repository-relative file, against %SRCROOT%, and the line when
 * known) and a logical location naming the object. partialFingerprints carry the check, object and field
 * path, so GitHub keeps tracking an alert when lines above it move. A finding without a file has no
 * physical location (GitHub needs one to show an alert; the orchestrator gives every finding its file).
 *
 * Pure: imports nothing that does I/O.
 */
import type * as Sarif from "sarif";
import { describeCheck } from "../checks.js";
import { sortFindings, type Finding, type Severity, type ValidateReport } from "../findings.js";
import { POLICY_CHECKS } from "../policy/checks.js";
import { objectKey, objectLabel } from "./summary.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = { error: "error", warning: "warning", info: "note" };

/** "container-image-tag" → "ContainerImageTag" (SARIF's rule name: an identifier, not shown as prose). */
const ruleName = (id: string): string => id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());

function rule(id: string, severity: Severity | undefined): Sarif.ReportingDescriptor {
  const info = describeCheck(id);
  const level = info.severity ?? severity;
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: info.description.split(/(?<=\.)\s/)[0]! },
    fullDescription: { text: info.description },
    help: { text: `${info.description} Switch it off for one object with the annotation plumb.dev/validate-skip: "${id}", or for a run with --skip ${id}.` },
    ...(level ? { defaultConfiguration: { level: LEVEL[level] } } : {}),
  };
}

function result(f: Finding, ruleIndex: number): Sarif.Result {
  const r: Sarif.Result = {
    ruleId: f.check,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: `${f.object ? `${objectLabel(f.object)}: ` : ""}${f.message}${f.path ? ` (${f.path})` : ""}` },
    partialFingerprints: { "plumbFinding/v1": `${f.check}|${f.app ?? ""}|${objectKey(f.object)}|${f.path ?? ""}` },
  };
  const logical: Sarif.LogicalLocation[] = f.object
    ? [{ name: f.object.name, fullyQualifiedName: `${f.app ? `${f.app}:` : ""}${objectKey(f.object)}${f.path ? `:${f.path}` : ""}`, kind: "resource" }]
    : [];
  if (f.file !== undefined) {
    r.locations = [
      {
        physicalLocation: { artifactLocation: { uri: encodeURI(f.file), uriBaseId: "%SRCROOT%" }, ...(f.line !== undefined ? { region: { startLine: f.line } } : {}) },
        ...(logical.length ? { logicalLocations: logical } : {}),
      },
    ];
  } else if (logical.length) {
    r.locations = [{ logicalLocations: logical }];
  }
  const props: Record<string, unknown> = {};
  if (f.app !== undefined) props.app = f.app;
  if (f.path !== undefined) props.path = f.path;
  if (Object.keys(props).length) r.properties = props;
  return r;
}

export function formatSarif(report: ValidateReport, opts: { version?: string } = {}): string {
  const findings = sortFindings(report.findings);
  const ids = [...POLICY_CHECKS.map((c) => c.id)];
  const worstSeen = new Map<string, Severity>();
  for (const f of findings) {
    if (!ids.includes(f.check)) ids.push(f.check);
    const w = worstSeen.get(f.check);
    if (!w || (w === "info" && f.severity !== "info") || (w === "warning" && f.severity === "error")) worstSeen.set(f.check, f.severity);
  }
  const index = new Map(ids.map((id, i) => [id, i]));
  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "plumb",
            ...(opts.version ? { version: opts.version, semanticVersion: opts.version } : {}),
            rules: ids.map((id) => rule(id, worstSeen.get(id))),
          },
        },
        columnKind: "utf16CodeUnits",
        results: findings.map((f) => result(f, index.get(f.check)!)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
