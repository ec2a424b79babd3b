/**
 * The resource tree of an Application, built from objects already at hand: which objects are in it, who
 * is whose parent, and what each node says (Argo CD's ApplicationTree, types.ts).
 *
 * The algorithm (`buildTree`):
 *   1. The roots are the app's managed resources: every entry of its `status.resources` and every live
 *      object given as managed (the caller passes those whose tracking annotation names the app, so one
 *      left out of a summarised status is still shown). An entry with its live object is a node of that
 *      object; an entry without one is a node with health Missing — unless it is a hook or an object to
 *      prune, whose absence is normal (a hook deleted by its policy, an object already pruned).
 *   2. Children are found through ownerReferences, by uid (uids are unique in a cluster, so a name reused
 *      by a new object is never mistaken for the old one): breadth-first from the roots, each candidate
 *      owned by a node already in the tree joins it, one level deeper. An object is visited once, so a
 *      cycle of ownerReferences (which Kubernetes' garbage collector forbids, but a hand-edited object may
 *      hold) ends the walk instead of looping.
 *   3. A child's parentRefs are its owners in the tree at a smaller depth — the tree is a DAG from the
 *      roots, never a cycle; a root has none. Candidates owned by nothing in the tree are left out (they
 *      belong to someone else, or to nobody: Argo CD's orphaned resources, not shown).
 *   4. Each live node gets its health (health/assessHealth, absent for kinds without one) and its details
 *      (info.ts); managed nodes also get their sync verdict from the status entry.
 *   5. Nodes are sorted by group, kind, namespace, name and uid, so equal inputs give equal answers in any
 *      order (a stream can compare two trees by their JSON).
 *
 * Which child kinds to look for — the owner table — is here too (CHILD_KINDS), so that the I/O part
 * (children.ts) knows what to watch and the answer of "what can own what" lives in one place.
 *
 * Pure: imports nothing that does I/O.
 */
import { keyOf, keyString, parseApiVersion, type KubeObject, type ResourceKey } from "../../core/object.js";
import { assessHealth, missingHealth } from "../../health/index.js";
import type { SyncStatusCode } from "../../apps/status.js";
import { nodeDetails } from "./info.js";
import type { ApplicationTree, ResourceNode, ResourceRef, TreeChange } from "./types.js";

/** A kind the tree watches for children: its apiVersion (for discovery) and kind. */
export interface ChildKind {
  apiVersion: string;
  kind: string;
}

/**
 * What each kind of object owns, by "group/kind" ("Service" for the core group): the kinds of its children,
 * which are what Kubernetes' own controllers create with an ownerReference to it. A kind not listed owns
 * nothing the tree shows.
 */
