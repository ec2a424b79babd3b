/**
 * What the benchmarks that run `plumb controller` as its own process share: starting one (its log in a
 * file, ready at "caches ready", stopped with the harness), and a stand-in ingress controller that gives
 * every tracked Ingress an address, so that the fleet's Ingresses become Healthy; and the fleet's
 * repository (bench/fleet.ts) on a loopback Git server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InformerFactory } from "../src/cluster/informer.js";
import { startGitServer, type GitServer } from "../src/gitserver/server.js";
import { WorkDir } from "../src/gitserver/workdir.js";
import type { Resources } from "../src/cluster/resources.js";
import { mapLimit, sleep } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import { repoRoot } from "../test/helpers/paths.js";
import { withTimeout, type Harness } from "./controller-common.js";
import { fleetFiles } from "./fleet.js";

/** A Git server with the repository `fleet` holding apps 0 … apps-1 on main (stopped with the harness). */
export async function fleetRepo(h: Harness, apps: number): Promise<{ git: GitServer; repoURL: string; sha: string }> {
  const git = await startGitServer();
  h.defer("git server", () => git.close());
  const repoURL = await git.createRepo("fleet");
  const wd = await WorkDir.clone(repoURL);
  h.defer("work dir", () => wd.dispose());
  wd.write({ "README.md": `${apps} apps\n`, ...fleetFiles(apps) });
  const sha = await wd.commit(`${apps} apps`);
  await wd.push("main");
  return { git, repoURL, sha };
}

/** A controller process. */
export interface ControllerProcess {
  child: ChildProcess;
  pid: number;
  /** Its log so far (stdout and stderr). */
  log(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * Starts `plumb controller --kubeconfig KUBECONFIG ARGS…` with node flags `nodeArgs`, its log in
 * `logPath`; resolves once its caches are ready. The harness stops it when the benchmark ends.
 */
export async function startControllerProcess(h: Harness, what: string, kubeconfigPath: string, logPath: string, args: readonly string[], nodeArgs: readonly string[] = []): Promise<ControllerProcess> {
  const logFd = openSync(logPath, "w");
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, join(repoRoot, "dist", "src", "cli", "main.js"), "controller", "--kubeconfig", kubeconfigPath, ...args], { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  let done = false;
  const exit = new Promise<void>((r) =>
    child.once("exit", () => {
      done = true;
      r();
    }),
  );
  const stop = async (): Promise<void> => {
    if (done) return;
    child.kill("SIGTERM");
    await Promise.race([exit, sleep(15_000)]);
    if (!done) child.kill("SIGKILL");
    await exit;
  };
  h.defer(what, stop);
  const log = (): string => readFileSync(logPath, "utf8");
  await withTimeout(
    (async () => {
      while (!log().includes("caches ready")) {
        if (done) throw new Error(`${what} exited during start:\n${log().slice(-3000)}`);
        await sleep(50);
      }
    })(),
    60_000,
    `${what}'s caches ready`,
  );
  h.log(`${what} pid ${child.pid} ready after ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return { child, pid: child.pid!, log, exited: () => done, stop };
}

/** A stand-in ingress controller: every tracked Ingress without an address gets one (status subresource). */
export async function fakeIngressController(resources: Resources, h: Harness): Promise<() => Promise<void>> {
  const factory = new InformerFactory(resources, { labelSelector: "plumb.dev/app" });
  const pending = new Map<string, KubeObject>();
  let wake: (() => void) | undefined;
  let running = true;
  const consider = (o: KubeObject): void => {
    const lb = (o.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress;
    if (lb && lb.length > 0) return;
    pending.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
    wake?.();
  };
  factory.on("add", consider);
  factory.on("update", (_old, o) => consider(o));
  await factory.ensure("networking.k8s.io/v1", "Ingress");
  const loop = (async () => {
    while (running) {
      if (pending.size === 0) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 500);
        });
        continue;
      }
      const batch = [...pending.values()];
      pending.clear();
      await mapLimit(batch, 8, (o) =>
        resources.client
          .request({
            method: "PATCH",
            path: `/apis/networking.k8s.io/v1/namespaces/${o.metadata.namespace}/ingresses/${o.metadata.name}/status`,
            contentType: "application/merge-patch+json",
            body: { status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } },
          })
          .catch((err: unknown) => h.log(`fake ingress controller: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`)),
      );
    }
  })();
  return async () => {
    running = false;
    wake?.();
    await loop;
    await factory.stop();
  };
}
