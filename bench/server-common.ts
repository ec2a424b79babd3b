/**
 * What the API server benchmarks share (server-list.ts, server-sse.ts): a fleet of Applications created
 * without a Git source or a controller but with a realistic status (a sync/health summary, five
 * status.resources, an operation record and one history entry, as the controller leaves a synced app),
 * the RBAC policy that lets `alice` see half of them, a child process's readiness line, a timed HTTP GET,
 * and a summary of a V8 CPU profile (where a process spent its time, by function).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ApplicationStatus } from "../src/apps/index.js";
import type { Resources } from "../src/cluster/resources.js";
import { mapLimit } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import type { Harness } from "./controller-common.js";

export const NS = "plumb";
/** Apps alternate between these projects; alice may `get` the first only. */
export const PROJECTS = ["team-0", "team-1"] as const;
export const HALF_POLICY = "p, role:half, applications, get, team-0/*, allow\ng, alice, role:half\n";

export const appName = (i: number): string => `app-${String(i).padStart(5, "0")}`;

const SHA = "3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345";
const REPO = "https://git.example.com/platform/apps.git";

/** Application `i`: project team-0 or team-1, a plain-YAML folder of a repository nobody fetches. */
export function benchApp(i: number): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name: appName(i), namespace: NS, labels: { team: PROJECTS[i % 2]!, tier: i % 3 === 0 ? "front" : "back" } },
    spec: {
      project: PROJECTS[i % 2],
      source: { repoURL: REPO, targetRevision: "main", path: `apps/${appName(i)}` },
      destination: { server: "https://kubernetes.default.svc", namespace: `bench-${i % 20}` },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
}

/** The status a controller leaves on a synced app of five objects (validated against plumb's schema). */
export function benchStatus(i: number, health = "Healthy", at = "2026-11-22T10:00:00Z"): ApplicationStatus {
  const name = appName(i);
  const namespace = `bench-${i % 20}`;
  const source = { repoURL: REPO, targetRevision: "main", path: `apps/${name}` };
  const objects = [
    { group: "apps", version: "v1", kind: "Deployment" },
    { group: "", version: "v1", kind: "Service" },
    { group: "", version: "v1", kind: "ConfigMap" },
    { group: "", version: "v1", kind: "ServiceAccount" },
    { group: "networking.k8s.io", version: "v1", kind: "Ingress" },
  ];
  const status = {
    sync: { status: "Synced", revision: SHA, comparedTo: { source, destination: { server: "https://kubernetes.default.svc", namespace } } },
    health: { status: health },
    resources: objects.map((o) => ({ ...o, namespace, name, status: "Synced", ...(o.kind === "ConfigMap" || o.kind === "ServiceAccount" ? {} : { health: { status: "Healthy" } }) })),
    reconciledAt: at,
    observedAt: at,
    sourceType: "Directory",
    summary: { images: ["nginx:1.27"], externalURLs: [`http://${name}.bench.local/`] },
    operationState: {
      operation: { sync: { revision: SHA }, initiatedBy: { automated: true } },
      phase: "Succeeded",
      message: "successfully synced (all tasks run)",
      startedAt: "2026-11-22T09:59:58Z",
      finishedAt: "2026-11-22T09:59:59Z",
      syncResult: { revision: SHA, source, resources: objects.map((o) => ({ ...o, namespace, name, status: "Synced", message: `${o.kind.toLowerCase()}/${name} configured`, syncPhase: "Sync" })) },
    },
    history: [{ id: 0, revision: SHA, deployedAt: "2026-11-22T09:59:59Z", deployStartedAt: "2026-11-22T09:59:58Z", source, initiatedBy: { automated: true } }],
    controllerNamespace: NS,
  };
  return ApplicationStatus.parse(status);
}

/** Writes an app's status through the status subresource, as the controller does. */
export async function patchStatus(resources: Resources, name: string, status: unknown): Promise<void> {
  await resources.client.request({ method: "PATCH", path: `/apis/plumb.dev/v1alpha1/namespaces/${NS}/applications/${name}/status`, contentType: "application/merge-patch+json", body: { status } });
}

/** Creates apps from … to-1 (server-side apply, then the status), `concurrency` at a time; logs progress. */
export async function createApps(h: Harness, resources: Resources, from: number, to: number, concurrency = 16): Promise<void> {
  const ids = Array.from({ length: to - from }, (_, k) => from + k);
  let done = 0;
  const t0 = Date.now();
  await mapLimit(ids, concurrency, async (i) => {
    await resources.apply(benchApp(i));
    await patchStatus(resources, appName(i), benchStatus(i));
    if (++done % 1000 === 0) h.log(`created ${from + done} apps (${Math.round((done / (Date.now() - t0)) * 1000)}/s)`);
  });
}

/** The namespace, the AppProjects, plumb-cm (account alice with API tokens) and plumb-rbac-cm (alice sees team-0). */
export async function benchSettings(resources: Resources): Promise<void> {
  await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const p of PROJECTS) {
    await resources.apply({ apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", metadata: { name: p, namespace: NS }, spec: { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }] } });
  }
  await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-cm", namespace: NS }, data: { "accounts.alice": "apiKey" } });
  await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-rbac-cm", namespace: NS }, data: { "policy.csv": HALF_POLICY } });
}

/** Spawns `node args…` and resolves once a stderr line matches `ready` (with the match), rejecting if it exits first. */
export function spawnUntil(h: Harness, what: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<{ child: ChildProcess; match: RegExpMatchArray; stderr: string[] }> {
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const stderr: string[] = [];
  h.defer(what, () => stopChild(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not ready after ${timeoutMs} ms; stderr: ${stderr.join("").slice(-2000)}`)), timeoutMs);
    let buffer = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr.push(String(chunk));
      buffer += String(chunk);
      const m = ready.exec(buffer);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, stderr });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready; stderr: ${stderr.join("").slice(-2000)}`));
    });
  });
}

/** SIGINT, then SIGKILL after 20 s; resolves when the process has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

/** One GET, timed to the last byte of the body. */
export async function timedGet(url: string, token: string): Promise<{ ms: number; bytes: number; status: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.text();
  return { ms: performance.now() - t0, bytes: Buffer.byteLength(body), status: res.status, body };
}

/** Self time per function of the V8 CPU profiles in `dir` (`node --cpu-prof`): the top `n`, in percent of the busy samples. */
export function profileSummary(dir: string, n = 15): Array<{ fn: string; selfPct: number }> {
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const prof = JSON.parse(readFileSync(join(dir, file), "utf8")) as { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[] };
    const byId = new Map(prof.nodes.map((node) => [node.id, node]));
    for (const id of prof.samples) {
      const cf = byId.get(id)?.callFrame;
      if (cf?.functionName === "(idle)") continue;
      const where = cf ? `${cf.functionName || "(anonymous)"} ${cf.url.replace(/^.*\/(node_modules|dist)\//, "$1/")}${cf.url ? `:${cf.lineNumber + 1}` : ""}` : "?";
      self.set(where, (self.get(where) ?? 0) + 1);
      total++;
    }
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, count]) => ({ fn, selfPct: Math.round((count / total) * 1000) / 10 }));
}
