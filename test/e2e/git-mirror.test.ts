/**
 * Repository mirrors against a real Git server (smart HTTP, `git http-backend`) and the real git CLI:
 * a developer pushes branches and tags; plumb's mirror resolves them as Argo CD does, notices pushes, fetches
 * once however many ask, checks trees out, authenticates without leaking the password, survives the server
 * going away — and polls one repository once per interval for a hundred subscribers. Servers that hang
 * (loopback TCP servers that accept and never answer) are cut by the low-speed limit and never delay the
 * fetches of healthy repositories; the controller's resolve never waits for them.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { git } from "../../src/gitserver/git.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import type { Resources } from "../../src/cluster/resources.js";
import { GitSources } from "../../src/controller/git-sources.js";
import {
  GitAuthError,
  GitUnreachableError,
  Mirrors,
  Poller,
  RevisionPendingError,
  UnknownRevisionError,
  normalizeRepoURL,
  type FetchOutcome,
  type RepoChange,
  type RepoCredentials,
} from "../../src/git/index.js";
import { closedPort, startHangingServer, type HangingServer } from "../helpers/hanging-server.js";
import { waitFor } from "../helpers/wait.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `plumb-${prefix}-`));

/** Total requests the server has served for one repository. */
const served = (server: GitServer, repo: string): number =>
  [...server.requests].filter(([k]) => k.startsWith(`${repo}.git `)).reduce((n, [, v]) => n + v, 0);

