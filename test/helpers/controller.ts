/** e2e helpers: a controller running in-process against a local cluster, and reading Applications. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino, type DestinationStream, type Level, type Logger, type StreamEntry } from "pino";
import { parse as parseYaml, stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import { Controller, type ControllerOptions } from "../../src/controller/controller.js";
import { GitSources, type GitSourcesOptions } from "../../src/controller/git-sources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "./cluster.js";
import { repoRoot } from "./paths.js";

export interface RunningController {
  controller: Controller;
  sources: GitSources;
  stop(): Promise<void>;
}

/** Options of runController beyond the Controller's own. */
export interface RunControllerExtras {
  /** The Git poll interval. Default 1 s. */
  pollIntervalMs?: number;
  /** Read repository Secrets from this namespace (GitSources' secretsNamespace). Default: none. */
  secretsNamespace?: string;
  /** Mirror settings (e.g. a short lowSpeedTimeMs for a test with a hanging server). Default: the mirrors' defaults. */
  mirrorOptions?: GitSourcesOptions["mirrorOptions"];
  /**
   * Also write the controller's log (pino's JSON lines) here, at `logLevel` (default "trace": everything);
   * the usual output per PLUMB_TEST_LOG is kept.
   */
  logDestination?: DestinationStream;
  logLevel?: Level;
  /** The mirrors' cache folder (kept on stop). Default: a new temp folder, removed on stop. */
  cacheDir?: string;
}

export async function runController(resources: Resources, opts: Partial<ControllerOptions> & RunControllerExtras = {}): Promise<RunningController> {
  const { pollIntervalMs, secretsNamespace, mirrorOptions, logDestination, logLevel, cacheDir: givenCacheDir, ...controllerOpts } = opts;
  const cacheDir = givenCacheDir ?? mkdtempSync(join(tmpdir(), "plumb-ctrl-"));
  const log = testLogger(logDestination, logLevel);
  const sources = new GitSources({ cacheDir, pollIntervalMs: pollIntervalMs ?? 1000, resources, log, ...(secretsNamespace ? { secretsNamespace } : {}), ...(mirrorOptions ? { mirrorOptions } : {}) });
  const controller = new Controller({ resources, repos: sources, log, resyncMs: 30_000, ...controllerOpts });
  await controller.start();
  return {
    controller,
    sources,
    stop: async () => {
      await controller.stop();
      await sources.close();
      if (!givenCacheDir) rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** pino at PLUMB_TEST_LOG (default silent) on stdout, plus `destination` at `level` when given. */
function testLogger(destination: DestinationStream | undefined, level: Level = "trace"): Logger {
  const envLevel = process.env.PLUMB_TEST_LOG ?? "silent";
  if (!destination) return pino({ level: envLevel });
  const streams: StreamEntry[] = [{ level, stream: destination }];
  if (envLevel !== "silent") streams.push({ level: envLevel as Level, stream: process.stdout });
  return pino({ level: "trace" }, pino.multistream(streams));
}

export interface AppStatusView {
  sync?: { status?: string; revision?: string };
  health?: { status?: string };
  conditions?: Array<{ type: string; message: string }>;
  operationState?: { phase?: string; message?: string; syncResult?: { revision?: string } };
  history?: Array<{ id: number; revision?: string }>;
  resources?: Array<{ kind: string; name: string; status?: string }>;
}

export async function appStatus(resources: Resources, name: string, namespace = "plumb", group = "plumb.dev"): Promise<AppStatusView | undefined> {
  const app: KubeObject | undefined = await resources.get({ apiVersion: `${group}/v1alpha1`, kind: "Application", namespace, name });
  return app?.status as AppStatusView | undefined;
}

/**
 * The world of a GitOps e2e test: a local cluster (with the `plumb` namespace), a Git server whose
 * repository `apps` holds examples/guestbook under guestbook/ on main, a work tree of it, and the
 * controller running in-process. `close()` stops and removes everything.
 */
export interface GitOpsWorld {
  cluster: LocalCluster;
  resources: Resources;
  git: GitServer;
  /** Where the Git server keeps its repositories (survives a server restart). */
  gitRoot: string;
  repoURL: string;
  wd: WorkDir;
  ctrl: RunningController;
  /** Edits a YAML values file of the work tree (default guestbook/values.yaml). */
  editValues(edit: (v: Record<string, Record<string, unknown>>) => void, file?: string): void;
  close(): Promise<void>;
}

export async function startGitOpsWorld(name: string, controllerOpts: Partial<ControllerOptions> & RunControllerExtras = {}): Promise<GitOpsWorld> {
  const gitRoot = mkdtempSync(join(tmpdir(), "plumb-git-root-"));
  const cluster = await startLocalCluster({ name });
  const resources = await resourcesFor(cluster);
  await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
  const world: GitOpsWorld = {
    cluster,
    resources,
    gitRoot,
    git: await startGitServer({ root: gitRoot }),
    repoURL: "",
    wd: undefined as unknown as WorkDir,
    ctrl: undefined as unknown as RunningController,
    editValues(edit, file = "guestbook/values.yaml") {
      const path = join(world.wd.dir, file);
      const v = parseYaml(readFileSync(path, "utf8")) as Record<string, Record<string, unknown>>;
      edit(v);
      writeFileSync(path, stringify(v));
    },
    async close() {
      await world.ctrl?.stop();
      world.wd?.dispose();
      await world.git.close();
      resources.client.close();
      await cluster.stop();
      rmSync(gitRoot, { recursive: true, force: true });
    },
  };
  world.repoURL = await world.git.createRepo("apps");
  world.wd = await WorkDir.clone(world.repoURL);
  cpSync(join(repoRoot, "examples", "guestbook"), join(world.wd.dir, "guestbook"), { recursive: true });
  await world.wd.commit("guestbook");
  await world.wd.push("main");
  world.ctrl = await runController(resources, controllerOpts);
  return world;
}
