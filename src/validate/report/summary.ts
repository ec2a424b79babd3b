/**
 * What every report format shares: counts by severity, the display form of an object, and findings grouped
 * by app, then by object.
 *
 * Pure: imports nothing that does I/O.
 */
import { sortFindings, type Finding, type ObjectRef, type Severity, type ValidateReport } from "../findings.js";

export interface ReportSummary {
  /** Apps validated. */
  apps: number;
  /** Apps with at least one finding. */
  appsWithFindings: number;
  /** Rendered objects, over all apps. */
  objects: number;
  findings: number;
  error: number;
  warning: number;
  info: number;
}

export function summarize(report: ValidateReport): ReportSummary {
  const count = (s: Severity): number => report.findings.filter((f) => f.severity === s).length;
  const withFindings = new Set(report.findings.map((f) => f.app ?? ""));
  return {
    apps: report.apps.length,
    appsWithFindings: report.apps.filter((a) => withFindings.has(a.name)).length,
    objects: report.apps.reduce((n, a) => n + a.objects, 0),
    findings: report.findings.length,
    error: count("error"),
    warning: count("warning"),
    info: count("info"),
  };
}

/** "Deployment shop/web", "Namespace shop". */
export function objectLabel(o: ObjectRef): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

/** A stable key of an object: apiVersion, kind, namespace, name. */
export const objectKey = (o: ObjectRef | undefined): string => (o ? `${o.apiVersion}/${o.kind}/${o.namespace ?? ""}/${o.name}` : "");

export interface ObjectGroup {
  object?: ObjectRef;
  file?: string;
  line?: number;
  findings: Finding[];
}

export interface AppGroup {
  /** The app's name; undefined for findings about no app (a file that does not parse, outside any app). */
  app?: string;
  file?: string;
  objects: ObjectGroup[];
}

/**
 * Findings grouped by app (in the report's app order, then findings of no known app), then by object and
 * file (objects in the order of their first finding, findings sorted as sortFindings does).
 */
export function groupFindings(report: ValidateReport): AppGroup[] {
  const sorted = sortFindings(report.findings);
  const groups: AppGroup[] = [];
  const byApp = new Map<string, AppGroup>();
  const appFile = new Map(report.apps.map((a) => [a.name, a.file]));
  const order = new Map(report.apps.map((a, i) => [a.name, i]));
  for (const f of sorted) {
    const name = f.app ?? "";
    let g = byApp.get(name);
    if (!g) {
      g = { ...(f.app !== undefined ? { app: f.app } : {}), ...(appFile.has(name) ? { file: appFile.get(name)! } : {}), objects: [] };
      byApp.set(name, g);
      groups.push(g);
    }
    const k = `${objectKey(f.object)}\u0000${f.file ?? ""}`;
    let o = g.objects.find((x) => `${objectKey(x.object)}\u0000${x.file ?? ""}` === k);
    if (!o) {
      o = { ...(f.object ? { object: f.object } : {}), ...(f.file !== undefined ? { file: f.file } : {}), ...(f.line !== undefined ? { line: f.line } : {}), findings: [] };
      g.objects.push(o);
    }
    if (o.line === undefined && f.line !== undefined) o.line = f.line;
    o.findings.push(f);
  }
  const rank = (g: AppGroup): number => (g.app !== undefined && order.has(g.app) ? order.get(g.app)! : Number.MAX_SAFE_INTEGER);
  return groups.sort((a, b) => rank(a) - rank(b));
}
