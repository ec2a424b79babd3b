/**
 * Chart sources against real servers on loopback: Helm repositories (a static HTTP(S) server serving what
 * the real `helm package` and `helm repo index` made) and, in the OCI part, the CNCF distribution registry
 * with charts pushed by the real `helm push`. No cluster is needed: ChartRepos resolves ranges, notices new
 * versions after `fresh` or its TTL, downloads a chart once however many ask, refuses wrong passwords without
 * repeating them, and speaks TLS with a custom CA and a client certificate.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import { ChartError, ChartRepos, chartCredentialsFromSecrets, staticChartCredentials, type ChartCredentials } from "../../src/charts/index.js";
import { render, RenderError } from "../../src/render/index.js";
import { startChartRepo, writeChart, type ChartRepo } from "../helpers/chartrepo.js";
import { startRegistry, type Registry } from "../helpers/registry.js";
import { waitFor } from "../helpers/wait.js";

const run = promisify(execFile);
const git = (args: string[], cwd: string) => run("git", args, { cwd });
const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `plumb-${prefix}-`));
const chartVersion = (dir: string): string => (parseYaml(readFileSync(join(dir, "Chart.yaml"), "utf8")) as { version: string }).version;
const downloadsOf = (repo: ChartRepo, file: string): number => repo.requests.filter((r) => r === `GET /charts/${file} 200`).length;

describe("Helm chart repositories over HTTP(S)", () => {
  const dirs: string[] = [];
  let src: string;
  let open: ChartRepo;
  let locked: ChartRepo;
  let tls: ChartRepo;

  before(async () => {
    src = tempDir("chart-src");
    dirs.push(src);
    open = await startChartRepo({ relativeUrls: true });
    locked = await startChartRepo({ username: "ci-bot", password: "correct-horse-battery" });
    tls = await startChartRepo({ tls: true, clientCert: true });
    for (const v of ["1.0.0", "1.1.0", "2.0.0-rc.1"]) {
      const dir = await writeChart(join(src, v), "app", v);
      await open.publish(dir);
      await locked.publish(dir);
      await tls.publish(dir);
    }
  });
  after(async () => {
    await Promise.all([open?.close(), locked?.close(), tls?.close()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const repos = (opts: { creds?: ChartCredentials; ttl?: number; cacheDir?: string } = {}) => {
    const cacheDir = opts.cacheDir ?? tempDir("chart-cache");
    dirs.push(cacheDir);
    const credentials = opts.creds ? staticChartCredentials([{ url: locked.url, match: "exact", ...opts.creds }, { url: tls.url, match: "exact", ...opts.creds }]) : undefined;
    return new ChartRepos({ cacheDir, credentials, indexTtlMs: opts.ttl, timeoutMs: 10_000 });
  };

  it("resolves a range to the highest stable version and pulls it from a relative chart URL, digest checked", async () => {
    const r = repos();
    const ref = { repoURL: open.url, chart: "app" };
    assert.equal(await r.resolve(ref, "1.x"), "1.1.0");
    assert.equal(await r.resolve(ref, "*"), "1.1.0", "prereleases are not candidates of a range that names none");
    assert.equal(await r.resolve(ref, ">=2.0.0-0"), "2.0.0-rc.1");
    assert.equal(await r.resolve(ref, "1.0.0"), "1.0.0");
    assert.equal(r.stats.indexFetches, 1, "one index fetch for four resolutions within the TTL");
    const pulled = await r.pull(ref, "1.1.0");
    assert.equal(chartVersion(pulled.dir), "1.1.0");
    assert.match(pulled.digest, /^sha256:[0-9a-f]{64}$/);
    await assert.rejects(r.resolve(ref, "3.x"), (e: unknown) => e instanceof ChartError && e.code === "no-match" && /3\.x/.test(e.message) && /1\.1\.0/.test(e.message));
    await assert.rejects(r.resolve({ repoURL: open.url, chart: "nope" }, "*"), (e: unknown) => e instanceof ChartError && e.code === "not-found");
  });

  it("picks a new version in range after `fresh`, and after the index TTL", async () => {
    const r = repos();
    const quick = repos({ ttl: 300 });
    const ref = { repoURL: open.url, chart: "app" };
    assert.equal(await r.resolve(ref, "~1.1"), "1.1.0");
    assert.equal(await quick.resolve(ref, "~1.1"), "1.1.0");
    await open.publish(await writeChart(join(src, "1.1.7"), "app", "1.1.7"));
    assert.equal(await r.resolve(ref, "~1.1"), "1.1.0", "within the TTL the cached index answers");
    assert.equal(r.stats.indexFetches, 1);
    assert.equal(await r.resolve(ref, "~1.1", { fresh: true }), "1.1.7");
    assert.equal(r.stats.indexFetches, 2);
    await waitFor("the TTL to expire and the new version to be seen", async () => (await quick.resolve(ref, "~1.1")) === "1.1.7", 10_000, 100);
    assert.equal(chartVersion((await r.pull(ref, "1.1.7")).dir), "1.1.7");
  });

  it("downloads a chart once: concurrent pulls share it, a second instance on the same cache folder finds it", async () => {
    const cacheDir = tempDir("chart-shared-cache");
    dirs.push(cacheDir);
    const creds = { username: "ci-bot", password: "correct-horse-battery" };
    const a = repos({ creds, cacheDir });
    const ref = { repoURL: locked.url, chart: "app" };
    const before = downloadsOf(locked, "app-1.0.0.tgz");
    const pulls = await Promise.all([a.pull(ref, "1.0.0"), a.pull(ref, "1.0.0"), a.pull(ref, "1.0.0")]);
    assert.equal(new Set(pulls.map((p) => p.dir)).size, 1);
    assert.equal(a.stats.downloads, 1);
    const b = repos({ creds, cacheDir });
    const again = await b.pull(ref, "1.0.0");
    assert.equal(again.dir, pulls[0]!.dir);
    assert.equal(again.digest, pulls[0]!.digest);
    assert.equal(b.stats.downloads, 0);
    assert.equal(downloadsOf(locked, "app-1.0.0.tgz") - before, 1, "the server served the archive once");
    const archive = await b.fetchArchive(locked.url, "app", "^1.0.0");
    assert.ok(archive.endsWith("app-1.1.0.tgz") && existsSync(archive));
  });

  it("a wrong password is a ChartError 'auth' that names the repository, not the password", async () => {
    const r = repos({ creds: { username: "ci-bot", password: "wrong-Pa55word" } });
    const err = await r.resolve({ repoURL: locked.url, chart: "app" }, "*").then(
      () => assert.fail("resolved with a wrong password"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ChartError && err.code === "auth", String(err));
    assert.ok(err.message.includes(locked.url) && !err.message.includes("wrong-Pa55word"), err.message);
    assert.equal(r.lastError(locked.url), err);
    await assert.rejects(repos().resolve({ repoURL: locked.url, chart: "app" }, "*"), (e: unknown) => e instanceof ChartError && e.code === "auth" && /without credentials/.test(e.message));
  });

  it("speaks TLS with a custom CA and a client certificate", async () => {
    const ref = { repoURL: tls.url, chart: "app" };
    const good = repos({ creds: { caData: tls.ca, tlsClientCertData: tls.clientCert!.cert, tlsClientCertKey: tls.clientCert!.key } });
    assert.equal(await good.resolve(ref, "1.0.x"), "1.0.0");
    assert.equal(chartVersion((await good.pull(ref, "1.0.0")).dir), "1.0.0");
    await assert.rejects(repos().resolve(ref, "*"), (e: unknown) => e instanceof ChartError && e.code === "unreachable" && /caData|TLS/.test(e.message));
    await assert.rejects(repos({ creds: { caData: tls.ca } }).resolve(ref, "*"), (e: unknown) => e instanceof ChartError);
    assert.equal(await repos({ creds: { insecure: true, tlsClientCertData: tls.clientCert!.cert, tlsClientCertKey: tls.clientCert!.key } }).resolve(ref, "1.x"), "1.1.0");
  });
  it("renders a Git-stored chart whose dependency lives in the password-protected repository (credentials from a Secret)", async () => {
    const work = tempDir("chart-git");
    dirs.push(work);
    await git(["init", "-q", "-b", "main"], work);
    await writeChart(work, "umbrella", "0.1.0", { dependencies: [{ name: "app", version: "~1.0.0", repository: locked.url }] });
    await git(["add", "-A"], work);
    await git(["-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "umbrella chart"], work);
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "locked-charts", namespace: "argocd", labels: { "argocd.argoproj.io/secret-type": "repository" } },
      stringData: { type: "helm", name: "locked", url: `${locked.url}/`, username: "ci-bot", password: "correct-horse-battery" },
    };
    const cacheDir = tempDir("chart-dep-cache");
    dirs.push(cacheDir);
    const r = new ChartRepos({ cacheDir, credentials: chartCredentialsFromSecrets([secret]), timeoutMs: 10_000 });
    const request = { repoRoot: work, path: "umbrella", appName: "shop", destinationNamespace: "apps", chartArchive: (repo: string, name: string, range: string) => r.fetchArchive(repo, name, range) };
    const out = await render(request);
    const dep = out.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "app-shop");
    assert.equal((dep?.data as Record<string, string> | undefined)?.chartVersion, "1.0.0", out.objects.map((o) => o.metadata.name).join(", "));
    assert.equal(r.stats.downloads, 1);
    await render(request);
    assert.equal(r.stats.downloads, 1, "a second render uses the cached archive");
    await assert.rejects(render({ ...request, chartArchive: undefined }), (e: unknown) => e instanceof RenderError && /"app" .* is not vendored/.test(e.message));
  });
});

describe("Helm charts in an OCI registry (CNCF distribution)", () => {
  const dirs: string[] = [];
  let src: string;
  let anon: Registry;
  let locked: Registry;

  before(async () => {
    src = tempDir("oci-src");
    dirs.push(src);
    [anon, locked] = await Promise.all([startRegistry(), startRegistry({ username: "pusher", password: "registry-Secret-9" })]);
    for (const v of ["0.1.0", "0.2.0", "0.3.0-alpha.1"]) {
      const dir = await writeChart(join(src, v), "web", v);
      await anon.push(dir);
      await locked.push(dir);
    }
  });
  after(async () => {
    await Promise.all([anon?.close(), locked?.close()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const repos = (creds?: ChartCredentials, cacheDir?: string) => {
    const dir = cacheDir ?? tempDir("oci-cache");
    dirs.push(dir);
    return new ChartRepos({ cacheDir: dir, credentials: creds ? staticChartCredentials([{ url: locked.ociURL, match: "exact", ...creds }]) : undefined, timeoutMs: 30_000 });
  };

  it("resolves versions from the tag list and pulls with helm, once per version", async () => {
    const cacheDir = tempDir("oci-shared");
    dirs.push(cacheDir);
    const r = repos(undefined, cacheDir);
    const ref = { repoURL: anon.ociURL, chart: "web" };
    assert.equal(await r.resolve(ref, "0.x"), "0.2.0");
    assert.equal(await r.resolve(ref, ">=0.3.0-0"), "0.3.0-alpha.1");
    assert.equal(await r.resolve({ repoURL: `${anon.host}/charts`, chart: "web", enableOCI: true }, "0.1.0"), "0.1.0");
    const [a, b] = await Promise.all([r.pull(ref, "0.2.0"), r.pull(ref, "0.2.0")]);
    assert.equal(a.dir, b.dir);
    assert.equal(chartVersion(a.dir), "0.2.0");
    assert.equal(r.stats.downloads, 1);
    const other = repos(undefined, cacheDir);
    assert.equal((await other.pull({ repoURL: anon.ociURL, chart: "web" }, "0.2.0")).digest, a.digest);
    assert.equal(other.stats.downloads, 0);
    await anon.push(await writeChart(join(src, "0.2.1"), "web", "0.2.1"));
    assert.equal(await r.resolve(ref, "0.2.x"), "0.2.0");
    assert.equal(await r.resolve(ref, "0.2.x", { fresh: true }), "0.2.1");
    await assert.rejects(r.resolve({ repoURL: anon.ociURL, chart: "absent" }, "*"), (e: unknown) => e instanceof ChartError && e.code === "not-found");
  });

  it("authenticates to the registry; a wrong password is 'auth' without the password", async () => {
    const ref = { repoURL: locked.ociURL, chart: "web" };
    const good = repos({ username: "pusher", password: "registry-Secret-9" });
    assert.equal(await good.resolve(ref, "^0.1"), "0.1.0");
    assert.equal(chartVersion((await good.pull(ref, "0.1.0")).dir), "0.1.0");
    assert.ok((await good.fetchArchive(locked.ociURL, "web", "0.2.0")).endsWith("web-0.2.0.tgz"));
    for (const r of [repos({ username: "pusher", password: "not-the-Secret" }), repos()]) {
      await assert.rejects(r.resolve(ref, "*"), (e: unknown) => e instanceof ChartError && e.code === "auth" && e.message.includes(locked.host) && !e.message.includes("not-the-Secret"));
    }
    const bad = repos({ username: "pusher", password: "not-the-Secret" });
    await assert.rejects(bad.pull(ref, "0.2.0"), (e: unknown) => e instanceof ChartError && e.code === "auth" && !e.message.includes("not-the-Secret"));
  });
});
