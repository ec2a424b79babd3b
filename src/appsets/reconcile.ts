/**
 * One reconcile of an ApplicationSet, level-based (it reads current state and never sees what woke it):
 *
 *   read the spec (lenient: unknown and unsupported fields become a condition) → run the generators →
 *   render and check every Application (applications.ts) → plan creates, updates, deletes by the
 *   applicationsSync policy (plan.ts) → apply them → write the status once, only if it changed.
 *
 * Safety, in order of the guard clauses:
 * - an invalid spec, or a generator that fails (a repository unreachable, a file that does not parse, a
 *   generator plumb does not have): NO Application is created, updated or deleted; ErrorOccurred says why,
 *   with an Event when the error is new;
 * - a generated Application that is invalid: reported by name (condition and status.invalidApplications),
 *   an existing one of that name kept as it is, every other Application still created and updated;
 * - a repository not fetched yet, or the cluster-Secret cache not synced (deps.clusters throws PendingError):
 *   nothing written at all — an unsynced cache reads as "no clusters" and would delete every app of a
 *   clusters generator (Argo CD #18480); the mirror's change notice, the Secrets' first events or the
 *   requeue re-run the set.
 *
 * Applications are written by server-side apply with a field manager of their own (`plumb-applicationset`),
 * so the app controller's status and other managers' fields are never fought over; deleted with the
 * cascade finalizer unless `preserveResourcesOnDeletion` (then the finalizer is removed first and the
 * Application's resources stay).
 */
import type { Resources } from "../cluster/resources.js";
import type { ClusterSpec } from "../clusters/secret.js";
import type { SourceRepos } from "../controller/sources.js";
import { RESOURCES_FINALIZERS } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import { parseLenient } from "../apps/parse.js";
import type { renderGoTemplates } from "../template/index.js";
import { buildApplications } from "./applications.js";
import { generateAll, type GeneratorContext } from "./generators.js";
import { TreeReader } from "./gittree.js";
import { GeneratorError, PendingError } from "./params.js";
import { planApplications, type AppPlan } from "./plan.js";
import { goOptions, makeRenderer } from "./render.js";
import { ApplicationSetSpec, unsupportedFields, type AppSetResource, type ApplicationSetStatus, type InvalidApplication } from "./schema.js";
import { nextStatus, sameStatus, type Outcome } from "./status.js";

/** The field manager of generated Applications. */
export const APPSET_FIELD_MANAGER = "plumb-applicationset";

export interface AppSetLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AppSetDeps {
  resources: Resources;
  repos: SourceRepos;
  /** The ApplicationSet of a key (`group/namespace/name`), from the watch cache. */
  getSet(key: string): KubeObject | undefined;
  /** A live Application by group, namespace and name, from the watch cache. */
  getApp(group: string, namespace: string, name: string): KubeObject | undefined;
  /** The live Applications owned by the set of `uid`. */
  ownedApps(uid: string): KubeObject[];
  /** An AppProject of the group in the namespace, as stored. */
  getProject(group: string, namespace: string, name: string): unknown;
  /** The cluster Secrets, parsed; throws PendingError while their cache has not synced (clusters.ts). */
  clusters(): readonly ClusterSpec[];
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  log: AppSetLogger;
  /** Re-run every set this often without a trigger. */
  resyncMs: number;
  /** Tree listings by repository and SHA (gittree.ts). */
  listings: Map<string, { dirs: string[]; files: string[] }>;
  /** The last ErrorOccurred message per set, so an Event is recorded once per new error. */
  lastErrors: Map<string, string>;
  /** Replaces the Go template tool (tests). */
  renderGo?: typeof renderGoTemplates;
}

export interface AppSetResult {
  requeueAfterMs?: number;
}