/** Files under a folder (relative paths, sorted), as `git ls-tree -r` lists them. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))]))
    .sort();
}

describe("git mirrors", { timeout: 120_000 }, () => {
  let server: GitServer;
  let url: string;
  let wd: WorkDir;
  let mirrors: Mirrors;
  const dirs: string[] = [];
  const sha: Record<string, string> = {};

  before(async () => {
    server = await startGitServer();
    url = await server.createRepo("app");
    wd = await WorkDir.clone(url);
    wd.write({ "deploy/config.yaml": "kind: ConfigMap\n", "deploy/run.sh": "#!/bin/sh\necho hi\n" });
    chmodSync(join(wd.dir, "deploy/run.sh"), 0o755);
    symlinkSync("config.yaml", join(wd.dir, "deploy/link.yaml"));
    sha.c1 = await wd.commit("first");
    await wd.tag("v1.0.0");
    await git(["tag", "light"], { cwd: wd.dir });
    await wd.push("main");
    await wd.pushTags();
    await wd.branch("develop");
    wd.write({ "deploy/config.yaml": "kind: ConfigMap\nmetadata: {name: dev}\n" });
    sha.c2 = await wd.commit("develop");
    await wd.push("develop");
    await wd.checkout("main");
    const cache = tempDir("mirrors");
    dirs.push(cache);
    mirrors = new Mirrors({ cacheDir: cache });
  });
  after(async () => {
    await mirrors?.close();
    wd?.dispose();
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("resolves a branch, a tag, an annotated tag (peeled), a full SHA, a short SHA, HEAD and empty", async () => {
    const cases: Array<[string, string]> = [
      ["main", sha.c1!],
      ["develop", sha.c2!],
      ["v1.0.0", sha.c1!],
      ["light", sha.c1!],
      ["refs/heads/develop", sha.c2!],
      [sha.c2!, sha.c2!],
      [sha.c2!.slice(0, 8), sha.c2!],
      ["HEAD", sha.c1!],
      ["", sha.c1!],
    ];
    for (const [revision, want] of cases) {
      const r = await mirrors.resolve(`${url}/`, revision);
      assert.equal(r.sha, want, `revision "${revision}"`);
    }
    assert.equal((await mirrors.resolve(url, "main")).ref, "refs/heads/main");
    assert.equal(mirrors.status(url).fetches, 1, "resolving reads the mirror; only the first call fetched");
  });

  it("a commit's metadata: author, date, whole message and the tags at it (annotated peeled, lightweight) — no tree made", async () => {
    const trees = mirrors.cachedTrees();
    const m = await mirrors.commitMetadata(url, sha.c1!);
    assert.match(m.author, /^.+ <.+@.+>$/, m.author);
    assert.ok(!Number.isNaN(Date.parse(m.date)), m.date);
    assert.equal(m.message, "first");
    assert.deepEqual(m.tags, ["light", "v1.0.0"]);
    const dev = await mirrors.commitMetadata(url, sha.c2!);
    assert.equal(dev.message, "develop");
    assert.deepEqual(dev.tags, []);
    await assert.rejects(mirrors.commitMetadata(url, "0".repeat(40)), UnknownRevisionError);
    assert.deepEqual(mirrors.cachedTrees(), trees, "metadata looks the commit up: it checks no tree out (the controller's trees stay cached)");
    assert.equal(mirrors.status(url).fetches, 1, "the unknown commit, asked right after a fetch, costs no fetch");
  });

  it("an unknown revision is a typed error naming branches and tags nearby", async () => {
    await assert.rejects(mirrors.resolve(url, "mian"), (err: unknown) => {
      assert.ok(err instanceof UnknownRevisionError);
      assert.match(err.message, /unknown revision "mian" in http:\/\/127\.0\.0\.1:\d+\/app\.git; revisions nearby: main \(branch\)/);
      assert.match(err.message, /targetRevision/);
      return true;
    });
    await assert.rejects(mirrors.resolve(url, "v1.0"), /nearby: v1\.0\.0 \(tag\)/);
    await assert.rejects(mirrors.resolve(url, "0123456789abcdef0123456789abcdef01234567"), /no such commit/);
  });

  it("a push then a fetch shows the new SHA; 'changed' fires only when a ref moves", async () => {
    const events: RepoChange[] = [];
    mirrors.on("changed", (c) => events.push(c));
    const quiet = await mirrors.fetch(url);
    assert.deepEqual(quiet.changes, []);
    assert.equal(events.length, 0, "nothing moved, nothing said");

    wd.write({ "deploy/config.yaml": "kind: ConfigMap\nmetadata: {name: v2}\n" });
    sha.c3 = await wd.commit("second");
    await wd.push("main");
    assert.equal((await mirrors.resolve(url, "main")).sha, sha.c1, "until fetched, the mirror answers as it was");
    const moved = await mirrors.fetch(url);
    assert.deepEqual(moved.changes, [
      { ref: "HEAD", oldSha: sha.c1, newSha: sha.c3 },
      { ref: "refs/heads/main", oldSha: sha.c1, newSha: sha.c3 },
    ]);
    assert.deepEqual(events, [{ repoURL: url.replace(/\.git$/, ""), changes: moved.changes }]);
    assert.equal((await mirrors.resolve(url, "main")).sha, sha.c3);

    await git(["push", "--quiet", "origin", ":develop"], { cwd: wd.dir });
    const pruned = await mirrors.fetch(url);
    assert.deepEqual(pruned.changes, [{ ref: "refs/heads/develop", oldSha: sha.c2 }]);
    await assert.rejects(mirrors.resolve(url, "develop"), UnknownRevisionError);
    assert.equal((await mirrors.resolve(url, sha.c2!)).sha, sha.c2, "a commit stays resolvable by SHA");
  });

  it("N concurrent refreshes cost one fetch (by the server's counter); one asked during a fetch gets the next", async () => {
    // Calibrate: what one fetch bringing one new commit costs in requests.
    wd.write({ "n.txt": "1" });
    await wd.commit("n1");
    await wd.push("main");
    let before = served(server, "app");
    await mirrors.fetch(url);
    const perFetch = served(server, "app") - before;
    assert.ok(perFetch > 0);

    wd.write({ "n.txt": "2" });
    const head = (sha.n2 = await wd.commit("n2"));
    await wd.push("main");
    before = served(server, "app");
    const fetchesBefore = mirrors.fetchCount;
    const results = await Promise.all(Array.from({ length: 20 }, () => mirrors.fetch(`${url}/`)));
    assert.equal(served(server, "app") - before, perFetch, "twenty refreshes, one fetch's requests");
    assert.equal(mirrors.fetchCount - fetchesBefore, 1);
    assert.ok(results.every((r) => r === results[0]));
    assert.equal(results[0]!.refs.get("refs/heads/main"), head);

    // A refresh asked while a fetch runs may follow a push that fetch missed: it waits for the next one.
    const first = mirrors.fetch(url);
    while (!mirrors.status(url).fetching) await new Promise((r) => setImmediate(r));
    const second = mirrors.fetch(url);
    const third = mirrors.fetch(url);
    assert.notEqual(second, first);
    assert.equal(third, second, "later askers share the next fetch");
    await Promise.all([first, second]);
    assert.equal(mirrors.fetchCount - fetchesBefore, 3);
  });

  it("a branch pushed since the last fetch is found by one more fetch; an empty repository has no revisions", async () => {
    const cache = tempDir("late");
    dirs.push(cache);
    const m = new Mirrors({ cacheDir: cache, refetchUnknownAfterMs: 0 });
    try {
      await m.resolve(url, "main");
      await wd.branch("feature");
      const feature = await wd.commit("feature");
      await wd.push("feature");
      await wd.checkout("main");
      assert.equal((await m.resolve(url, "feature")).sha, feature);
      assert.equal(m.status(url).fetches, 2);
      await assert.rejects(m.resolve(url, "nope"), UnknownRevisionError);
      assert.equal(m.status(url).fetches, 3, "an unknown revision costs one fetch, not a retry loop");

      const empty = await server.createRepo("empty");
      await assert.rejects(m.resolve(empty, "HEAD"), /unknown revision "HEAD" .*the repository has no branches or tags/);
    } finally {
      await m.close();
    }
  });

  it("checks out a commit's tree read-only, shared and cached by SHA", async () => {
    const lease = await mirrors.checkout(url, sha.c1!);
    const listed = (await git(["ls-tree", "-r", "--name-only", sha.c1!], { cwd: wd.dir })).trim().split("\n").sort();
    assert.deepEqual(walk(lease.dir), listed);
    assert.equal(readFileSync(join(lease.dir, "deploy/config.yaml"), "utf8"), "kind: ConfigMap\n");
    assert.equal(readlinkSync(join(lease.dir, "deploy/link.yaml")), "config.yaml");
    assert.equal(statSync(join(lease.dir, "deploy/run.sh")).mode & 0o111, 0o111, "executable bits kept");
    assert.equal(statSync(join(lease.dir, "deploy/config.yaml")).mode & 0o222, 0, "files are read-only");
    assert.equal(statSync(join(lease.dir, "deploy")).mode & 0o777, 0o555, "folders are read-only");
    assert.ok(lstatSync(join(lease.dir, "deploy/link.yaml")).isSymbolicLink());

    const again = await mirrors.checkout(url, sha.c1!);
    assert.equal(again.dir, lease.dir, "one folder per SHA, shared");
    assert.deepEqual(mirrors.cachedTrees(), [{ sha: sha.c1, leases: 2 }]);
    const other = await mirrors.checkout(url, sha.c3!);
    assert.equal(readFileSync(join(other.dir, "deploy/config.yaml"), "utf8"), "kind: ConfigMap\nmetadata: {name: v2}\n");
    for (const l of [lease, again, other, other]) l.release();
    assert.deepEqual(mirrors.cachedTrees(), [{ sha: sha.c1, leases: 0 }, { sha: sha.c3, leases: 0 }]);
    await assert.rejects(mirrors.checkout(url, "main"), /full commit SHA/);
  });

  it("keeps at most maxTrees unused trees (LRU), never removing one in use", async () => {
    const cache = tempDir("lru");
    dirs.push(cache);
    const small = new Mirrors({ cacheDir: cache, maxTrees: 1 });
    try {
      // (develop was deleted above: its commit is not in a fresh mirror; use commits of main.)
      const held = await small.checkout(url, sha.c1!);
      const b = await small.checkout(url, sha.n2!);
      b.release();
      assert.deepEqual(small.cachedTrees(), [{ sha: sha.c1, leases: 1 }], "the unused tree went, the leased one stayed");
      assert.ok(existsSync(join(held.dir, "deploy/config.yaml")));
      held.release();
      const c = await small.checkout(url, sha.c3!);
      c.release();
      assert.deepEqual(small.cachedTrees(), [{ sha: sha.c3, leases: 0 }]);
      await assert.rejects(small.checkout(url, sha.c2!), UnknownRevisionError, "a commit no branch or tag reaches was never fetched");
    } finally {
      await small.close();
    }
    assert.deepEqual(readdirSync(join(cache, "trees")), [sha.c3], "evicted folders are removed from disk");
  });
});

describe("git mirrors: credentials", { timeout: 120_000 }, () => {
  const cases: Array<{ name: string; auth: { username: string; password: string }; creds: (url: string) => RepoCredentials | undefined; inURL?: boolean }> = [
    { name: "username and password", auth: { username: "dev", password: "s3cret-Pa55" }, creds: (url) => ({ url, username: "dev", password: "s3cret-Pa55" }) },
    { name: "token (as x-access-token)", auth: { username: "x-access-token", password: "tok-9f8e7d" }, creds: (url) => ({ url: url.replace(/\/[^/]*$/, ""), match: "prefix", token: "tok-9f8e7d" }) },
    { name: "credentials written in the URL", auth: { username: "dev", password: "url-pa55" }, creds: () => undefined, inURL: true },
  ];
  for (const c of cases) {
    it(`fetches with ${c.name}; wrong ones give a clear error that never shows the password`, async () => {
      const server = await startGitServer({ auth: c.auth });
      const cache = tempDir("creds");
      try {
        const url = await server.createRepo("private");
        const authed = new URL(url);
        authed.username = c.auth.username;
        authed.password = c.auth.password;
        const wd = await WorkDir.clone(authed.toString());
        const head = await wd.commit("first");
        await wd.push("main");
        wd.dispose();

        const target = c.inURL ? authed.toString() : url;
        const good = new Mirrors({ cacheDir: join(cache, "good"), credentials: (u) => c.creds(u) });
        assert.equal((await good.resolve(target, "main")).sha, head);
        await good.close();
        const stored = readdirSync(join(cache, "good/repos")).map((d) => readFileSync(join(cache, "good/repos", d, "config"), "utf8")).join("");
        assert.ok(!stored.includes(c.auth.password), "no credential in the mirror's config");

        const wrong = "WRONG-" + c.auth.password;
        const bad = new Mirrors({ cacheDir: join(cache, "bad"), credentials: () => ({ url, username: c.auth.username, password: wrong }) });
        const badTarget = c.inURL ? target.replace(c.auth.password, wrong) : url;
        const err = await bad.resolve(badTarget, "main").then(() => undefined, (e: unknown) => e);
        await bad.close();
        assert.ok(err instanceof GitAuthError, String(err));
        assert.match(err.message, new RegExp(`^authentication failed for ${url.replace(/[.]/g, "\\.")}: check the repository credentials`));
        const everything = `${String(err)}\n${err.stack}\n${JSON.stringify(err)}\n${err.hint}`;
        assert.ok(!everything.includes(wrong) && !everything.includes(c.auth.password), everything);

        const none = new Mirrors({ cacheDir: join(cache, "none") });
        await assert.rejects(none.resolve(url, "main"), /authentication failed[\s\S]*no credentials are configured/);
        await none.close();
      } finally {
        await server.close();
        rmSync(cache, { recursive: true, force: true });
      }
    });
  }
});

describe("git mirrors: the server goes away", { timeout: 120_000 }, () => {
  it("a fetch fails clearly; the last good SHA stays resolvable, also after a restart", async () => {
    const server = await startGitServer();
    const cache = tempDir("down");
    try {
      const url = await server.createRepo("app");
      const wd = await WorkDir.clone(url);
      const head = await wd.commit("first");
      await wd.push("main");
      wd.dispose();
      const mirrors = new Mirrors({ cacheDir: cache });
      assert.equal((await mirrors.resolve(url, "main")).sha, head);
      assert.equal(mirrors.status(url).pool, "healthy", "its last fetch succeeded");
      const peek = new Mirrors({ cacheDir: cache });
      assert.equal(peek.status(url).pool, "healthy", "…which a new process knows from the mirror on disk");
      await peek.close();
      await server.close();

      await assert.rejects(mirrors.fetch(url), (err: unknown) => {
        assert.ok(err instanceof GitUnreachableError, String(err));
        assert.match(err.message, /^cannot reach http:\/\/127\.0\.0\.1:\d+\/app\.git: .*(refused|connect)/i);
        assert.match(err.message, /keeps using the last fetched commit/);
        return true;
      });
      assert.ok(mirrors.status(url).lastError instanceof GitUnreachableError);
      assert.equal(mirrors.status(url).pool, "probation", "its last fetch failed");
      assert.equal((await mirrors.resolve(url, "main")).sha, head, "the mirror still answers");
      await assert.rejects(mirrors.resolve(url, "main", { refresh: true }), GitUnreachableError);
      await mirrors.close();

      const restarted = new Mirrors({ cacheDir: cache });
      assert.equal(restarted.status(url).pool, "probation", "a restarted process knows the last fetch failed");
      assert.equal((await restarted.resolve(url, "HEAD")).sha, head, "a restarted process answers from the mirror on disk");
      await restarted.close();
    } finally {
      await server.close();
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe("git mirrors: polling", { timeout: 120_000 }, () => {
  let server: GitServer;
  let url: string;
  let wd: WorkDir;
  let mirrors: Mirrors;
  let cache: string;
  before(async () => {
    server = await startGitServer();
    url = await server.createRepo("polled");
    wd = await WorkDir.clone(url);
    await wd.commit("first");
    await wd.push("main");
    cache = tempDir("poll");
    mirrors = new Mirrors({ cacheDir: cache });
  });
  after(async () => {
    await mirrors?.close();
    wd?.dispose();
    await server?.close();
    rmSync(cache, { recursive: true, force: true });
  });

  it("100 subscribers on one repository make one fetch per interval", async () => {
    await mirrors.fetch(url);
    let before = served(server, "polled");
    await mirrors.fetch(url);
    const perFetch = served(server, "polled") - before; // a fetch that brings nothing new

    const poller = new Poller(mirrors, { intervalMs: 200, jitter: 0.1 });
    before = served(server, "polled");
    const fetchesBefore = mirrors.status(url).fetches;
    const unsubscribe = Array.from({ length: 100 }, () => poller.subscribe(url));
    assert.equal(poller.subscribers(`${url}/`), 100);
    const windowMs = 1_500;
    await sleep(windowMs);
    poller.stop();
    // A fetch started just before the stop may still be running (the server has seen part of it): let the
    // counts settle, on a loaded machine that takes more than a moment.
    let fetches = mirrors.status(url).fetches - fetchesBefore;
    for (let i = 0; i < 60 && served(server, "polled") - before !== fetches * perFetch; i++) {
      await sleep(50);
      fetches = mirrors.status(url).fetches - fetchesBefore;
    }
    assert.equal(served(server, "polled") - before, fetches * perFetch, "the server saw exactly those fetches");
    assert.ok(fetches >= 3 && fetches <= Math.ceil(windowMs / 180) + 1, `${fetches} fetches in ${windowMs} ms at a 200 ms interval`);
    for (const u of unsubscribe) u();
  });

  it("a push is noticed within an interval and said once; refresh fetches now; unsubscribing stops polling", async () => {
    const poller = new Poller(mirrors, { intervalMs: 300 });
    const events: RepoChange[] = [];
    poller.on("changed", (c) => events.push(c));
    const unsubscribe = poller.subscribe(url);
    try {
      wd.write({ "a.txt": "1" });
      const next = await wd.commit("second");
      await wd.push("main");
      const deadline = Date.now() + 5_000;
      while (events.length === 0 && Date.now() < deadline) await sleep(20);
      await sleep(700); // two more polls: nothing moved, nothing said
      assert.equal(events.length, 1);
      assert.equal(events[0]!.changes.find((c) => c.ref === "refs/heads/main")?.newSha, next);

      wd.write({ "a.txt": "2" });
      const third = await wd.commit("third");
      await wd.push("main");
      const r = await poller.refresh(url);
      assert.equal(r.refs.get("refs/heads/main"), third);
      assert.equal(events.length, 2);
    } finally {
      unsubscribe();
    }
    await sleep(150); // a poll that began before unsubscribing ends normally
    const fetches = mirrors.status(url).fetches;
    await sleep(700);
    assert.equal(mirrors.status(url).fetches, fetches, "no subscriber, no polling");
    assert.deepEqual(poller.repositories(), []);
    poller.stop();
  });
});

describe("git mirrors: the server goes away, retried", { timeout: 60_000 }, () => {
  it("the poller retries a failed fetch after the backoff for its kind (unreachable: 5 s), not at the next interval", async () => {
    const cache = tempDir("retry");
    const url = `http://127.0.0.1:${await closedPort()}/gone.git`;
    const mirrors = new Mirrors({ cacheDir: cache });
    const poller = new Poller(mirrors, { intervalMs: 600_000, jitter: 0 });
    const failures: string[] = [];
    poller.on("fetchFailed", (f) => failures.push(f.error.code));
    const unsubscribe = poller.subscribe(url);
    try {
      // The interval is ten minutes: a second attempt within this test's time limit is the backoff's.
      await waitFor("a second fetch attempt", async () => mirrors.status(url).fetches >= 2 || undefined, 45_000, 100);
      await waitFor("its failure reported", async () => failures.length >= 2 || undefined, 5_000, 20);
      assert.deepEqual(failures.slice(0, 2), ["unreachable", "unreachable"]);
    } finally {
      unsubscribe();
      poller.stop();
      await mirrors.close();
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe("git mirrors: servers that hang", { timeout: 90_000 }, () => {
  let server: GitServer;
  let hanging: HangingServer;
  let url: string;
  let wd: WorkDir;
  const dirs: string[] = [];
  before(async () => {
    server = await startGitServer();
    hanging = await startHangingServer();
    url = await server.createRepo("healthy");
    wd = await WorkDir.clone(url);
    await wd.commit("first");
    await wd.push("main");
  });
  after(async () => {
    wd?.dispose();
    await hanging?.close();
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const cacheDir = (): string => {
    const d = tempDir("hang");
    dirs.push(d);
    return d;
  };

  it("a fetch from a server that accepts and never answers is cut by the low-speed limit: GitUnreachableError, timed out", async () => {
    // The fetch time limit is far beyond this test's: only the low-speed cut can end the fetch in time.
    const cache = cacheDir();
    const mirrors = new Mirrors({ cacheDir: cache, lowSpeedTimeMs: 2_000, fetchTimeoutMs: 600_000 });
    const hangURL = `${hanging.url}/cut.git`;
    try {
      const err = await mirrors.fetch(hangURL).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof GitUnreachableError, String(err));
      assert.equal(err.timedOut, true);
      assert.match(err.message, /^cannot reach http:\/\/127\.0\.0\.1:\d+\/cut\.git: timed out \(.*too slow/i);
      assert.equal(mirrors.status(hangURL).pool, "probation");
      assert.deepEqual(readdirSync(join(cache, "repos")), [], "a first fetch that failed leaves no mirror behind");
    } finally {
      await mirrors.close();
    }
  });

  it("over SSH too: a server that accepts and never answers is cut after the same time, GitUnreachableError, timed out", async () => {
    const mirrors = new Mirrors({ cacheDir: cacheDir(), lowSpeedTimeMs: 2_000, fetchTimeoutMs: 600_000 });
    const sshURL = `ssh://git@127.0.0.1:${hanging.port}/cut.git`;
    try {
      const err = await mirrors.fetch(sshURL).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof GitUnreachableError, String(err));
      assert.equal(err.timedOut, true);
      assert.match(err.message, /timed out/);
    } finally {
      await mirrors.close();
    }
  });

  it("with maxConcurrentFetches repositories hanging, and more waiting, a healthy repository's fetch completes while they hang", async () => {
    const mirrors = new Mirrors({ cacheDir: cacheDir(), maxConcurrentFetches: 4, lowSpeedTimeMs: 4_000 });
    try {
      await mirrors.fetch(url);
      assert.equal(mirrors.status(url).pool, "healthy");

      const hangURLs = Array.from({ length: 6 }, (_, i) => `${hanging.url}/hang-${i}.git`);
      const ended = new Map<string, unknown>();
      const fetches = hangURLs.map((u) => mirrors.fetch(u).then(() => ended.set(u, "fetched"), (e: unknown) => ended.set(u, e)));
      const before = hanging.accepted;
      await waitFor(
        "four fetches hanging on the server, holding every probation slot",
        async () => (hangURLs.filter((u) => mirrors.status(u).fetching).length === 4 && hanging.accepted - before >= 4) || undefined,
        20_000,
        20,
      );

      wd.write({ "pushed.txt": "while four servers hang\n" });
      const pushed = await wd.commit("pushed while others hang");
      await wd.push("main");
      const result = await mirrors.fetch(url);
      assert.equal(result.refs.get("refs/heads/main"), pushed);
      assert.equal(ended.size, 0, `the healthy fetch waited for hanging ones: ${[...ended.keys()].join(", ")}`);
      assert.equal(hangURLs.filter((u) => mirrors.status(u).fetching).length, 4, "…which were still hanging when it completed");

      await Promise.all(fetches);
      for (const u of hangURLs) {
        const err = ended.get(u);
        assert.ok(err instanceof GitUnreachableError && err.timedOut, `${u}: ${String(err)}`);
        assert.equal(mirrors.status(u).pool, "probation");
      }
      assert.equal(mirrors.status(url).pool, "healthy");
    } finally {
      await mirrors.close();
    }
  });

  it("a resolve that will not wait throws RevisionPendingError at once; the end of that fetch is announced, and its failure is the next answer", async () => {
    const mirrors = new Mirrors({ cacheDir: cacheDir(), lowSpeedTimeMs: 2_000 });
    const hangURL = `${hanging.url}/pending.git`;
    const outcomes: FetchOutcome[] = [];
    mirrors.on("fetched", (o) => outcomes.push(o));
    try {
      const err = await mirrors.resolve(hangURL, "main", { wait: false }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof RevisionPendingError, String(err));
      assert.equal(err.code, "pending");
      assert.match(err.message, /^waiting for the first fetch of http:\/\/127\.0\.0\.1:\d+\/pending\.git/);
      assert.ok(mirrors.status(hangURL).fetching, "it answered while the fetch it started still runs");
      await assert.rejects(mirrors.resolve(hangURL, "main", { wait: false }), RevisionPendingError, "asked again: still pending, same fetch");

      await waitFor("the fetch to be cut", async () => outcomes.length > 0 || undefined, 60_000, 50);
      assert.equal(outcomes.length, 1, "both askers joined one fetch");
      assert.equal(outcomes[0]!.awaited, true);
      assert.ok(outcomes[0]!.error instanceof GitUnreachableError);

      const fetches = mirrors.status(hangURL).fetches;
      await assert.rejects(mirrors.resolve(hangURL, "main", { wait: false }), GitUnreachableError, "the failure, not another wait");
      assert.equal(mirrors.status(hangURL).fetching, false, "and no new fetch: retrying is the poller's job");
      assert.equal(mirrors.status(hangURL).fetches, fetches);
    } finally {
      await mirrors.close();
    }
  });

  it("resolve and checkout that will not wait: first fetch, an unknown revision, a commit not fetched yet", async () => {
    const mirrors = new Mirrors({ cacheDir: cacheDir(), refetchUnknownAfterMs: 300 });
    const outcomes: FetchOutcome[] = [];
    const changes: RepoChange[] = [];
    mirrors.on("fetched", (o) => outcomes.push(o));
    mirrors.on("changed", (c) => changes.push(c));
    const ended = async (n: number) => waitFor(`fetch #${n} to end`, async () => outcomes.length >= n || undefined, 30_000, 20);
    try {
      await assert.rejects(mirrors.resolve(url, "main", { wait: false }), /waiting for the first fetch of/);
      await ended(1);
      const { durationMs, ...outcome } = outcomes[0]!;
      assert.deepEqual(outcome, { repoURL: normalizeRepoURL(url), awaited: true });
      assert.ok(durationMs > 0, "the fetch's duration is reported");
      const main = (await mirrors.resolve(url, "main", { wait: false })).sha;
      assert.equal(main, await wd.head());

      // An unknown revision, the last fetch older than refetchUnknownAfterMs: one fetch, announced though
      // no ref moves; asked again right after, the answer is the unknown revision.
      await sleep(350);
      const changesBefore = changes.length;
      await assert.rejects(mirrors.resolve(url, "nope", { wait: false }), (e: unknown) => e instanceof RevisionPendingError && e.reason === "refetch");
      await ended(2);
      assert.equal(outcomes[1]!.awaited, true);
      assert.equal(changes.length, changesBefore, "nothing moved");
      await assert.rejects(mirrors.resolve(url, "nope", { wait: false }), UnknownRevisionError);

      // A commit pushed since the last fetch.
      wd.write({ "later.txt": "later\n" });
      const later = await wd.commit("later");
      await wd.push("main");
      await sleep(350);
      await assert.rejects(mirrors.checkout(url, later, { wait: false }), RevisionPendingError);
      await ended(3);
      const lease = await mirrors.checkout(url, later, { wait: false });
      assert.equal(readFileSync(join(lease.dir, "later.txt"), "utf8"), "later\n");
      lease.release();
    } finally {
      await mirrors.close();
    }
  });

  it("GitSources (the controller's view): resolve never waits; onChange says when to ask again", async () => {
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const cache = cacheDir();
    // No secretsNamespace: the cluster is never asked for anything.
    const sources = new GitSources({ cacheDir: cache, resources: {} as Resources, log, mirrorOptions: { lowSpeedTimeMs: 2_000, refetchUnknownAfterMs: 300 } });
    const changed: string[] = [];
    sources.onChange((u) => changed.push(u));
    const hangURL = `${hanging.url}/controller.git`;
    try {
      await assert.rejects(sources.resolve(hangURL, "HEAD"), RevisionPendingError);
      await assert.rejects(sources.resolve(url, "main"), RevisionPendingError);
      await waitFor("the healthy repository announced", async () => changed.includes(normalizeRepoURL(url)) || undefined, 30_000, 20);
      assert.equal(await sources.resolve(url, "main"), await wd.head(), "asked again when told: answered");
      assert.ok(!changed.includes(normalizeRepoURL(hangURL)), "the hanging one is still being fetched");

      // A fetch for an unknown revision that moves nothing and fails nothing is announced all the same.
      await sleep(350);
      const announced = changed.length;
      await assert.rejects(sources.resolve(url, "not-pushed-yet"), RevisionPendingError);
      await waitFor("the fetch for the unknown revision announced", async () => changed.slice(announced).includes(normalizeRepoURL(url)) || undefined, 30_000, 20);
      await assert.rejects(sources.resolve(url, "not-pushed-yet"), UnknownRevisionError);

      await waitFor("the hanging repository announced", async () => changed.includes(normalizeRepoURL(hangURL)) || undefined, 60_000, 50);
      assert.ok(sources.lastError(hangURL) instanceof GitUnreachableError);
      await assert.rejects(sources.resolve(hangURL, "HEAD"), GitUnreachableError);
    } finally {
      await sources.close();
    }
  });
});
