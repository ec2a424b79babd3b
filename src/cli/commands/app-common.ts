/**
 * What every `plumb app` sub-command shares: the flags that say where Applications live (the plumb server
 * of a context or --server; or, with --core, the kubeconfig and `--argo` for Argo CD's group;
 * `-n/--app-namespace` in both), the backend those flags choose (backend.ts: the same verbs over the API or
 * through the kubeconfig), and the formatting helpers of the human output (short SHAs, ages, destinations,
 * status words in colour).
 *
 * In core mode the CLI works straight against the cluster, like `argocd --core`: it reads Applications and
 * writes their spec and `operation` field; the controller does everything else. Over the API the server
 * makes those same writes on the user's behalf, after checking their permissions.
 */
import type { Command } from "commander";
import { AppClient } from "../../apps/client.js";
import type { ApplicationView } from "../../apps/index.js";
import { UsageError } from "../../core/errors.js";
import type { KubeObject } from "../../core/object.js";
import { ApiBackend } from "../api-backend.js";
import { ApiClient } from "../api-client.js";
import { CoreBackend, type AppBackend } from "../backend.js";
import { configPath, loadConfig } from "../config.js";
import { addKubeFlags, connect, type KubeFlags } from "../kube-flags.js";
import { colour, parseFormat, statusColour, type Format } from "../output.js";
import { addTargetFlags, resolveTarget, type Target, type TargetFlags } from "../target.js";
export type { AppBackend };

export interface AppFlags extends KubeFlags, TargetFlags {
  appNamespace: string;
  argo?: boolean;
  output?: string;
}

/** The namespace Applications live in unless -n says otherwise. */
export const DEFAULT_APP_NAMESPACE = "plumb";

/** Adds the target flags, the kube flags, -n/--app-namespace and --argo; with `outputs`, also -o/--output. */
export function addAppFlags(cmd: Command, outputs?: string): Command {
  addTargetFlags(addKubeFlags(cmd))
    .option("-n, --app-namespace <ns>", "namespace of the Application objects", DEFAULT_APP_NAMESPACE)
    .option("--argo", "with --core: address Argo CD's argoproj.io Applications instead of plumb.dev ones");
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

/** Where the flags, the environment and the contexts file send a command (target.ts has the rule). */
export function targetOf(f: TargetFlags & KubeFlags): Target {
  return resolveTarget(f, process.env, loadConfig(configPath()));
}

/** The API client of a target in API mode. */
export function apiClientOf(t: Extract<Target, { mode: "api" }>): ApiClient {
  return new ApiClient({ server: t.server, ...(t.token ? { token: t.token } : {}), insecure: Boolean(t.insecure) });
}

/** Opens the backend the flags choose (see target.ts), runs `fn`, and closes it. */
export async function withApps<T>(f: AppFlags, fn: (apps: AppBackend) => Promise<T>): Promise<T> {
  const target = targetOf(f);
  let apps: AppBackend;
  if (target.mode === "api") {
    if (f.argo) throw new UsageError("--argo addresses argoproj.io Applications through the kubeconfig: it needs --core", "the plumb server serves its Applications by name and namespace; leave --argo out");
    apps = new ApiBackend(apiClientOf(target), f.appNamespace);
  } else {
    apps = new CoreBackend(new AppClient(await connect(f), f.appNamespace, Boolean(f.argo)));
  }
  try {
    return await fn(apps);
  } finally {
    apps.close();
  }
}

/** The AppClient of core mode; in API mode, a UsageError saying `what` needs --core. */
export function coreOf(apps: AppBackend, what: string): AppClient {
  if (!apps.core) throw new UsageError(`${what} is not available over the plumb server`, "run it with --core (and a kubeconfig that can read the cluster)");
  return apps.core;
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

/** The API client the flags choose; in core mode, a UsageError saying `what` needs a plumb server. */
export function requireApi(f: TargetFlags & KubeFlags, what: string): ApiClient {
  const target = targetOf(f);
  if (target.mode !== "api") {
    throw new UsageError(`${what} needs a plumb server${f.core ? " (not --core)" : ""}`, "log in first (plumb login SERVER), or pass --server ADDRESS --auth-token TOKEN");
  }
  return apiClientOf(target);
}
