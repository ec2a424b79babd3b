/**
 * Annotation and label names plumb reads and writes. plumb's own names come first; Argo CD's equivalents
 * are read too, so repositories written for Argo CD work unchanged
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/, .../resource_hooks/, .../sync-options/).
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "./object.js";

export const PLUMB = "plumb.dev";
export const ARGOCD = "argocd.argoproj.io";

export const Annotation = {
  syncWave: "sync-wave",
  hook: "hook",
  hookDeletePolicy: "hook-delete-policy",
  syncOptions: "sync-options",
  compareOptions: "compare-options",
  trackingId: "tracking-id",
} as const;
export type AnnotationName = (typeof Annotation)[keyof typeof Annotation];

/** The tracking label: its value is the owning application's name, so watches can filter on it. */
export const TRACKING_LABEL = `${PLUMB}/app`;
/** The tracking annotation: `<app>:<group>/<kind>:<namespace>/<name>`, naming the owner exactly. */
export const TRACKING_ANNOTATION = `${PLUMB}/${Annotation.trackingId}`;
/** The field manager of every server-side apply plumb makes. */
export const FIELD_MANAGER = "plumb";

/**
 * Reads one of plumb's annotations from an object, falling back to Argo CD's name
 * (`plumb.dev/sync-wave`, then `argocd.argoproj.io/sync-wave`).
 */
export function readAnnotation(obj: KubeObject, name: AnnotationName): string | undefined {
  const a = obj.metadata?.annotations;
  if (!a) return undefined;
  return a[`${PLUMB}/${name}`] ?? a[`${ARGOCD}/${name}`];
}

/** Splits a comma-separated option annotation ("Prune=false,Replace=true") into a map of trimmed entries. */
export function parseOptionList(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value) return out;
  for (const raw of value.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf("=");
    if (eq < 0) out.set(item, "true");
    else out.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  return out;
}

/**
 * The finalizers that make deleting an Application delete its resources first: Argo CD's name (kept on
 * argoproj.io Applications) and plumb's.
 */
export const RESOURCES_FINALIZERS = ["resources-finalizer.argocd.argoproj.io", "plumb.dev/resources-finalizer"];
