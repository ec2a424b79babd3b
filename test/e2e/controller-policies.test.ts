/**
 * Controller policies, each a user story on a real cluster, real Git servers and the controller
 * in-process:
 *
 * - An automated sync of one wave without hooks ends at its writes, as Argo CD's does: no Running record
 *   (one status write less per sync), the result at once, health as the watches then show it.
 * - syncPolicy.retry: an automated app whose PreSync hook Job fails (it cannot be scheduled and its
 *   activeDeadlineSeconds runs out, so the Job controller marks it Failed) is tried once and retried
 *   `limit` times with the backoff — all inside one operation, which stays Running between attempts, as
 *   Argo CD's does — then left alone with a SyncError; a fixed commit syncs.
 * - Repository credentials from Kubernetes Secrets: with a Git server that wants basic auth for every
 *   request, an app says "authentication failed" and applies nothing until an Argo CD repository Secret
 *   (one URL) or repo-creds Secret (a URL prefix) holds the credentials; no password ever shows in the
 *   controller's log, the Application or its Events.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { InformerFactory } from "../../src/cluster/informer.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus, runController, type AppStatusView, type RunningController } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";

type OperationView = NonNullable<AppStatusView["operationState"]> & { retryCount?: number; startedAt?: string; progress?: { attemptStartedAt?: string } };
type StatusView = Omit<AppStatusView, "operationState"> & { operationState?: OperationView };

const status = async (resources: Resources, name: string): Promise<StatusView | undefined> => (await appStatus(resources, name)) as StatusView | undefined;

function application(name: string, repoURL: string, ns: string, syncPolicy: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb" },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: "app" },
      destination: { server: "https://kubernetes.default.svc", namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"], ...syncPolicy },
    },
  };
}

const configMap = (name: string, data: Record<string, string>): string => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

/**
 * A PreSync hook Job. `failing`: its Pod asks for a node that does not exist, so it stays Pending until
 * activeDeadlineSeconds runs out and the Job controller marks the Job Failed (kwok completes every Pod of a
 * Job that runs, so a Pod that never runs is the way to make a Job fail).
 */
function migrateJob(failing: boolean): string {
  return stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", annotations: { "argocd.argoproj.io/hook": "PreSync" } },
    spec: {
      backoffLimit: 0,
      ...(failing ? { activeDeadlineSeconds: 2 } : {}),
      template: {
        spec: {
          restartPolicy: "Never",
          ...(failing ? { nodeSelector: { "plumb.dev/no-such-node": "true" } } : {}),
          containers: [{ name: "migrate", image: "busybox:1.36", command: ["true"] }],
        },
      },
    },
  });
}

/** One look at an Application's operationState. */
interface Sample {
  at: number;
  phase: string;
  retryCount: number;
  startedAt: string;
  /** When the attempt under way started; empty while a retry waits for its backoff. */
  attempt: string;
}

/** The samples where phase, retryCount or the attempt changed. */
function transitions(samples: readonly Sample[]): Sample[] {
  return samples.filter((x, i) => {
    const prev = samples[i - 1];
    return !prev || prev.phase !== x.phase || prev.retryCount !== x.retryCount || prev.attempt !== x.attempt;
  });
}

/** The attempts seen (by their start), in order, each with the retryCount it ran with. */
function byAttempt(samples: readonly Sample[]): Array<{ attempt: string; retryCount: number; samples: Sample[] }> {
  const out: Array<{ attempt: string; retryCount: number; samples: Sample[] }> = [];
  for (const x of samples) {
    if (!x.attempt) continue;
    const last = out.at(-1);
    if (last && last.attempt === x.attempt) last.samples.push(x);
    else out.push({ attempt: x.attempt, retryCount: x.retryCount, samples: [x] });
  }
  return out;
}

/** The controller's Events about application `app` with reason `reason`. */
async function events(resources: Resources, app: string, reason?: string): Promise<KubeObject[]> {
  const list = await resources.list("v1", "Event", { namespace: "plumb" });
  return list.items.filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === app && (!reason || e.reason === reason));
}