export const CHILD_KINDS: ReadonlyMap<string, readonly ChildKind[]> = new Map<string, readonly ChildKind[]>([
  ["apps/Deployment", [{ apiVersion: "apps/v1", kind: "ReplicaSet" }]],
  ["apps/ReplicaSet", [{ apiVersion: "v1", kind: "Pod" }]],
  ["apps/StatefulSet", [{ apiVersion: "v1", kind: "Pod" }, { apiVersion: "apps/v1", kind: "ControllerRevision" }]],
  ["apps/DaemonSet", [{ apiVersion: "v1", kind: "Pod" }, { apiVersion: "apps/v1", kind: "ControllerRevision" }]],
  ["batch/Job", [{ apiVersion: "v1", kind: "Pod" }]],
  ["batch/CronJob", [{ apiVersion: "batch/v1", kind: "Job" }]],
  ["Service", [{ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice" }]],
]);

/** "group/kind" of a key or object kind, the form CHILD_KINDS is keyed by. */
function groupKindOf(group: string, kind: string): string {
  return group ? `${group}/${kind}` : kind;
}

/**
 * Every kind that objects of the given group/kinds may own, transitively (a Deployment: ReplicaSets and,
 * through them, Pods), in a stable order. `table` defaults to CHILD_KINDS.
 */
export function descendantKinds(roots: Iterable<{ group: string; kind: string }>, table: ReadonlyMap<string, readonly ChildKind[]> = CHILD_KINDS): ChildKind[] {
  const out = new Map<string, ChildKind>();
  const queue = [...roots].map((r) => groupKindOf(r.group, r.kind));
  const seen = new Set(queue);
  while (queue.length > 0) {
    for (const child of table.get(queue.shift()!) ?? []) {
      const gk = groupKindOf(parseApiVersion(child.apiVersion).group, child.kind);
      if (!out.has(gk)) out.set(gk, child);
      if (!seen.has(gk)) {
        seen.add(gk);
        queue.push(gk);
      }
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
}

/** One entry of an Application's status.resources, as far as the tree reads it. */
export interface ManagedEntry {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: SyncStatusCode;
  requiresPruning?: boolean;
  hook?: boolean;
}

/** The entries of an Application's `status.resources`, leniently: entries without a kind and a name are skipped. */
export function managedEntries(app: { status?: unknown } | KubeObject): ManagedEntry[] {
  const resources = (app.status as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) return [];
  const out: ManagedEntry[] = [];
  for (const raw of resources as unknown[]) {
    if (typeof raw !== "object" || raw === null) continue;
    const e = raw as Record<string, unknown>;
    if (typeof e.kind !== "string" || typeof e.name !== "string" || !e.kind || !e.name) continue;
    const str = (v: unknown): string => (typeof v === "string" ? v : "");
    const status = e.status === "Synced" || e.status === "OutOfSync" || e.status === "Unknown" ? e.status : undefined;
    out.push({
      group: str(e.group),
      version: str(e.version),
      kind: e.kind,
      namespace: str(e.namespace),
      name: e.name,
      ...(status ? { status } : {}),
      ...(e.requiresPruning === true ? { requiresPruning: true } : {}),
      ...(e.hook === true ? { hook: true } : {}),
    });
  }
  return out;
}

/** The key of a status entry. */
export function entryKey(e: ManagedEntry): ResourceKey {
  return { group: e.group ?? "", kind: e.kind, namespace: e.namespace ?? "", name: e.name };
}

/** The reference of a live object. */
function refOf(obj: KubeObject): ResourceRef {
  const { group, version } = parseApiVersion(obj.apiVersion ?? "");
  return { group, version, kind: obj.kind, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name, ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}) };
}

/** The node of a live object (without parentRefs or sync verdict). */
function liveNode(obj: KubeObject): ResourceNode {
  const health = assessHealth(obj);
  return {
    ...refOf(obj),
    ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
    ...(obj.metadata.creationTimestamp ? { createdAt: obj.metadata.creationTimestamp } : {}),
    ...(health ? { health: health.message ? health : { status: health.status } } : {}),
    ...nodeDetails(obj),
  };
}

/** The sync verdict of a managed node, from its status entry. */
function verdict(e: ManagedEntry | undefined): Pick<ResourceNode, "status" | "requiresPruning" | "hook"> {
  if (!e) return {};
  return { ...(e.status ? { status: e.status } : {}), ...(e.requiresPruning ? { requiresPruning: true } : {}), ...(e.hook ? { hook: true } : {}) };
}

/**
 * The tree of an app (see the module comment): `app` gives the status entries, `managedLive` the live
 * managed objects, `candidates` the objects that may be their descendants (any others are ignored).
 */
export function buildTree(app: { status?: unknown } | KubeObject, managedLive: readonly KubeObject[], candidates: readonly KubeObject[]): ApplicationTree {
  const entries = new Map<string, ManagedEntry>();
  for (const e of managedEntries(app)) entries.set(keyString(entryKey(e)), e);
  const live = new Map<string, KubeObject>();
  for (const obj of managedLive) live.set(keyString(keyOf(obj)), obj);

  const nodes: ResourceNode[] = [];
  /** The depth of every live node in the tree, by uid (roots 0). */
  const depth = new Map<string, number>();
  const byUid = new Map<string, ResourceRef>();
  let frontier: string[] = [];

  for (const key of [...new Set([...entries.keys(), ...live.keys()])].sort()) {
    const entry = entries.get(key);
    const obj = live.get(key);
    if (obj) {
      const node = { ...liveNode(obj), ...verdict(entry) };
      nodes.push(node);
      const uid = obj.metadata.uid;
      if (uid && !depth.has(uid)) {
        depth.set(uid, 0);
        byUid.set(uid, refOf(obj));
        frontier.push(uid);
      }
    } else if (entry && !entry.hook && !entry.requiresPruning) {
      const k = entryKey(entry);
      nodes.push({ group: k.group, version: entry.version ?? "", kind: k.kind, namespace: k.namespace, name: k.name, health: missingHealth(), ...verdict(entry) });
    }
  }

  // Candidates by the uid of each of their owners; each list sorted so the walk's order is the input's in no way.
  const owned = new Map<string, KubeObject[]>();
  for (const obj of candidates) {
    for (const o of obj.metadata.ownerReferences ?? []) {
      if (!o.uid) continue;
      let kids = owned.get(o.uid);
      if (!kids) owned.set(o.uid, (kids = []));
      kids.push(obj);
    }
  }
  for (const kids of owned.values()) kids.sort((a, b) => compareKeys(a, b));

  for (let level = 1; frontier.length > 0; level++) {
    const next: string[] = [];
    for (const parent of frontier) {
      for (const child of owned.get(parent) ?? []) {
        const uid = child.metadata.uid;
        if (!uid || depth.has(uid)) continue;
        depth.set(uid, level);
        byUid.set(uid, refOf(child));
        next.push(uid);
        const parentRefs = (child.metadata.ownerReferences ?? [])
          .filter((o) => o.uid && (depth.get(o.uid) ?? Infinity) < level)
          .map((o) => byUid.get(o.uid)!)
          .sort((a, b) => compareRefs(a, b));
        nodes.push({ ...liveNode(child), parentRefs: dedupe(parentRefs) });
      }
    }
    frontier = next;
  }

  nodes.sort(compareRefs);
  return { nodes };
}

function dedupe(refs: ResourceRef[]): ResourceRef[] {
  return refs.filter((r, i) => i === 0 || r.uid !== refs[i - 1]!.uid);
}

function compareRefs(a: ResourceRef, b: ResourceRef): number {
  return cmp(a.group, b.group) || cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name) || cmp(a.uid ?? "", b.uid ?? "");
}

function compareKeys(a: KubeObject, b: KubeObject): number {
  return compareRefs(refOf(a), refOf(b));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether `change` may alter `tree`, the last tree computed for the app named `appName`: a managed object
 * of that app changed, or a child object changed in a namespace where the tree has nodes.
 */
export function changeAffects(change: TreeChange, appName: string, tree: ApplicationTree): boolean {
  if (change.app !== undefined) return change.app === appName;
  return tree.nodes.some((n) => n.namespace === change.namespace);
}
