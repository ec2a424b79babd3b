/**
 * The per-container checks: image tag and pull policy, resources, ephemeral storage, duplicate environment
 * variables and the security context. Each reports at most one finding per container and check (a container
 * missing both CPU and memory limits gets one container-resources finding naming both), except duplicate
 * environment variables: one finding per duplicated name, at its second occurrence.
 *
 * Semantics follow kube-score's score/container, score/ephemeralstorage, score/security packages, except
 * where noted: the image tag is parsed with core/image.ts (a registry's port is not a tag), and
 * `privileged` unset is not privileged (Kubernetes' default is false).
 *
 * Pure: imports nothing that does I/O.
 */
import { splitImageRef } from "../../core/image.js";
import type { Finding } from "../findings.js";
import { containersOf, finding, join, num, obj, str, type Container, type PodTemplate } from "./model.js";

/** The tag of an image, "" when it has neither tag nor digest; a digest counts as pinned. */
function pinnedTag(image: string): { pinned: boolean; latest: boolean } {
  const r = splitImageRef(image);
  if (r.digest) return { pinned: true, latest: false };
  return { pinned: r.tag !== undefined && r.tag !== "" && r.tag !== "latest", latest: r.tag === "latest" };
}

function imageChecks(t: PodTemplate, c: Container): Finding[] {
  const out: Finding[] = [];
  const image = str(c.c.image) ?? "";
  const tag = pinnedTag(image);
  if (!tag.pinned) {
    const why = tag.latest ? "uses the tag latest" : "has no tag";
    out.push(finding("container-image-tag", t.object, join(c.path, "image"), `container ${c.name}: image "${image}" ${why}; pin a version tag or digest so a restart cannot bring a different image`));
  }
  const policy = str(c.c.imagePullPolicy);
  if (policy !== undefined && policy !== "Always") {
    out.push(finding("container-image-pull-policy", t.object, join(c.path, "imagePullPolicy"), `container ${c.name}: imagePullPolicy is ${policy}; set it to Always so the image pull secret is checked on every start`));
  } else if (policy === undefined && tag.pinned) {
    out.push(finding("container-image-pull-policy", t.object, join(c.path, "imagePullPolicy"), `container ${c.name}: imagePullPolicy is not set, so it defaults to IfNotPresent for a pinned image; set it to Always`));
  }
  return out;
}

/** A resource quantity that is absent or zero ("0", "0m", "0Mi", 0). */
function unset(q: unknown): boolean {
  if (q === undefined || q === null) return true;
  if (typeof q === "number") return q === 0;
  return typeof q === "string" && /^[+-]?0*(\.0*)?([a-zA-Z]*)$/.test(q.trim());
}

function resourceChecks(t: PodTemplate, c: Container): Finding[] {
  const out: Finding[] = [];
  const res = obj(c.c.resources);
  const limits = obj(res.limits);
  const requests = obj(res.requests);
  const missingLimits = ["cpu", "memory"].filter((r) => unset(limits[r]));
  const missingRequests = ["cpu", "memory"].filter((r) => unset(requests[r]));
  if (missingLimits.length > 0 || missingRequests.length > 0) {
    const parts = [...missingLimits.map((r) => `limits.${r}`), ...missingRequests.map((r) => `requests.${r}`)];
    const path = missingLimits.length > 0 ? join(c.path, "resources", "limits") : join(c.path, "resources", "requests");
    out.push(
      finding(
        "container-resources",
        t.object,
        path,
        `container ${c.name}: resources ${parts.join(", ")} not set; limits keep one container from starving its node, requests let the scheduler place it`,
        missingLimits.length > 0 ? "error" : "warning",
      ),
    );
  }
  if (unset(limits["ephemeral-storage"])) {
    out.push(finding("container-ephemeral-storage-request-and-limit", t.object, join(c.path, "resources", "limits"), `container ${c.name}: resources.limits.ephemeral-storage not set; set it so logs and scratch files cannot fill the node's disk`));
  } else if (unset(requests["ephemeral-storage"])) {
    out.push(finding("container-ephemeral-storage-request-and-limit", t.object, join(c.path, "resources", "requests"), `container ${c.name}: resources.requests.ephemeral-storage not set; set it so the scheduler accounts for the container's disk use`, "warning"));
  }
  return out;
}

function envChecks(t: PodTemplate, c: Container): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, number>();
  const env = Array.isArray(c.c.env) ? c.c.env : [];
  env.forEach((e, i) => {
    const name = str(obj(e).name);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else out.push(finding("environment-variable-key-duplication", t.object, join(c.path, `env[${i}]`, "name"), `container ${c.name}: environment variable ${name} is set twice (env[${first}] and env[${i}]); only the last one takes effect, remove the other`));
  });
  return out;
}

function securityChecks(t: PodTemplate, c: Container): Finding[] {
  const out: Finding[] = [];
  const podSc = obj(t.spec.securityContext);
  const sc = obj(c.c.securityContext);
  const scPath = join(c.path, "securityContext");
  // user and group ids: the container's own, else the pod's (Kubernetes' precedence); the path names where it is set
  const podScPath = join(t.path, "spec", "securityContext");
  const field = (name: string): { value: unknown; path: string } =>
    sc[name] !== undefined ? { value: sc[name], path: join(scPath, name) } : podSc[name] !== undefined ? { value: podSc[name], path: join(podScPath, name) } : { value: undefined, path: join(scPath, name) };
  const problems: { path: string; text: string }[] = [];
  for (const [name, label] of [["runAsUser", "user"], ["runAsGroup", "group"]] as const) {
    const f = field(name);
    const v = num(f.value);
    if (v === undefined) problems.push({ path: f.path, text: `${name} is not set (the image's ${label} applies, often root)` });
    else if (v < 10000) problems.push({ path: f.path, text: `${name} is ${v}` });
  }
  const nonRoot = field("runAsNonRoot");
  if (nonRoot.value === false) problems.push({ path: nonRoot.path, text: "runAsNonRoot is false" });
  if (problems.length > 0) {
    const path = problems.length === 1 ? problems[0]!.path : scPath;
    out.push(finding("container-security-context-user-group-id", t.object, path, `container ${c.name}: ${problems.map((p) => p.text).join("; ")}; run as a user and group id of 10000 or more so a breakout does not share ids with the host`));
  }
  if (sc.privileged === true) {
    out.push(finding("container-security-context-privileged", t.object, join(scPath, "privileged"), `container ${c.name}: runs privileged, with all of the host's devices and capabilities; set securityContext.privileged to false`));
  }
  if (sc.readOnlyRootFilesystem !== true) {
    out.push(finding("container-security-context-readonlyrootfilesystem", t.object, join(scPath, "readOnlyRootFilesystem"), `container ${c.name}: the root filesystem is writable; set securityContext.readOnlyRootFilesystem to true and mount an emptyDir where it must write`));
  }
  if (sc.allowPrivilegeEscalation !== false) {
    out.push(finding("container-security-context-allow-privilege-escalation", t.object, join(scPath, "allowPrivilegeEscalation"), `container ${c.name}: may gain more privileges than its parent process (setuid binaries); set securityContext.allowPrivilegeEscalation to false`));
  }
  return out;
}

/** Every per-container finding of one pod template. */
export function containerFindings(t: PodTemplate): Finding[] {
  return containersOf(t).flatMap((c) => [...imageChecks(t, c), ...resourceChecks(t, c), ...envChecks(t, c), ...securityChecks(t, c)]);
}