describe("controller: sync retry and repository credentials", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let openGit: GitServer;
  let authGit: GitServer;
  let ctrl: RunningController;
  const workDirs: WorkDir[] = [];
  const USER = "deployer";
  const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
  const WRONG = `wrong-${randomBytes(12).toString("hex")}`;
  /** Everything the controller logged (pino JSON lines, every level). */
  const logs: string[] = [];

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-policies" });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    openGit = await startGitServer();
    authGit = await startGitServer({ auth: { username: USER, password: PASSWORD } });
    ctrl = await runController(resources, { secretsNamespace: "plumb", logDestination: { write: (line: string) => void logs.push(line) } });
  });
  after(async () => {
    await ctrl?.stop();
    for (const wd of workDirs) wd.dispose();
    await openGit?.close();
    await authGit?.close();
    resources?.client.close();
    await cluster?.stop();
  });

  /** A repository on `server` holding `files`, pushed to main (`pushURL` may carry credentials). */
  async function repository(server: GitServer, name: string, files: Record<string, string>, pushURL?: (url: string) => string): Promise<{ url: string; wd: WorkDir; sha: string }> {
    const url = await server.createRepo(name);
    const wd = await WorkDir.clone(pushURL ? pushURL(url) : url);
    workDirs.push(wd);
    wd.write(files);
    const sha = await wd.commit(`${name}: first`);
    await wd.push("main");
    return { url, wd, sha };
  }

  /** The retry story's repository: its work tree and the commit whose PreSync hook fails. */
  let retryRepo: { url: string; wd: WorkDir; sha: string } | undefined;

  it("an automated sync of one wave without hooks ends at its writes: no Running record, Healthy from the watches", async () => {
    const deployment = stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "idle" },
      spec: { replicas: 0, selector: { matchLabels: { app: "idle" } }, template: { metadata: { labels: { app: "idle" } }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } } },
    });
    // The namespace exists: CreateNamespace=true would make its creation a wave of its own (two steps).
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "burst" } });
    const repo = await repository(openGit, "burst", { "app/idle.yaml": deployment, "app/settings.yaml": configMap("settings", { mode: "a" }) });
    // Every version of the Application, from a watch: phase of the operation and health.
    const seen: string[] = [];
    const informers = new InformerFactory(resources, { namespace: "plumb" });
    const record = (o: KubeObject): void => {
      if (o.metadata.name !== "burst") return;
      const st = (o.status ?? {}) as { operationState?: { phase?: string }; health?: { status?: string } };
      seen.push(`${st.operationState?.phase ?? "-"}/${st.health?.status ?? "-"}`);
    };
    informers.on("add", record);
    informers.on("update", (_old, o) => record(o));
    try {
      await informers.ensure("plumb.dev/v1alpha1", "Application", { namespace: "plumb" });
      await resources.apply(application("burst", repo.url, "burst"));
      await waitFor("Synced and Healthy", async () => {
        const s = await status(resources, "burst");
        return s?.sync?.status === "Synced" && s.health?.status === "Healthy" && s.operationState?.phase === "Succeeded" ? s : undefined;
      }, 60_000);
      await waitFor("the watch to see it", async () => seen.at(-1) === "Succeeded/Healthy" || undefined, 10_000);
    } finally {
      await informers.stop();
    }
    assert.ok(!seen.some((x) => x.startsWith("Running/")), `no Running record (each version's operation/health: ${seen.join(" ")})`);
    // The sync's own record says what its writes answered; the Deployment turns Healthy once
    // kube-controller-manager has observed it, which the controller's watch brings.
    assert.ok(seen.includes("Succeeded/Progressing"), `the sync ended before the Deployment was observed: ${seen.join(" ")}`);
  });

  it("retries a failed automated sync `limit` times with backoff, then stops with a SyncError", async () => {
    retryRepo = await repository(openGit, "retry", { "app/settings.yaml": configMap("settings", { mode: "a" }), "app/migrate.yaml": migrateJob(true) });
    const bad = retryRepo.sha;

    // Sample the operation from before the app exists, so that no attempt goes unseen (each runs for more
    // than a second: the hook's deadline is 2 s).
    const seen: Sample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const op = (await status(resources, "retry").catch(() => undefined))?.operationState;
        if (op) seen.push({ at: Date.now(), phase: op.phase ?? "", retryCount: op.retryCount ?? 0, startedAt: op.startedAt ?? "", attempt: op.progress?.attemptStartedAt ?? "" });
        await sleep(100);
      }
    })();
    let failed: StatusView;
    let limitReachedAt: number;
    try {
      await resources.apply(application("retry", retryRepo.url, "retry", { retry: { limit: 2, backoff: { duration: "1s", factor: 2, maxDuration: "5s" } } }));
      failed = await waitFor("an attempt with retryCount 2 Failed", async () => {
        const s = await status(resources, "retry");
        const op = s?.operationState;
        return op?.phase === "Failed" && op.retryCount === 2 && op.syncResult?.revision === bad ? s : undefined;
      }, 120_000);
      limitReachedAt = Date.now();
      // The limit is reached: a next retry would be due 4 s after this failure. Nothing may happen for
      // twice that (the one fixed pause of this file: it asserts that nothing happens).
      await sleep(8000);
    } finally {
      sampling = false;
      await sampler;
    }

    // Three attempts, one after the other, in one operation: the first (retryCount 0) and two retries
    // (1, 2). Between attempts the operation stays Running, its failure noted, until the backoff has
    // passed; only the last attempt's failure ends it. (An attempt is told by its start: each lasts over
    // 2 s, so two never start in the same second.)
    const story = transitions(seen)
      .map((a) => `${a.phase}/${a.retryCount}${a.attempt ? "" : "(backoff)"}@${a.at - seen[0]!.at}ms`)
      .join(" ");
    const attempts = byAttempt(seen);
    assert.deepEqual(attempts.map((a) => a.retryCount), [0, 1, 2], `one attempt per retryCount 0, 1, 2; operationState (phase/retryCount) as sampled: ${story}`);
    for (const a of attempts) assert.ok(a.samples.every((x) => x.phase === "Running" && x.retryCount === a.retryCount), `attempt ${a.retryCount} ran Running with its retryCount; as sampled: ${story}`);
    assert.equal(new Set(seen.map((x) => x.startedAt)).size, 1, `one operation throughout (one startedAt); as sampled: ${story}`);
    assert.ok(!seen.some((x) => x.phase === "Failed" && x.retryCount < 2), `no attempt but the last ended the operation; as sampled: ${story}`);
    assert.equal(seen.at(-1)!.phase, "Failed");
    const syncFailed = await waitFor("the attempts' SyncFailed Events", async () => {
      const evs = await events(resources, "retry", "SyncFailed");
      return evs.length >= 3 ? evs : undefined;
    }, 20_000);
    assert.equal(syncFailed.length, 3, `one SyncFailed Event per attempt: ${JSON.stringify(syncFailed.map((e) => e.message))}`);
    // The second retry waited for its backoff, 2 s after the first retry failed (the operation's
    // progress is gone while a retry waits; the record's times have whole seconds, so more than 1 s of it
    // is certain).
    const firstRetryFailed = seen.find((x) => x.retryCount === 2 && !x.attempt);
    assert.ok(firstRetryFailed, `the first retry was seen failed, waiting for the next; as sampled: ${story}`);
    const gap = attempts[2]!.samples[0]!.at - firstRetryFailed.at;
    assert.ok(gap >= 800, `the second retry started ${gap} ms after the first retry failed (backoff 2 s)`);

    const op = failed.operationState!;
    assert.match(op.message ?? "", /hook .*migrate failed/, "the operation says the migrate hook failed");
    const syncError = failed.conditions?.find((c) => c.type === "SyncError");
    assert.ok(syncError, `a SyncError condition; conditions: ${JSON.stringify(failed.conditions)}`);
    assert.match(syncError.message, /hook .*migrate failed/);
    assert.equal(failed.sync?.status, "OutOfSync", "the Sync phase never ran");
    assert.equal(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "retry", name: "settings" }), undefined, "no object of the Sync phase was applied");

    const later = await status(resources, "retry");
    assert.equal(later?.operationState?.phase, "Failed");
    assert.equal(later?.operationState?.retryCount, 2);
    assert.equal(later?.operationState?.startedAt, op.startedAt, "no attempt started after the limit");
    assert.ok(later?.conditions?.some((c) => c.type === "SyncError"), "the SyncError condition stays");
    const afterLimit = seen.filter((x) => x.at > limitReachedAt);
    assert.ok(afterLimit.length > 20, `the sampler kept watching (${afterLimit.length} samples)`);
  });

  it("after the failed sync, a pushed fix syncs: Succeeded, no retries, no SyncError", async () => {
    assert.ok(retryRepo, "the retry story's repository exists");
    const { wd } = retryRepo;
    await waitFor("the bad commit Failed", async () => {
      const s = await status(resources, "retry");
      return s?.operationState?.phase === "Failed" && s.operationState.syncResult?.revision === retryRepo!.sha ? s : undefined;
    }, 120_000);
    wd.write({ "app/migrate.yaml": migrateJob(false) });
    const fixed = await wd.commit("migrate: schedulable, no deadline");
    await wd.push();
    const ok = await waitFor("the fixed commit synced", async () => {
      const s = await status(resources, "retry");
      return s?.operationState?.phase === "Succeeded" && s.operationState.syncResult?.revision === fixed && s.sync?.status === "Synced" && s.health?.status === "Healthy" ? s : undefined;
    }, 90_000);
    assert.equal(ok.operationState?.retryCount ?? 0, 0, "a new commit starts with no retries");
    assert.equal(ok.conditions?.some((c) => c.type === "SyncError") ?? false, false, "the SyncError condition is gone");
    assert.equal(ok.sync?.revision, fixed);
    assert.deepEqual(ok.history?.map((h) => h.revision), [fixed], "only the successful sync is history");
    const settings = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "retry", name: "settings" });
    assert.deepEqual(settings?.data, { mode: "a" });
  });

  it("reads repository credentials from Argo CD repository and repo-creds Secrets, never showing the password", async () => {
    const withAuth = (url: string): string => {
      const u = new URL(url);
      u.username = USER;
      u.password = PASSWORD;
      return u.toString();
    };
    const priv = await repository(authGit, "private", { "app/config.yaml": configMap("private-config", { owner: "platform" }) }, withAuth);
    const team = await repository(authGit, "team", { "app/config.yaml": configMap("team-config", { owner: "team" }) }, withAuth);
    await resources.apply(application("private", priv.url, "creds-private"));
    await resources.apply(application("team", team.url, "creds-team"));

    const authFailed = (name: string, url: string, detail?: RegExp) => async (): Promise<StatusView | undefined> => {
      const s = await status(resources, name);
      const c = s?.conditions?.find((x) => x.type === "ComparisonError");
      return c && c.message.startsWith(`authentication failed for ${url}`) && (!detail || detail.test(c.message)) ? s : undefined;
    };
    const synced = (name: string, sha: string) => async (): Promise<StatusView | undefined> => {
      const s = await status(resources, name);
      return s?.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy" ? s : undefined;
    };
    const nsExists = async (ns: string): Promise<boolean> => (await resources.get({ apiVersion: "v1", kind: "Namespace", name: ns })) !== undefined;

    // No Secret: authentication failed, with the advice to add one; nothing applied.
    const none = await waitFor("private: authentication failed", authFailed("private", priv.url, /no credentials are configured/), 60_000);
    await waitFor("team: authentication failed", authFailed("team", team.url, /no credentials are configured/), 60_000);
    assert.notEqual(none.sync?.status, "Synced");
    assert.equal(none.operationState, undefined, "no sync was attempted");
    assert.equal(await nsExists("creds-private"), false, "nothing applied (not even the namespace)");

    // A repository Secret with a wrong password: still refused, now saying the configured credentials were.
    const repoSecret = (password: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "private-repo", namespace: "plumb", labels: { "argocd.argoproj.io/secret-type": "repository" } },
      type: "Opaque",
      stringData: { type: "git", url: priv.url, username: USER, password },
    });
    await resources.apply(repoSecret(WRONG));
    const refused = await waitFor("private: the wrong password refused", authFailed("private", priv.url, /configured username\/password, token or SSH key was refused/), 60_000);
    assert.equal(await nsExists("creds-private"), false, "still nothing applied");

    // The right password: private syncs (the controller re-reads Secrets within 10 s; no refresh needed).
    await resources.apply(repoSecret(PASSWORD));
    const privSynced = await waitFor("private Synced with the repository Secret", synced("private", priv.sha), 90_000);
    assert.equal(privSynced.conditions?.some((c) => c.type === "ComparisonError") ?? false, false, "the ComparisonError is gone");
    const cm = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "creds-private", name: "private-config" });
    assert.deepEqual(cm?.data, { owner: "platform" });

    // The repository Secret names one URL: team is still refused.
    assert.ok(await authFailed("team", team.url)(), "team still fails: a repository Secret is for its URL only");
    assert.equal(await nsExists("creds-team"), false);

    // A repo-creds template for every repository of the server.
    await resources.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "git-server-creds", namespace: "plumb", labels: { "argocd.argoproj.io/secret-type": "repo-creds" } },
      type: "Opaque",
      stringData: { url: `${authGit.url}/`, username: USER, password: PASSWORD },
    });
    await waitFor("team Synced with the repo-creds template", synced("team", team.sha), 90_000);
    const teamCm = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "creds-team", name: "team-config" });
    assert.deepEqual(teamCm?.data, { owner: "team" });

    // A new commit is fetched with the Secret's credentials as well.
    priv.wd.write({ "app/config.yaml": configMap("private-config", { owner: "platform", tier: "gold" }) });
    const second = await priv.wd.commit("tier gold");
    await priv.wd.push();
    await waitFor("private synced the next commit", synced("private", second), 60_000);

    // No password anywhere: not in the log, nor in the Applications (status, conditions), nor in Events.
    const forbidden = [PASSWORD, WRONG, encodeURIComponent(PASSWORD), Buffer.from(`${USER}:${PASSWORD}`).toString("base64"), Buffer.from(`${USER}:${WRONG}`).toString("base64")];
    const log = logs.join("");
    assert.match(log, /authentication failed for/, "the log was captured and tells of the failures");
    for (const secret of forbidden) assert.ok(!log.includes(secret), "a password reached the controller's log");
    for (const name of ["private", "team"]) {
      const app = await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name });
      const text = JSON.stringify(app);
      for (const secret of forbidden) assert.ok(!text.includes(secret), `a password reached Application ${name}`);
      const evs = JSON.stringify(await events(resources, name));
      for (const secret of forbidden) assert.ok(!evs.includes(secret), `a password reached an Event of ${name}`);
    }
    for (const c of [none.conditions, refused.conditions, privSynced.conditions].flat()) for (const secret of forbidden) assert.ok(!c?.message.includes(secret));
  });
});
