/**
 * The world of an example's e2e test: a local cluster, a local Git server and the controller in-process
 * (in compat mode when the example says argoCompat), then the example run by src/examples/start.ts — the
 * same startExample `plumb demo --example` calls. `close()` stops and removes everything.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { loadExample } from "../../src/examples/catalog.js";
import type { Example } from "../../src/examples/spec.js";
import { startExample, type StartedExample } from "../../src/examples/start.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "./cluster.js";
import { runController, type RunningController } from "./controller.js";
import { repoRoot } from "./paths.js";

export interface ExampleWorld {
  example: Example;
  cluster: LocalCluster;
  resources: Resources;
  git: GitServer;
  ctrl: RunningController;
  started: StartedExample;
  /** The local clone URL of the example's repository `name`. */
  repoURL(name: string): string;
  close(): Promise<void>;
}

export interface ExampleWorldOptions {
  /** The controller's Git poll interval. Default 1 s. */
  pollIntervalMs?: number;
  /** How long the example's Applications may take to be Synced and Healthy. Default 90 s. */
  timeoutMs?: number;
}

/** Starts the world and runs example `name` (examples/<name>) in it; on a failure, stops what it started. */
export async function startExampleWorld(name: string, opts: ExampleWorldOptions = {}): Promise<ExampleWorld> {
  const example = loadExample(name, join(repoRoot, "examples"));
  const undo: Array<() => Promise<void> | void> = [];
  const close = async (): Promise<void> => {
    for (const step of undo.reverse()) await Promise.resolve().then(step).catch(() => undefined);
    undo.length = 0;
  };
  try {
    const cluster = await startLocalCluster({ name: `e2e-example-${name}` });
    undo.push(() => cluster.stop());
    const resources = await resourcesFor(cluster);
    undo.push(() => resources.client.close());
    const git = await startGitServer();
    undo.push(() => git.close());
    const ctrl = await runController(resources, { pollIntervalMs: opts.pollIntervalMs ?? 1000, ...(example.spec.argoCompat ? { argoCompat: true } : {}) });
    undo.push(() => ctrl.stop());
    const log = process.env.PLUMB_TEST_LOG ? (l: string) => process.stdout.write(`[example ${name}] ${l}\n`) : undefined;
    const started = await startExample(example, { resources, git, timeoutMs: opts.timeoutMs ?? 90_000, ...(log ? { log } : {}) });
    return { example, cluster, resources, git, ctrl, started, repoURL: (repo) => started.urls.get(repo) ?? git.repoUrl(repo), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The first container's image of a Deployment. */
export function imageOf(deploy: KubeObject | undefined): string | undefined {
  return (deploy as { spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } } } | undefined)?.spec?.template?.spec?.containers?.[0]?.image;
}

/** Why /usr/bin/python3 cannot run Flask tests (a skip reason), or false when it can. */
export function pythonFlaskSkip(): string | false {
  const r = spawnSync("/usr/bin/python3", ["-c", "import flask, redis"], { encoding: "utf8" });
  return r.status === 0 ? false : `/usr/bin/python3 has no Flask or redis-py (apt-get install python3-flask python3-redis): ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
}
