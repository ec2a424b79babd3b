/**
 * What the tree's watch caches keep of a child object: only the fields the tree reads — identity, owners,
 * labels, the few annotations health and info look at, and per kind the fields of its health function
 * (health/kinds) and of its info (info.ts). A Pod as the API server sends it is mostly spec (containers
 * with env, probes, volumes, resources) and managedFields; what is kept of it is its containers' names
 * and images, node, restart policy and status. Applied by the informers before caching (the informer's
 * `transform` option), so the memory saved is the whole object's, once per object, not per tree asked.
 *
 * Rule for changes: a field health or info starts to read must be kept here; the unit tests check every
 * health fixture (test/fixtures/health) gives the same health and info stripped as whole.
 *
 * Pure: imports nothing that does I/O.
 */
import { ARGOCD, PLUMB, TRACKING_ANNOTATION } from "../../core/annotations.js";
import { parseApiVersion, type KubeObject, type ObjectMeta } from "../../core/object.js";
import { IGNORE_RESTART_POLICY } from "../../health/kinds/pod.js";
import { list, record } from "../../health/fields.js";
import { REVISION_ANNOTATION } from "./info.js";

/** The annotations anything of the tree reads. */
const KEPT_ANNOTATIONS = [REVISION_ANNOTATION, `${PLUMB}/${IGNORE_RESTART_POLICY}`, `${ARGOCD}/${IGNORE_RESTART_POLICY}`, TRACKING_ANNOTATION];

/** A copy of `obj` with only what the resource tree needs (see the module comment). Never throws. */
export function stripForTree(obj: KubeObject): KubeObject {
  const group = parseApiVersion(obj.apiVersion ?? "").group;
  const base: KubeObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: stripMeta(obj.metadata ?? { name: "" }) };
  const spec = record(obj.spec);
  switch (`${group}/${obj.kind}`) {
    case "/Pod":
      return {
        ...base,
        spec: pick({
          nodeName: spec.nodeName,
          restartPolicy: spec.restartPolicy,
          containers: containers(spec.containers),
          initContainers: containers(spec.initContainers),
        }),
        status: podStatus(record(obj.status)),
      };
    case "apps/ReplicaSet":
    case "extensions/ReplicaSet":
      return { ...base, spec: pick({ replicas: spec.replicas, template: template(spec.template) }), ...(obj.status ? { status: obj.status } : {}) };
    case "batch/Job":
      return {
        ...base,
        spec: pick({ suspend: spec.suspend, completions: spec.completions, parallelism: spec.parallelism, template: template(spec.template) }),
        ...(obj.status ? { status: obj.status } : {}),
      };
    case "discovery.k8s.io/EndpointSlice":
      // The endpoints themselves (one entry per Pod address) are not shown in the tree.
      return { ...base, ...(obj.addressType !== undefined ? { addressType: obj.addressType } : {}) };
    case "apps/ControllerRevision":
      // `data` is a whole Pod template; the tree shows only the revision's number.
      return { ...base, ...(obj.revision !== undefined ? { revision: obj.revision } : {}) };
    default: {
      // A child kind the tree knows nothing about (configured by the server): keep spec, status and the
      // annotations, which its health may read (an autoscaling/v1 HPA's conditions are an annotation), less
      // kubectl's copy of the whole last-applied object.
      const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
      return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: stripMeta(obj.metadata ?? { name: "" }, true), ...rest };
    }
  }
}

/** kubectl's client-side apply record: a copy of the whole object. */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** Identity, owners and labels; the annotations the tree reads, or all but kubectl's last-applied copy. */
function stripMeta(m: ObjectMeta, allAnnotations = false): ObjectMeta {
  const annotations: Record<string, string> = {};
  for (const name of allAnnotations ? Object.keys(m.annotations ?? {}).filter((a) => a !== LAST_APPLIED) : KEPT_ANNOTATIONS) {
    const v = m.annotations?.[name];
    if (v !== undefined) annotations[name] = v;
  }
  const owners = m.ownerReferences?.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, ...(o.controller !== undefined ? { controller: o.controller } : {}) }));
  return pick({
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
    labels: m.labels,
    annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
    ownerReferences: owners && owners.length > 0 ? owners : undefined,
  }) as ObjectMeta;
}

/** Containers reduced to name, image and (init containers) restartPolicy, which marks a sidecar. */
function containers(raw: unknown): unknown[] | undefined {
  const out = list(raw).map((c) => pick({ name: record(c).name, image: record(c).image, restartPolicy: record(c).restartPolicy }));
  return out.length > 0 ? out : undefined;
}

/** A workload's Pod template reduced to its images (info.ts shows them). */
function template(raw: unknown): unknown {
  const spec = record(record(raw).spec);
  const c = containers(spec.containers);
  const i = containers(spec.initContainers);
  return c || i ? { spec: pick({ containers: c, initContainers: i }) } : undefined;
}

function podStatus(s: Record<string, unknown>): Record<string, unknown> {
  return pick({
    phase: s.phase,
    reason: s.reason,
    message: s.message,
    conditions: list(s.conditions).map((c) => {
      const r = record(c);
      return pick({ type: r.type, status: r.status, reason: r.reason, message: r.message });
    }),
    containerStatuses: containerStatuses(s.containerStatuses),
    initContainerStatuses: containerStatuses(s.initContainerStatuses),
  });
}

function containerStatuses(raw: unknown): unknown[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.map((entry) => {
    const c = record(entry);
    const state = record(c.state);
    const last = record(record(c.lastState).terminated);
    return pick({
      name: c.name,
      ready: c.ready,
      started: c.started,
      restartCount: c.restartCount,
      state: pick({
        waiting: state.waiting === undefined ? undefined : pickOf(state.waiting, ["reason", "message"]),
        running: state.running === undefined ? undefined : {},
        terminated: state.terminated === undefined ? undefined : pickOf(state.terminated, ["reason", "message", "exitCode", "signal"]),
      }),
      lastState: Object.keys(last).length > 0 ? { terminated: pickOf(last, ["reason", "exitCode"]) } : undefined,
    });
  });
}

function pickOf(raw: unknown, keys: string[]): Record<string, unknown> {
  const r = record(raw);
  return pick(Object.fromEntries(keys.map((k) => [k, r[k]])));
}

/** The entries of `o` that are not undefined. */
function pick(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
