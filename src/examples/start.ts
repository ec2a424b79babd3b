/**
 * Running an example on a cluster with plumb's controller: what `plumb demo --example NAME` does after its
 * start-up, and what the examples' e2e tests call, so both go down one path.
 *
 *   1. pushRepositories: each declared repository is created on the local Git server, its folder copied
 *      (example.yaml and Python caches left out), repository URLs rewritten (spec.ts), committed once and
 *      pushed to every declared branch;
 *   2. readApplyFiles + applyObjects: the files to apply, URLs rewritten, parsed, and applied in order by
 *      server-side apply, as `kubectl apply -f` would create them (a missing namespace is created first, as
 *      an Argo CD installation has its `argocd`);
 *   3. waitForApps: each Application waited for until Synced and Healthy at a pushed commit.
 *
 * The controller must already run (in compat mode when the example says argoCompat): this module starts
 * nothing and stops nothing.
 */
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import type { Resources } from "../cluster/resources.js";
import { PlumbError, UsageError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import type { GitServer } from "../gitserver/server.js";
import { WorkDir } from "../gitserver/workdir.js";
import { EXAMPLE_FILE, readmeSection, resolveWaits, rewriteRepoURLs, type AppRef, type Example } from "./spec.js";

/** A repository of the example as pushed to the local Git server. */
export interface PushedRepository {
  name: string;
  /** Its clone URL on the local Git server. */
  url: string;
  branches: string[];
  /** The one commit every branch points at. */
  sha: string;
}

export interface StartExampleOptions {
  resources: Resources;
  /** The local Git server the repositories are created on. */
  git: Pick<GitServer, "createRepo">;
  /** How long the Applications may take to become Synced and Healthy. Default 180 s. */
  timeoutMs?: number;
  /** Stops the wait early (rejects with an Error "interrupted"). */
  signal?: AbortSignal;
  /** One line per step and per change of an Application's state. Default: nothing. */
  log?: (line: string) => void;
}

export interface StartedExample {
  repos: PushedRepository[];
  /** Repository name → local clone URL (what the rewrite used). */
  urls: Map<string, string>;
  /** The objects applied, as applied (URLs rewritten). */
  applied: KubeObject[];
  /** The Applications waited for. */
  apps: AppRef[];
}

/** The field manager of the applied files: they are the user's (kubectl's), not the controller's. */
const APPLY_FIELD_MANAGER = "kubectl";
/** The most an applied file may hold. */
const MAX_APPLY_BYTES = 1024 * 1024;
/** Left out of pushed folders: caches a local test run leaves behind. */
const SKIPPED = new Set(["__pycache__", ".pytest_cache", "node_modules", ".git"]);

/** Pushes, applies and waits (the module header's steps 1–3). */
export async function startExample(example: Example, opts: StartExampleOptions): Promise<StartedExample> {
  const log = opts.log ?? (() => undefined);
  const repos = await pushRepositories(example, opts.git);
  for (const r of repos) log(`repository ${r.url}: ${examplePath(example, repoDir(example, r.name))} pushed to ${r.branches.join(", ")}`);
  const urls = localURLs(repos);
  const applied = await applyObjects(opts.resources, readApplyFiles(example, urls));
  for (const o of applied) log(`applied ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`);
  const apps = resolveWaits(example.spec.wait, applied);
  if (apps.length) log(`waiting until ${apps.map((a) => a.name).join(", ")} ${apps.length === 1 ? "is" : "are"} Synced and Healthy`);
  await waitForApps(opts.resources, apps, { revisions: repos.map((r) => r.sha), timeoutMs: opts.timeoutMs ?? 180_000, log, ...(opts.signal ? { signal: opts.signal } : {}) });
  return { repos, urls, applied, apps };
}

/** Repository name → its URL on the local Git server. */
export function localURLs(repos: readonly PushedRepository[]): Map<string, string> {
  return new Map(repos.map((r) => [r.name, r.url]));
}

/** `examples/<name>/<path>`, or `examples/<name>` for ".". */
export function examplePath(example: Example, path: string): string {
  return path === "." ? `examples/${example.name}` : `examples/${example.name}/${path}`;
}

function repoDir(example: Example, name: string): string {
  return example.spec.repositories.find((r) => r.name === name)?.dir ?? ".";
}

/** Creates each declared repository on `git` and pushes its folder (URLs rewritten) to its branches. */
export async function pushRepositories(example: Example, git: Pick<GitServer, "createRepo">): Promise<PushedRepository[]> {
  const declared = example.spec.repositories;
  const urls = new Map<string, string>();
  for (const r of declared) urls.set(r.name, await git.createRepo(r.name));
  const pushed: PushedRepository[] = [];
  for (const r of declared) {
    const url = urls.get(r.name)!;
    const wd = await WorkDir.clone(url);
    try {
      const from = join(example.dir, r.dir);
      cpSync(from, wd.dir, {
        recursive: true,
        filter: (src) => !SKIPPED.has(basename(src)) && !src.endsWith(".pyc") && !(relative(example.dir, src) === EXAMPLE_FILE),
      });
      rewriteTree(wd.dir, urls, examplePath(example, r.dir));
      const sha = await wd.commit(`${example.name}: ${r.dir === "." ? "the example" : r.dir}`);
      await wd.push(...r.branches.map((b) => `HEAD:refs/heads/${b}`));
      pushed.push({ name: r.name, url, branches: [...r.branches], sha });
    } finally {
      wd.dispose();
    }
  }
  return pushed;
}

/** Rewrites the repository URLs in every text file under `dir` (a work tree; .git left alone). */
function rewriteTree(dir: string, urls: ReadonlyMap<string, string>, where: string): void {
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".git") walk(path);
        continue;
      }
      if (!e.isFile() || statSync(path).size > MAX_APPLY_BYTES) continue;
      const bytes = readFileSync(path);
      if (bytes.includes(0)) continue; // binary
      const { text, unknown } = rewriteRepoURLs(bytes.toString("utf8"), urls);
      if (unknown.length) throw unknownRepos(`${where}/${relative(dir, path)}`, unknown);
      if (text !== bytes.toString("utf8")) writeFileSync(path, text);
    }
  };
  walk(dir);
}

