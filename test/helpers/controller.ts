/** e2e helpers: a controller running in-process against a local cluster, and reading Applications. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { Resources } from "../../src/cluster/resources.js";
import { Controller, type ControllerOptions } from "../../src/controller/controller.js";
import { GitSources } from "../../src/controller/git-sources.js";
import type { KubeObject } from "../../src/core/object.js";

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
