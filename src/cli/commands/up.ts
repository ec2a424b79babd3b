/**
 * `plumb up`: brings up the local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok
 * nodes), prints how to reach it, and runs until Ctrl-C, SIGTERM, SIGHUP or a closed stdout/stderr (signals.ts),
 * which stop everything it started and remove its folder.
 */
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { startLocalCluster } from "../../localcluster/cluster.js";
import { findBinary } from "../../tools/binaries.js";
import { untilStopped } from "../signals.js";

export function register(program: Command): void {
  program
    .command("up")
    .description("start a local Kubernetes control plane on loopback and keep it running until Ctrl-C")
    .option("--port <port>", "kube-apiserver port on 127.0.0.1 (default: a free port)")
    .option("--nodes <n>", "number of fake (kwok) nodes", "2")
    .option("--dir <dir>", "working folder (default: a new temp folder, removed on exit)")
    .option("--timeout <seconds>", "how long start-up may take", "120")
    .action(async (opts: { port?: string; nodes: string; dir?: string; timeout: string }) => {
      const port = opts.port === undefined ? undefined : parsePositive(opts.port, "--port");
      // Listening from the start: a stop asked for during start-up is carried out once the cluster is up.
      const stopped = untilStopped();
      const cluster = await startLocalCluster({
        apiServerPort: port,
        nodes: parsePositive(opts.nodes, "--nodes"),
        dir: opts.dir,
        readyTimeoutMs: parsePositive(opts.timeout, "--timeout") * 1000,
        log: (l) => process.stderr.write(`plumb: ${l}\n`),
      });
      let kubectl = "kubectl";
      try {
        kubectl = findBinary("kubectl");
      } catch {
        // any kubectl on PATH will do for the hint
      }
      process.stdout.write(
        [
          "",
          `The local control plane is up: ${cluster.server}`,
          "",
          "Try:",
          `  export KUBECONFIG=${cluster.kubeconfigPath}`,
          `  ${kubectl} get nodes`,
          `  ${kubectl} create deployment web --image=nginx --replicas=3 && ${kubectl} rollout status deployment/web`,
          "",
          "Press Ctrl-C to stop it; everything it started is stopped and removed.",
          "",
        ].join("\n"),
      );
      const reason = await stopped;
      process.stderr.write(`plumb: ${reason}: stopping the local control plane\n`);
      await cluster.stop();
    });
}

function parsePositive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return n;
}
