/**
 * Pod health, with Argo CD's meaning (gitops-engine pkg/health):
 *
 * - A long-running pod (restartPolicy Always) is Degraded as soon as a container — or an init container —
 *   waits for a reason that will not fix itself: CrashLoopBackOff, ImagePullBackOff, ErrImagePull,
 *   CreateContainerConfigError... (reasons starting "Err" or ending "Error" or "BackOff").
 * - Otherwise the phase decides: Pending → Progressing, Succeeded → Healthy, Failed → Degraded (with the
 *   best failure message found), Unknown → Unknown.
 * - A Running pod with restartPolicy Always is Healthy when Ready, Degraded when not ready after a container
 *   restarted, Progressing otherwise. A Running pod with OnFailure/Never has a finite life — typically a
 *   sync hook — so it stays Progressing until it ends, unless annotated `ignore-restart-policy` (for pods
 *   that an operator runs forever with such a policy).
 *
 * Why the waiting-reason rule skips OnFailure/Never pods: those are usually hooks, and calling a hook pod
 * Degraded while its image is still being pulled would fail the sync too early.
 */
import { ARGOCD, PLUMB } from "../../core/annotations.js";
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, findCondition, list, num, record, specOf, statusOf, str } from "../fields.js";
import type { HealthResult } from "../types.js";

/** Annotation (plumb.dev/ or argocd.argoproj.io/) that makes a Running pod judged as if restartPolicy were Always. */
export const IGNORE_RESTART_POLICY = "ignore-restart-policy";

interface ContainerStatus {
  name: string;
  waiting?: { reason: string; message: string };
  terminated?: { reason: string; message: string; exitCode: number };
  restartedBefore: boolean;
}

function containerStatuses(raw: unknown): ContainerStatus[] {
  return list(raw).map((entry) => {
    const c = record(entry);
    const state = record(c.state);
    const out: ContainerStatus = {
      name: str(c.name) ?? "",
      restartedBefore: Object.keys(record(record(c.lastState).terminated)).length > 0,
    };
    if (state.waiting !== undefined) {
      const w = record(state.waiting);
      out.waiting = { reason: str(w.reason) ?? "", message: str(w.message) ?? "" };
    }
    if (state.terminated !== undefined) {
      const t = record(state.terminated);
      out.terminated = { reason: str(t.reason) ?? "", message: str(t.message) ?? "", exitCode: num(t.exitCode) ?? 0 };
    }
    return out;
  });
}

/** Waiting reasons that do not resolve by waiting longer. */
function isStuck(reason: string): boolean {
  return reason.startsWith("Err") || reason.endsWith("Error") || reason.endsWith("BackOff");
}

/** Why a terminated container failed, or "" if it did not. */
function failureOf(c: ContainerStatus): string {
  const t = c.terminated;
  if (!t) return "";
  if (t.message) return t.message;
  if (t.reason === "OOMKilled") return `container "${c.name}" was OOMKilled`;
  if (t.exitCode !== 0) return `container "${c.name}" failed with exit code ${t.exitCode}`;
  return "";
}

function hasAnnotation(obj: KubeObject, name: string): boolean {
  const a = obj.metadata.annotations ?? {};
  return `${PLUMB}/${name}` in a || `${ARGOCD}/${name}` in a;
}

/** The health of a v1 Pod. */
export function podHealth(obj: KubeObject): HealthResult {
  const status = statusOf(obj);
  const phase = str(status.phase) ?? "";
  const message = str(status.message) ?? "";
  const restartPolicy = str(specOf(obj).restartPolicy) ?? "Always";
  const initContainers = containerStatuses(status.initContainerStatuses);
  const containers = containerStatuses(status.containerStatuses);

  if (restartPolicy === "Always") {
    const stuck = [...initContainers, ...containers].filter((c) => c.waiting && isStuck(c.waiting.reason));
    if (stuck.length > 0) {
      const why = stuck.map((c) => `${c.name}: ${c.waiting?.reason}${c.waiting?.message ? ` (${c.waiting.message})` : ""}`);
      return { status: "Degraded", message: why.join(", ") };
    }
  }

  switch (phase) {
    case "Pending":
      return { status: "Progressing", message };
    case "Succeeded":
      return { status: "Healthy", message };
    case "Failed": {
      if (message) return { status: "Degraded", message };
      const failed = [...initContainers, ...containers].map(failureOf).find((m) => m !== "");
      return { status: "Degraded", message: failed ?? "" };
    }
    case "Running": {
      if (restartPolicy !== "Always" && !hasAnnotation(obj, IGNORE_RESTART_POLICY)) {
        return { status: "Progressing", message };
      }
      if (findCondition(conditionsOf(obj), "Ready")?.status === "True") return { status: "Healthy", message };
      if (containers.some((c) => c.restartedBefore)) {
        return { status: "Degraded", message: message || "a container restarted and the pod is not ready" };
      }
      return { status: "Progressing", message: message || "Waiting for the pod to become ready" };
    }
    default:
      return { status: "Unknown", message: message || `pod phase is "${phase || "unset"}"` };
  }
}
