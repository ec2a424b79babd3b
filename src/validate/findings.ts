/**
 * What `plumb validate` reports: findings, each from one check (an id such as `container-image-tag` or
 * `schema-unknown-field`), at a severity, about an app, a file, an object and a field path in it.
 * The checks (schema.ts, policy.ts, apps.ts) produce them; report.ts prints them.
 *
 * Field paths are written as Kubernetes writes them in its own errors (apimachinery's field.Path):
 * `spec.template.spec.containers[0].image`, `metadata.labels[app.kubernetes.io/name]`.
 *
 * Pure: imports nothing that does I/O.
 */

export type Severity = "info" | "warning" | "error";

/** Lowest first. */
export const SEVERITIES: readonly Severity[] = ["info", "warning", "error"];

/** True when `s` is at or above `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(s) >= SEVERITIES.indexOf(threshold);
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

/** The object a finding is about, as it was rendered (namespace as it would be applied). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface Finding {
  /** The check's id; the same id switches it off (per object by annotation, per run by flag). */
  check: string;
  severity: Severity;
  /** One sentence a user can act on: what is wrong and, where it is not obvious, what to do. */
  message: string;
  /** The Application the object belongs to (its name), or that the finding is about. */
  app?: string;
  /** Repository-relative file the object or Application came from. */
  file?: string;
  /** 1-based line in `file`, when known. */
  line?: number;
  object?: ObjectRef;
  /** Field path in the object, as Kubernetes writes it. */
  path?: string;
}

/** One Application that was validated: every report lists them all, clean or not (JUnit test cases). */
export interface ValidatedApp {
  name: string;
  /** Repository-relative file the Application manifest is in (or the app folder, for `plumb validate DIR` on one app). */
  file: string;
  /** How many objects its source rendered to (0 when the render failed). */
  objects: number;
}

export interface ValidateReport {
  /** The folder validated (absolute). */
  root: string;
  apps: ValidatedApp[];
  findings: Finding[];
}

/** Sorted for printing: by app, file, object, path, then check. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const objectKey = (f: Finding): string => (f.object ? `${f.object.kind}/${f.object.namespace ?? ""}/${f.object.name}` : "");
  const key = (f: Finding): string[] => [f.app ?? "", f.file ?? "", objectKey(f), f.path ?? "", f.check];
  return [...findings].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      const c = ka[i]!.localeCompare(kb[i]!);
      if (c !== 0) return c;
    }
    return (a.line ?? 0) - (b.line ?? 0);
  });
}
