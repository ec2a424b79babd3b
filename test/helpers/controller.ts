/** e2e helpers: a controller running in-process against a local cluster, and reading Applications. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { parse as parseYaml, stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import { Controller, type ControllerOptions } from "../../src/controller/controller.js";
import { GitSources } from "../../src/controller/git-sources.js";
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

export async function runController(resources: Resources, opts: Partial<ControllerOptions> & { pollIntervalMs?: number } = {}): Promise<RunningController> {
  const cacheDir = mkdtempSync(join(tmpdir(), "plumb-ctrl-"));
  const log = pino({ level: process.env.PLUMB_TEST_LOG ?? "silent" });
  const sources = new GitSources({ cacheDir, pollIntervalMs: opts.pollIntervalMs ?? 1000, resources, log });
  const controller = new Controller({ resources, repos: sources, log, resyncMs: 30_000, ...opts });
  await controller.start();
  return {
    controller,
    sources,
    stop: async () => {
      await controller.stop();
      await sources.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
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

export async function startGitOpsWorld(name: string, controllerOpts: Partial<ControllerOptions> = {}): Promise<GitOpsWorld> {
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
