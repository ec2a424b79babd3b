/**
 * Reading the local control plane's audit log (startLocalCluster({ auditLog: true })) in e2e tests: the
 * writes the API server received per object, with dry runs told apart, so a test can say "the second sync
 * wrote nothing" or "self-heal patched the Deployment once".
 */
import { existsSync, readFileSync } from "node:fs";

/** The fields of an audit.k8s.io/v1 Event the helpers read (Metadata level, or Request level for deletes). */
export interface AuditEvent {
  auditID: string;
  stage: string;
  level: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus?: { code?: number; status?: string; reason?: string; message?: string };
  /** Only at Request level (deletes): the DeleteOptions sent. */
  requestObject?: { dryRun?: string[] };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** The object whose writes to count: group "" (or absent) is the core group; no namespace: cluster-scoped. */
export interface AuditTarget {
  group?: string;
  /** The plural resource: "configmaps", "deployments", "applications". */
  resource: string;
  namespace?: string;
  name: string;
  /** "status" counts writes of the status subresource; absent counts writes of the object itself. */
  subresource?: string;
}

/** Which writes to count. */
export interface WriteFilter {
  /** true: count only dry runs; false (default): only real writes. */
  dryRun?: boolean;
  /** Also count writes the API server refused (a conflict, an invalid object). Default false. */
  includeFailed?: boolean;
}

const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/**
 * The events of an audit log, oldest first; none when the file does not exist yet. A last line still being
 * written (no newline yet) is left for the next read.
 */
export function readAudit(path: string): AuditEvent[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  return complete
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** Whether a write was a dry run: `dryRun=All` in its URI, or in a delete's DeleteOptions. */
export function isDryRun(e: AuditEvent): boolean {
  const query = new URL(e.requestURI, "https://audit.invalid").searchParams;
  return query.getAll("dryRun").includes("All") || (e.requestObject?.dryRun ?? []).includes("All");
}

/** The writes to one object, oldest first: real ones by default, dry runs with `{ dryRun: true }`. */
export function writesOf(events: readonly AuditEvent[], target: AuditTarget, filter: WriteFilter = {}): AuditEvent[] {
  return events.filter((e) => {
    const ref = e.objectRef;
    if (!ref || !WRITE_VERBS.has(e.verb) || e.stage !== "ResponseComplete") return false;
    if ((ref.apiGroup ?? "") !== (target.group ?? "") || ref.resource !== target.resource || ref.name !== target.name) return false;
    // The API server files a Namespace's own requests under that namespace.
    const namespace = !target.group && target.resource === "namespaces" ? target.name : (target.namespace ?? "");
    if ((ref.namespace ?? "") !== namespace || (ref.subresource ?? "") !== (target.subresource ?? "")) return false;
    if (isDryRun(e) !== (filter.dryRun ?? false)) return false;
    const code = e.responseStatus?.code ?? 0;
    return filter.includeFailed || (code >= 200 && code < 300);
  });
}

/** How many writes one object received (see writesOf). */
export function writesTo(events: readonly AuditEvent[], target: AuditTarget, filter: WriteFilter = {}): number {
  return writesOf(events, target, filter).length;
}
