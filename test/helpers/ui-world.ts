/**
 * The world a browser e2e test runs in, set up and torn down in one place: a local cluster (namespace
 * "plumb", plumb's CRDs installed), optionally a loopback Git server holding one repository with the
 * test's files pushed to main, and — when the test is ready for it — `plumb server` with Chromium and a
 * page logged in as admin. `close()` stops whatever was started, in reverse order. What a test puts in
 * that world (apps, projects, accounts, RBAC, seeding) stays in the test.
 *
 *   const world = await startUIWorld("ui-tree", { repo: { name: "shop", files: { "app/cm.yaml": "…" }, message: "the shop" } });
 *   await world.resources.apply(application(world.repoURL));
 *   const { srv, browser, page } = await world.serve();
 *   …
 *   after(() => world?.close());
 */
import type { Page } from "playwright-core";
import { installCRDs } from "../../src/apps/index.js";
import type { Resources } from "../../src/cluster/resources.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { launchBrowser, logIn, type TestBrowser } from "./browser.js";
import { resourcesFor } from "./cluster.js";
import { startTestServer, type TestServer } from "./server.js";

/** The repository to create: `files` written into the work tree (or a function that fills it), committed with `message` and pushed to main. */
export interface RepoSpec {
  name: string;
  files: Record<string, string> | ((wd: WorkDir) => void);
  message: string;
}

export interface UIWorld {
  cluster: LocalCluster;
  resources: Resources;
  /** Starts the server (`serverOpts` as startTestServer's), launches Chromium and opens a page, logged in as admin unless `logIn: false`. Once per world. */
  serve(serverOpts?: Parameters<typeof startTestServer>[1], opts?: { logIn?: boolean }): Promise<{ srv: TestServer; browser: TestBrowser; page: Page }>;
  /** Stops everything started, the browser first and the cluster last; safe after a partial start. */
  close(): Promise<void>;
}

/** A world with a repository: its server, URL, the work tree (for later commits) and the first commit's sha. */
export interface UIWorldWithRepo extends UIWorld {
  git: GitServer;
  repoURL: string;
  wd: WorkDir;
  first: string;
}

/**
 * Starts the cluster "e2e-<name>" (and the repository, if asked for). Should it fail half-way, what it
 * started is stopped before the error is thrown.
 */
export async function startUIWorld(name: string): Promise<UIWorld>;
export async function startUIWorld(name: string, opts: { repo: RepoSpec }): Promise<UIWorldWithRepo>;
export async function startUIWorld(name: string, opts: { repo?: RepoSpec } = {}): Promise<UIWorld | UIWorldWithRepo> {
  const got: { cluster?: LocalCluster; resources?: Resources; git?: GitServer; wd?: WorkDir; srv?: TestServer; browser?: TestBrowser } = {};
  const close = async () => {
    let first: unknown;
    const step = async (f: () => unknown) => {
      try {
        await f();
      } catch (err) {
        first ??= err;
      }
    };
    await step(() => got.browser?.close());
    await step(() => got.srv?.stop());
    await step(() => got.wd?.dispose());
    await step(() => got.git?.close());
    await step(() => got.resources?.client.close());
    await step(() => got.cluster?.stop());
    if (first !== undefined) throw first;
  };
  try {
    const cluster = (got.cluster = await startLocalCluster({ name: `e2e-${name}` }));
    const resources = (got.resources = await resourcesFor(cluster));
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    await installCRDs(resources);
    const world: UIWorld = {
      cluster,
      resources,
      async serve(serverOpts, o = {}) {
        if (got.srv) throw new Error("serve() is called once per world");
        const srv = (got.srv = await startTestServer(resources, serverOpts));
        const browser = (got.browser = await launchBrowser());
        const page = await browser.page();
        if (o.logIn !== false) await logIn(page, srv.url, "admin", srv.adminPassword);
        return { srv, browser, page };
      },
      close,
    };
    if (!opts.repo) return world;
    const git = (got.git = await startGitServer());
    const repoURL = await git.createRepo(opts.repo.name);
    const wd = (got.wd = await WorkDir.clone(repoURL));
    if (typeof opts.repo.files === "function") opts.repo.files(wd);
    else wd.write(opts.repo.files);
    const first = await wd.commit(opts.repo.message);
    await wd.push("main");
    return { ...world, git, repoURL, wd, first };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