function unknownRepos(file: string, unknown: string[]): UsageError {
  return new UsageError(`${file} names ${unknown.map((u) => `https://github.com/plumb-examples/${u}.git`).join(", ")}, which example.yaml does not declare`, "declare the repository under repositories:, or fix the URL");
}

/** The objects of the example's `apply` files, in order, with the repository URLs rewritten to `urls`. */
export function readApplyFiles(example: Example, urls: ReadonlyMap<string, string>): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const file of example.spec.apply) {
    const where = `examples/${example.name}/${file}`;
    const path = join(example.dir, file);
    if (statSync(path).size > MAX_APPLY_BYTES) throw new UsageError(`${where} is larger than ${MAX_APPLY_BYTES / 1024} KiB`);
    const { text, unknown } = rewriteRepoURLs(readFileSync(path, "utf8"), urls);
    if (unknown.length) throw unknownRepos(where, unknown);
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new UsageError(`${where} is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
      const obj = doc.toJS({ maxAliasCount: 10 }) as unknown;
      if (obj === null || obj === undefined) continue;
      const o = obj as Partial<KubeObject>;
      if (typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") {
        throw new UsageError(`${where}: every document must be a Kubernetes object with apiVersion, kind and metadata.name`);
      }
      objects.push(o as KubeObject);
    }
  }
  return objects;
}

/**
 * Applies `objects` in order by server-side apply (field manager "kubectl"), creating a missing namespace
 * first; returns what the API server answered.
 */
export async function applyObjects(resources: Resources, objects: readonly KubeObject[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const obj of objects) {
    const info = await resources.discovery.waitForKind(obj.apiVersion, obj.kind, 30_000);
    let target = obj;
    if (info.namespaced) {
      const namespace = obj.metadata.namespace ?? "default";
      target = { ...obj, metadata: { ...obj.metadata, namespace } };
      if (!(await resources.get({ apiVersion: "v1", kind: "Namespace", name: namespace }))) {
        await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, { fieldManager: APPLY_FIELD_MANAGER });
      }
    }
    out.push(await resources.apply(target, { fieldManager: APPLY_FIELD_MANAGER }));
  }
  return out;
}

interface AppStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string };
  conditions?: Array<{ type: string; message: string }>;
  operationState?: { phase?: string };
}

export interface WaitForAppsOptions {
  /** Synced counts only at one of these commits (empty: at any). */
  revisions?: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** One line of an Application's state, as the wait prints it. */
function stateLine(name: string, s: AppStatus | undefined, exists: boolean): string {
  if (!exists) return `${name}: not created yet`;
  const op = s?.operationState;
  const conditions = s?.conditions?.length ? `; ${s.conditions.map((c) => `${c.type}: ${c.message.split("\n")[0]}`).join("; ")}` : "";
  return `${name}: ${s?.sync?.status ?? "Unknown"}, ${s?.health?.status ?? "Unknown"}${op?.phase ? `; last sync ${op.phase}` : ""}${conditions}`;
}

/**
 * Polls the Applications until every one is Synced (at one of `revisions`) and Healthy with no sync
 * running, logging each change of each one's state; a PlumbError with the last states at the deadline.
 */
export async function waitForApps(resources: Resources, apps: readonly AppRef[], opts: WaitForAppsOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const shown = new Map<string, string>();
  const revisions = new Set(opts.revisions ?? []);
  for (;;) {
    if (opts.signal?.aborted) throw new Error("interrupted");
    let done = true;
    for (const ref of apps) {
      const live = await resources.get({ apiVersion: `${ref.group}/v1alpha1`, kind: "Application", namespace: ref.namespace, name: ref.name }).catch(() => undefined);
      const s = live?.status as AppStatus | undefined;
      const line = stateLine(ref.name, s, live !== undefined);
      if (shown.get(ref.name) !== line) opts.log?.(line);
      shown.set(ref.name, line);
      const ready = s?.sync?.status === "Synced" && (revisions.size === 0 || revisions.has(s.sync.revision ?? "")) && s.health?.status === "Healthy" && s.operationState?.phase !== "Running";
      if (!ready) done = false;
    }
    if (done) return;
    if (Date.now() > deadline) {
      throw new PlumbError(`not Synced and Healthy within ${Math.round(opts.timeoutMs / 1000)} s: ${[...shown.values()].join(" | ")}`, "the lines above say why; try a larger --timeout on a busy machine");
    }
    await pause(500, opts.signal);
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener("abort", finish, { once: true });
  });
}

/** The example's "What to try" README section, URLs rewritten to `urls`; undefined when the README has none. */
export function whatToTry(example: Example, urls: ReadonlyMap<string, string>): string | undefined {
  const section = example.readme === undefined ? undefined : readmeSection(example.readme, "What to try");
  return section === undefined ? undefined : rewriteRepoURLs(section, urls).text;
}
