/**
 * Benchmark (issue 3): sync one app of 1,000 objects (500 ConfigMaps, 500 Deployments of one replica)
 * against the local control plane, measured in the same run as `kubectl apply --server-side` of the same
 * rendered manifests; then a second sync of the unchanged app, counting its writes (goal: none).
 *
 * Each round uses fresh namespaces, alternating which tool goes first. plumb's sync ends when every
 * Deployment is healthy, so kubectl is timed both alone and followed by `kubectl wait` for Available.
 *
 *   node dist/bench/sync-1000.js [rounds=3]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { KubeClient } from "../src/cluster/client.js";
import { Resources } from "../src/cluster/resources.js";
import { appSpec } from "../src/engine/app.js";
import { syncApp } from "../src/engine/sync.js";
import { startLocalCluster } from "../src/localcluster/cluster.js";
import { findBinary } from "../src/tools/binaries.js";

const rounds = Number(process.argv[2] ?? 3);
const N = 500;

function manifests(): string {
  const docs: unknown[] = [];
  for (let i = 0; i < N; i++) {
    docs.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `config-${i}` }, data: { index: String(i), payload: "x".repeat(200) } });
    docs.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `app-${i}` },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: `app-${i}` } },
        template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: "main", image: "nginx:1.27", envFrom: [{ configMapRef: { name: `config-${i}` } }] }] } },
      },
    });
  }
  return docs.map((d) => stringify(d)).join("---\n");
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (f: () => Promise<unknown> | unknown): Promise<number> => {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
};

async function main(): Promise<void> {
  // Every round leaves its 1,000 Pods running (500 per tool), and a fake node takes 1,000: one node per round.
  const cluster = await startLocalCluster({ name: "bench", nodes: Math.max(2, rounds) });
  const kubectl = findBinary("kubectl");
  const k = (...args: string[]) => execFileSync(kubectl, ["--kubeconfig", cluster.kubeconfigPath, ...args], { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  const repo = mkdtempSync(join(tmpdir(), "plumb-bench-"));
  mkdirSync(join(repo, "app"));
  writeFileSync(join(repo, "app", "all.yaml"), manifests());
  const results = { kubectl: [] as number[], kubectlWait: [] as number[], plumb: [] as number[], second: [] as number[], secondWrites: [] as number[] };
  try {
    for (let r = 0; r < rounds; r++) {
      const nsK = `kubectl-${r}`;
      const nsP = `plumb-${r}`;
      k("create", "namespace", nsK);
      k("create", "namespace", nsP);
      const runKubectl = async () => {
        const t = await time(() => k("apply", "--server-side", "-n", nsK, "-f", join(repo, "app", "all.yaml")));
        const w = await time(() => k("wait", "-n", nsK, "--for=condition=Available", "deployment", "--all", "--timeout=600s"));
        results.kubectl.push(t);
        results.kubectlWait.push(t + w);
      };
      const runPlumb = async () => {
        const resources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
        const app = appSpec({ name: `bench-${r}`, namespace: nsP, repoRoot: repo, path: "app" });
        // The CLI's cost is in the figure too: a fresh client, discovery, render, compare, plan, apply, wait.
        const t = await time(async () => {
          const out = await syncApp({ resources }, app, { timeoutMs: 600_000 });
          if (out.changes.phase !== "Succeeded") throw new Error(out.changes.message);
        });
        results.plumb.push(t);
        const writes = resources.client.counts.writes;
        const t2 = await time(() => syncApp({ resources }, app));
        results.second.push(t2);
        results.secondWrites.push(resources.client.counts.writes - writes);
        resources.client.close();
      };
      if (r % 2 === 0) {
        await runKubectl();
        await runPlumb();
      } else {
        await runPlumb();
        await runKubectl();
      }
      process.stderr.write(`round ${r + 1}: kubectl ${results.kubectl[r]!.toFixed(2)} s (+wait ${results.kubectlWait[r]!.toFixed(2)} s), plumb ${results.plumb[r]!.toFixed(2)} s, second sync ${results.second[r]!.toFixed(2)} s with ${results.secondWrites[r]} writes\n`);
    }
  } finally {
    rmSync(repo, { recursive: true, force: true });
    await cluster.stop();
  }
  const m = {
    kubectl: median(results.kubectl),
    kubectlWait: median(results.kubectlWait),
    plumb: median(results.plumb),
    second: median(results.second),
    writes: Math.max(...results.secondWrites),
  };
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  process.stdout.write(
    [
      `Machine: ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}; ${rounds} rounds, medians.`,
      "",
      "| what | seconds |",
      "| --- | --- |",
      `| kubectl apply --server-side (1,000 objects) | ${m.kubectl.toFixed(2)} |`,
      `| kubectl apply --server-side + kubectl wait Available | ${m.kubectlWait.toFixed(2)} |`,
      `| plumb sync (render, dry-run diff, plan, apply, wait healthy) | ${m.plumb.toFixed(2)} |`,
      `| ratio plumb / kubectl apply | ${(m.plumb / m.kubectl).toFixed(2)} |`,
      `| ratio plumb / (kubectl apply + wait) | ${(m.plumb / m.kubectlWait).toFixed(2)} |`,
      `| second plumb sync of the unchanged app | ${m.second.toFixed(2)} (writes: ${m.writes}) |`,
      "",
    ].join("\n"),
  );
}

await main();