/** `group/namespace/name` of a set. */
export function appSetKey(set: KubeObject): string {
  return `${set.apiVersion.split("/")[0]}/${set.metadata.namespace ?? ""}/${set.metadata.name}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Reconciles the ApplicationSet of `key`. */
export async function reconcileAppSet(deps: AppSetDeps, key: string): Promise<AppSetResult> {
  const set = deps.getSet(key);
  // Gone: Kubernetes' garbage collector deletes the Applications through their owner references.
  if (!set || set.metadata.deletionTimestamp) {
    deps.lastErrors.delete(key);
    return {};
  }
  const group = set.apiVersion.split("/")[0]!;
  const namespace = set.metadata.namespace ?? "";
  const parsed = parseLenient(ApplicationSetSpec, set.spec, "spec");
  const unsupported = parsed.issues.filter((i) => i.kind === "unknown").map((i) => i.message);
  const invalidSpec = parsed.issues.filter((i) => i.kind === "invalid").map((i) => i.message);
  if (!parsed.data || invalidSpec.length) {
    await writeStatus(deps, set, key, { error: { reason: "InvalidSpecError", message: `the ApplicationSet's spec is invalid: ${invalidSpec.join("; ") || "it does not parse"}` }, invalid: [], failures: [], unsupported });
    return {};
  }
  const spec = parsed.data;
  unsupported.push(...unsupportedFields(spec));
  const renderer = makeRenderer(spec.goTemplate === true, goOptions(spec.goTemplateOptions), ...(deps.renderGo ? [deps.renderGo] : []));
  const trees = new TreeReader(deps.repos, deps.listings);
  const warnings: string[] = [];
  const ctx: GeneratorContext = { renderer, clusters: () => deps.clusters(), gitTree: (url, rev) => trees.open(url, rev), warn: (m) => warnings.push(m) };
  let built;
  try {
    const params = await generateAll(spec.generators, ctx);
    built = await buildApplications({ set, spec, params, renderer, project: (name) => deps.getProject(group, namespace, name) });
  } catch (err) {
    if (err instanceof PendingError) return { requeueAfterMs: 30_000 };
    const reason = err instanceof GeneratorError ? "ApplicationGenerationFromParamsError" : "ErrorOccurred";
    await writeStatus(deps, set, key, { error: { reason, message: message(err) }, invalid: [], failures: [], unsupported: [...unsupported, ...warnings] });
    return { requeueAfterMs: deps.resyncMs };
  } finally {
    trees.release();
  }

  const uid = set.metadata.uid ?? "";
  const policy = spec.syncPolicy?.applicationsSync ?? "sync";
  const holdAll = built.invalid.some((i) => !i.name);
  const plan = planApplications({ desired: built.apps, held: built.held, holdAll, live: (n) => deps.getApp(group, namespace, n), owned: deps.ownedApps(uid), uid, policy });
  const failures = await execute(deps, set, plan, spec.syncPolicy?.preserveResourcesOnDeletion === true);
  const invalid: InvalidApplication[] = [...built.invalid, ...plan.skipped.filter((s) => !/is being deleted/.test(s.message))];
  if (holdAll && policy !== "create-only" && policy !== "create-update") failures.push("no Application was deleted: a generated Application without a name (see the template errors) may stand for any of them");
  const resources: AppSetResource[] = built.apps.map((a) => {
    const live = deps.getApp(group, namespace, a.name);
    const st = live?.status as { sync?: { status?: string }; health?: { status?: string; message?: string } } | undefined;
    return {
      group,
      version: set.apiVersion.split("/")[1] ?? "v1alpha1",
      kind: "Application",
      namespace,
      name: a.name,
      ...(st?.sync?.status ? { status: st.sync.status } : {}),
      ...(st?.health?.status ? { health: { status: st.health.status, ...(st.health.message ? { message: st.health.message } : {}) } } : {}),
    };
  });
  await writeStatus(deps, set, key, { invalid, failures, unsupported: [...unsupported, ...warnings], resources });
  if (plan.create.length || plan.update.length || plan.delete.length) {
    deps.log.info({ applicationSet: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length, invalid: invalid.length, policy }, "applicationset reconciled");
  }
  return { requeueAfterMs: deps.resyncMs };
}

function names(objs: readonly KubeObject[], max = 10): string {
  const shown = objs.slice(0, max).map((o) => o.metadata.name);
  return shown.join(", ") + (objs.length > max ? ` and ${objs.length - max} more` : "");
}

