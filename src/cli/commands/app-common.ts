/**
 * What every `plumb app` sub-command shares: the flags that say where Applications live (kubeconfig,
 * `-n/--app-namespace`, `--argo` for Argo CD's group), a small client for Application objects that turns
 * "not found" and "no such CRD" into errors naming the app and the namespace, and the formatting helpers of
 * the human output (short SHAs, ages, destinations, status words in colour). The client itself is
 * apps/client.ts, shared with the API server.
 *
 * The CLI works straight against the cluster, like `argocd --core`: it reads Applications and writes their
 * spec and `operation` field; the controller does everything else.
 */
import type { Command } from "commander";
import { AppClient } from "../../apps/client.js";
export { AppClient };
import type { ApplicationView } from "../../apps/index.js";
import { UsageError } from "../../core/errors.js";
import type { KubeObject } from "../../core/object.js";
import { addKubeFlags, connect, type KubeFlags } from "../kube-flags.js";
import { colour, parseFormat, statusColour, type Format } from "../output.js";

export interface AppFlags extends KubeFlags {
  appNamespace: string;
  argo?: boolean;
  output?: string;
}

/** The namespace Applications live in unless -n says otherwise. */
export const DEFAULT_APP_NAMESPACE = "plumb";

/** Adds the kube flags, -n/--app-namespace and --argo; with `outputs`, also -o/--output. */
export function addAppFlags(cmd: Command, outputs?: string): Command {
  addKubeFlags(cmd)
    .option("-n, --app-namespace <ns>", "namespace of the Application objects", DEFAULT_APP_NAMESPACE)
    .option("--argo", "address Argo CD's argoproj.io Applications instead of plumb.dev ones");
  if (outputs) cmd.option("-o, --output <format>", outputs, "text");
  return cmd;
}

/** The -o value, where "wide" counts as text unless `allowWide`. */
export function outputOf(f: AppFlags, allowWide = false): { format: Format; wide: boolean } {
  const value = f.output ?? "text";
  if (value === "wide") {
    if (!allowWide) return { format: "text", wide: false };
    return { format: "text", wide: true };
  }
  return { format: parseFormat(value), wide: false };
}

/** Opens a client for the flags, runs `fn`, and closes it. */
export async function withApps<T>(f: AppFlags, fn: (apps: AppClient) => Promise<T>): Promise<T> {
  const apps = new AppClient(await connect(f), f.appNamespace, Boolean(f.argo));
  try {
    return await fn(apps);
  } finally {
    apps.resources.client.close();
  }
}

/** The first 7 characters of a commit SHA ("" for none). */
export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : "";
}

/** A duration in kubectl's style: 42s, 5m, 3h, 2d. */
export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return "";
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** A status word in colour: statusColour's words, plus the operation phases and Unknown. */
export function word(w: string | undefined): string {
  if (!w) return "";
  switch (w) {
    case "Running":
    case "Suspended":
      return colour("blue", w);
    case "Error":
    case "SyncFailed":
      return colour("red", w);
    case "Unknown":
      return colour("grey", w);
    case "Pruned":
      return colour("green", w);
    case "PruneSkipped":
      return colour("yellow", w);
    default:
      return statusColour(w);
  }
}

/** "server/namespace" or "name/namespace", as Argo CD shows a destination. */
export function destinationOf(view: ApplicationView): string {
  const d = view.spec?.destination;
  if (!d) return "";
  return `${d.name ?? d.server ?? ""}${d.namespace ? `/${d.namespace}` : ""}`;
}

/** Labelled lines, aligned: `Name:   value`. Empty values are left out; `null` prints the label alone. */
export function fields(rows: Array<[string, string | undefined | null]>): string {
  const kept = rows.filter((r): r is [string, string | null] => r[1] !== undefined && r[1] !== "");
  const width = Math.max(0, ...kept.filter(([, v]) => v !== null).map(([k]) => k.length + 1));
  return kept.map(([k, v]) => (v === null ? `${k}:` : `${`${k}:`.padEnd(width)}  ${v}`)).join("\n") + "\n";
}

/** A positive number of seconds (0 = no limit) from a flag, in milliseconds. */
export function timeoutMs(value: string, flag = "--timeout"): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number of seconds (0 for no limit), got "${value}"`);
  return n === 0 ? Number.POSITIVE_INFINITY : n * 1000;
}

/** The object without managedFields (noise in -o json/yaml), apiVersion and kind first. */
export function forPrinting(obj: KubeObject): KubeObject {
  const { managedFields: _drop, ...metadata } = obj.metadata;
  const { apiVersion, kind, metadata: _meta, ...rest } = obj;
  return { apiVersion, kind, metadata, ...rest };
}
