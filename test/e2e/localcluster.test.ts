/**
 * The local control plane runs real workloads: Pods are scheduled on kwok nodes and become Ready,
 * Deployments roll out, Jobs complete; two clusters run side by side; stopping (or the owner dying)
 * leaves no process, port or folder behind; bad input fails fast with a clear message.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { ClusterError } from "../../src/core/errors.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { checkPortFree } from "../../src/localcluster/ports.js";
import { processAlive, waitFor } from "../helpers/wait.js";
import { repoRoot } from "../helpers/paths.js";

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
type PodObj = Obj & { status?: { phase?: string; conditions?: Array<{ type: string; status: string }> }; spec?: { containers: Array<{ image: string }> } };

function deployment(name: string, image: string, replicas: number): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image }] } },
    },
  };
}

async function pods(api: KubernetesObjectApi, app: string): Promise<PodObj[]> {
  const list = await api.list<PodObj>("v1", "Pod", "default", undefined, undefined, undefined, undefined, `app=${app}`);
  return list.items;
}

const ready = (p: PodObj): boolean => p.status?.phase === "Running" && !!p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

async function assertGone(cluster: LocalCluster): Promise<void> {
  for (const p of cluster.processes) assert.equal(processAlive(p.pid), false, `${p.name} (pid ${p.pid}) is still running`);
  for (const port of cluster.ports) await checkPortFree(port, `port ${port}`);
  assert.equal(existsSync(cluster.dir), false, `${cluster.dir} was not removed`);
}

describe("local control plane", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let api: KubernetesObjectApi;
  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-workloads" });
    api = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  });
  after(async () => {
    await cluster?.stop();
  });

  it("runs a Deployment of 3 replicas to 3 Ready Pods within 60 s", async () => {
    await api.create(deployment("web", "nginx:1.27", 3));
    const readyPods = await waitFor("3 Ready Pods", async () => {
      const ps = (await pods(api, "web")).filter(ready);
      return ps.length === 3 ? ps : undefined;
    }, 60_000);
    assert.equal(readyPods.length, 3);
  });

  it("rolls out a new image: new Pods Ready, the old ones gone", async () => {
    const before = new Set((await pods(api, "web")).map((p) => p.metadata?.name));
    await api.patch(
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { template: { spec: { containers: [{ name: "main", image: "nginx:1.28" }] } } } } as Obj,
      undefined, undefined, undefined, undefined, PatchStrategy.StrategicMergePatch,
    );
    await waitFor("the rollout to complete", async () => {
      const d = await api.read<Obj & { status?: { updatedReplicas?: number; readyReplicas?: number; replicas?: number; observedGeneration?: number } }>({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" } });
      const ps = await pods(api, "web");
      const done =
        d.status?.observedGeneration === d.metadata?.generation &&
        d.status?.updatedReplicas === 3 && d.status?.readyReplicas === 3 && d.status?.replicas === 3 &&
        ps.length === 3 && ps.every((p) => ready(p) && p.spec?.containers[0]?.image === "nginx:1.28");
      return done || undefined;
    }, 90_000);
    const after = await pods(api, "web");
    for (const p of after) assert.equal(before.has(p.metadata?.name), false, `old Pod ${p.metadata?.name} is still there`);
  });

  it("runs a Job to Complete", async () => {
    await api.create({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "migrate", namespace: "default" },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] } } },
    } as Obj);
    const job = await waitFor("the Job to complete", async () => {
      const j = await api.read<Obj & { status?: { conditions?: Array<{ type: string; status: string }>; succeeded?: number } }>({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "migrate", namespace: "default" } });
      return j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True") ? j : undefined;
    }, 60_000);
    assert.equal(job.status?.succeeded, 1);
  });

  it("stops cleanly: no process, port or folder left behind", async () => {
    await cluster.stop();
    await assertGone(cluster);
  });
});

describe("two local control planes side by side", { timeout: 300_000 }, () => {
  it("run at the same time without interfering", async () => {
    const [a, b] = await Promise.all([startLocalCluster({ name: "e2e-a", nodes: 1 }), startLocalCluster({ name: "e2e-b", nodes: 1 })]);
    try {
      assert.notEqual(a.server, b.server);
      assert.notEqual(a.dir, b.dir);
      const apiA = KubernetesObjectApi.makeApiClient(a.kubeConfig);
      const apiB = KubernetesObjectApi.makeApiClient(b.kubeConfig);
      const cm = (data: string): Obj => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "who", namespace: "default" }, data: { cluster: data } }) as Obj;
      await apiA.create(cm("a"));
      await apiB.create(cm("b"));
      const readA = await apiA.read<Obj & { data?: Record<string, string> }>({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "who", namespace: "default" } });
      const readB = await apiB.read<Obj & { data?: Record<string, string> }>({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "who", namespace: "default" } });
      assert.equal(readA.data?.cluster, "a");
      assert.equal(readB.data?.cluster, "b");

      await apiA.create(deployment("only-in-a", "nginx", 2));
      await waitFor("2 Ready Pods in cluster a", async () => ((await pods(apiA, "only-in-a")).filter(ready).length === 2) || undefined, 60_000);
      assert.equal((await pods(apiB, "only-in-a")).length, 0, "cluster b sees none of cluster a's Pods");
      await b.stop();
      await assertGone(b);
      // a is unaffected by b stopping.
      assert.equal((await pods(apiA, "only-in-a")).filter(ready).length, 2);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    await assertGone(a);
  });
});

describe("local control plane failures", { timeout: 120_000 }, () => {
  it("refuses a kube-apiserver port already in use, quickly and clearly", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const started = Date.now();
      await assert.rejects(startLocalCluster({ apiServerPort: port }), (err: unknown) => {
        assert.ok(err instanceof ClusterError);
        assert.match(err.message, new RegExp(`port ${port} .*already in use`));
        return true;
      });
      assert.ok(Date.now() - started < 5000, "fails fast, no hang");
    } finally {
      blocker.close();
    }
  });

  it("gives up when the cluster is not ready in time and shows the components' logs", async () => {
    await assert.rejects(startLocalCluster({ readyTimeoutMs: 1500 }), (err: unknown) => {
      assert.ok(err instanceof ClusterError);
      assert.match(err.message, /did not become ready within 2 s|did not become ready within 1 s/);
      assert.match(err.message, /--- etcd/);
      return true;
    });
  });

  it("cleans up when its owner is killed with SIGKILL", async () => {
    const script = `
      import { startLocalCluster } from "${repoRoot}/dist/src/localcluster/cluster.js";
      const c = await startLocalCluster({ nodes: 1 });
      process.stdout.write(JSON.stringify({ dir: c.dir, processes: c.processes, ports: c.ports }) + "\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const info = await new Promise<{ dir: string; processes: Array<{ name: string; pid: number }>; ports: number[] }>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf("\n");
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
      });
      child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
    });
    assert.ok(info.processes.every((p) => processAlive(p.pid)));
    child.kill("SIGKILL");
    await waitFor("the watchdog to clean up", async () => (info.processes.every((p) => !processAlive(p.pid)) && !existsSync(info.dir)) || undefined, 20_000);
    for (const port of info.ports) await checkPortFree(port, `port ${port}`);
  });
});