/** Applies the plan; the messages of what the API server refused. */
async function execute(deps: AppSetDeps, set: KubeObject, plan: AppPlan, preserve: boolean): Promise<string[]> {
  const failures: string[] = [];
  const apply = async (app: KubeObject): Promise<boolean> => {
    try {
      await deps.resources.apply(app, { fieldManager: APPSET_FIELD_MANAGER, force: true });
      return true;
    } catch (err) {
      failures.push(`Application ${app.metadata.name}: ${message(err)}`);
      return false;
    }
  };
  const created = await mapLimited(plan.create, apply);
  const updated = await mapLimited(plan.update, apply);
  const deleted = await mapLimited(plan.delete, async (app) => {
    try {
      if (preserve && (app.metadata.finalizers ?? []).some((f) => RESOURCES_FINALIZERS.includes(f))) {
        await deps.resources.client.request({
          method: "PATCH",
          path: `/apis/${app.apiVersion}/namespaces/${app.metadata.namespace}/applications/${app.metadata.name}`,
          contentType: "application/merge-patch+json",
          body: { metadata: { resourceVersion: app.metadata.resourceVersion, finalizers: (app.metadata.finalizers ?? []).filter((f) => !RESOURCES_FINALIZERS.includes(f)) } },
        });
      }
      await deps.resources.delete({ apiVersion: app.apiVersion, kind: "Application", namespace: app.metadata.namespace ?? "", name: app.metadata.name }, { propagationPolicy: "Background" });
      return true;
    } catch (err) {
      failures.push(`deleting Application ${app.metadata.name}: ${message(err)}`);
      return false;
    }
  });
  const ok = (objs: KubeObject[], done: boolean[]) => objs.filter((_, i) => done[i]);
  const c = ok(plan.create, created);
  const u = ok(plan.update, updated);
  const d = ok(plan.delete, deleted);
  if (c.length) deps.event(set, "Normal", "ApplicationCreated", `created ${c.length} Application${c.length === 1 ? "" : "s"}: ${names(c)}`);
  if (u.length) deps.event(set, "Normal", "ApplicationUpdated", `updated ${u.length} Application${u.length === 1 ? "" : "s"}: ${names(u)}`);
  if (d.length) deps.event(set, "Normal", "ApplicationDeleted", `deleted ${d.length} Application${d.length === 1 ? "" : "s"}${preserve ? " (their resources preserved)" : ""}: ${names(d)}`);
  return failures;
}

/** Runs `fn` over `items`, 16 at a time; the results in order. */
async function mapLimited<T, R>(items: readonly T[], fn: (t: T) => Promise<R>, limit = 16): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Writes the status if it changed (merge patch of the status subresource); an Event for a new error. */
async function writeStatus(deps: AppSetDeps, set: KubeObject, key: string, outcome: Outcome): Promise<void> {
  const old = set.status as ApplicationSetStatus | undefined;
  const status = nextStatus(old, outcome, set.metadata.generation, new Date().toISOString().replace(/\.\d+Z$/, "Z"));
  const err = status.conditions?.find((c) => c.type === "ErrorOccurred" && c.status === "True");
  if (err) {
    if (deps.lastErrors.get(key) !== err.message) {
      deps.lastErrors.set(key, err.message ?? "");
      deps.event(set, "Warning", err.reason ?? "ErrorOccurred", err.message ?? "");
      deps.log.warn({ applicationSet: key, reason: err.reason, error: err.message }, "applicationset error");
    }
  } else deps.lastErrors.delete(key);
  if (sameStatus(old, status)) return;
  const [group, version] = set.apiVersion.split("/");
  try {
    await deps.resources.client.request({
      method: "PATCH",
      path: `/apis/${group}/${version}/namespaces/${set.metadata.namespace}/applicationsets/${set.metadata.name}/status`,
      contentType: "application/merge-patch+json",
      // Lists are replaced whole by a merge patch; absent ones are cleared with null.
      body: { status: { conditions: status.conditions ?? null, resources: status.resources ?? null, invalidApplications: status.invalidApplications ?? null, observedGeneration: status.observedGeneration ?? null } },
    });
  } catch (e) {
    deps.log.warn({ applicationSet: key, error: message(e) }, "could not write the applicationset's status");
  }
}
