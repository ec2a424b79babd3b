/**
 * ChartRepos: versions and charts from Helm repositories (index.yaml over HTTP(S)) and OCI registries,
 * with a cache folder shared by every caller.
 *
 * - Index (or OCI tag list): fetched at most once per repository per `indexTtlMs`; concurrent callers share
 *   the fetch; `fresh` fetches now. A failed fetch is remembered (lastError) and not cached.
 * - Chart: unpacked under `cacheDir/<chart>-<version>-<hash of repo, chart, version>/` (the chart in
 *   `chart/`, the archive beside it, `meta.json` with the digest). It is built in a temporary folder and
 *   renamed into place, so a folder that exists is complete; a chart found there is never downloaded
 *   again, by this instance or another one on the same folder. Concurrent pulls of one key share one
 *   promise.
 * - HTTP repositories are read with our own client (limits, TLS, basic auth); the digest the index gives
 *   is verified. OCI charts are pulled with the real `helm pull` (see oci.ts).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { unpackChart } from "./archive.js";
import type { ChartCredentials, ChartCredentialSource } from "./credentials.js";
import { ChartError } from "./errors.js";
import { httpGet } from "./http.js";
import { helmPullOci, listOciTags } from "./oci.js";
import { chartLocation, displayURL, joinChartURL, normalizeChartRepoURL, sameOrigin, type ChartLocation } from "./url.js";
import { selectVersion } from "./versions.js";

/** Where a chart lives: a Helm repository URL (https://…/ with index.yaml) or an OCI repository
 *  (oci://host/path, or host/path with enableOCI), and the chart's name in it. */
export interface ChartRef {
  repoURL: string;
  chart: string;
  enableOCI?: boolean;
}

export interface ChartReposOptions {
  /** Charts are unpacked under it, keyed by repo, name, resolved version. */
  cacheDir: string;
  credentials?: ChartCredentialSource;
  /** An index (or OCI tag list) is fetched at most once per this (default 3 min). */
  indexTtlMs?: number;
  /** Per HTTP request / helm run (default 60 s). */
  timeoutMs?: number;
  /** To find helm (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Largest index.yaml or tag list accepted (default 32 MiB). */
  maxIndexBytes?: number;
  /** Largest chart archive accepted, and largest unpacked chart (default 64 MiB / 256 MiB). */
  maxChartBytes?: number;
  maxUnpackedBytes?: number;
}

interface IndexEntry {
  version: string;
  urls: string[];
  digest?: string;
}

interface IndexState {
  fetchedAt: number;
  /** chart → versions; for OCI, the one chart asked for. */
  charts: Map<string, IndexEntry[]>;
}

const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export class ChartRepos {
  readonly stats = { indexFetches: 0, downloads: 0 };
  private readonly opts: Required<Omit<ChartReposOptions, "credentials">> & { credentials?: ChartCredentialSource };
  private readonly indexes = new Map<string, IndexState>();
  private readonly indexFetching = new Map<string, Promise<IndexState>>();
  private readonly pulling = new Map<string, Promise<{ dir: string; digest: string; archive: string }>>();
  private readonly errors = new Map<string, Error>();

  constructor(opts: ChartReposOptions) {
    this.opts = {
      cacheDir: opts.cacheDir,
      credentials: opts.credentials,
      indexTtlMs: opts.indexTtlMs ?? 3 * 60_000,
      timeoutMs: opts.timeoutMs ?? 60_000,
      env: opts.env ?? process.env,
      maxIndexBytes: opts.maxIndexBytes ?? 32 * 1024 * 1024,
      maxChartBytes: opts.maxChartBytes ?? 64 * 1024 * 1024,
      maxUnpackedBytes: opts.maxUnpackedBytes ?? 256 * 1024 * 1024,
    };
  }

  /** The error of the last index fetch of `repoURL`, if it failed. */
  lastError(repoURL: string): Error | undefined {
    try {
      return this.errors.get(normalizeChartRepoURL(repoURL, true));
    } catch {
      return undefined;
    }
  }

  /**
   * The version `revision` selects: an exact version, or the highest version matching a semver range;
   * prereleases only when the range names one. `fresh` re-fetches the index now.
   */
  async resolve(ref: ChartRef, revision: string, opts: { fresh?: boolean } = {}): Promise<string> {
    const { loc, key, creds } = await this.locate(ref);
    let index = await this.index(loc, key, ref.chart, creds, !!opts.fresh);
    let picked = this.pick(index, ref.chart, revision);
    // A version newer than the cached index (just published) is worth one fresh look.
    if (!picked && !opts.fresh && Date.now() - index.fetchedAt > 1000) {
      index = await this.index(loc, key, ref.chart, creds, true);
      picked = this.pick(index, ref.chart, revision);
    }
    if (picked) return picked.version;
    const versions = index.charts.get(ref.chart);
    if (!versions?.length) throw new ChartError("not-found", `chart "${ref.chart}" is not in ${key}; check the chart name and repoURL`);
    const some = versions.slice(0, 8).map((v) => v.version).join(", ");
    throw new ChartError("no-match", `no version of chart "${ref.chart}" in ${key} matches "${revision}" (it has ${some}${versions.length > 8 ? ", …" : ""}); change targetRevision`);
  }

  /** The chart unpacked at `dir`, downloaded at most once per (repo, chart, version). Read-only for callers. */
  async pull(ref: ChartRef, version: string): Promise<{ dir: string; digest: string }> {
    const { dir, digest } = await this.pullEntry(ref, version);
    return { dir, digest };
  }

  /** A chart archive (.tgz) for a Chart.yaml dependency, version range resolved like `resolve`. */
  async fetchArchive(repository: string, name: string, versionRange: string): Promise<string> {
    const ref: ChartRef = { repoURL: repository, chart: name };
    const version = await this.resolve(ref, versionRange);
    return (await this.pullEntry(ref, version)).archive;
  }

  private async locate(ref: ChartRef): Promise<{ loc: ChartLocation; key: string; creds?: ChartCredentials }> {
    if (!CHART_NAME.test(ref.chart) || ref.chart.split("/").includes("..")) throw new ChartError("invalid", `chart name "${ref.chart}" is not valid`);
    let loc = chartLocation(ref.repoURL, !!ref.enableOCI);
    let key = normalizeChartRepoURL(ref.repoURL, !!ref.enableOCI);
    const creds = await this.opts.credentials?.(key);
    if (loc.kind === "http" && creds?.enableOCI && !/^https?:/i.test(ref.repoURL.trim())) {
      loc = chartLocation(ref.repoURL, true);
      key = normalizeChartRepoURL(ref.repoURL, true);
    }
    return { loc, key, creds };
  }

  private pick(index: IndexState, chart: string, revision: string): IndexEntry | undefined {
    const entries = index.charts.get(chart) ?? [];
    const v = selectVersion(entries.map((e) => e.version), revision);
    return v === undefined ? undefined : entries.find((e) => e.version === v);
  }

  private async index(loc: ChartLocation, key: string, chart: string, creds: ChartCredentials | undefined, fresh: boolean): Promise<IndexState> {
    const id = loc.kind === "oci" ? `${key}/${chart}` : key;
    const have = this.indexes.get(id);
    if (have && !fresh && Date.now() - have.fetchedAt < this.opts.indexTtlMs) return have;
    const running = this.indexFetching.get(id);
    if (running) return running;
    const p = (async () => {
      this.stats.indexFetches++;
      try {
        const state = loc.kind === "oci" ? await this.fetchTags(loc, chart, creds) : await this.fetchIndex(loc, key, creds);
        this.indexes.set(id, state);
        this.errors.delete(key);
        return state;
      } catch (err) {
        this.errors.set(key, err as Error);
        throw err;
      } finally {
        this.indexFetching.delete(id);
      }
    })();
    this.indexFetching.set(id, p);
    return p;
  }

  private async fetchTags(loc: ChartLocation, chart: string, creds: ChartCredentials | undefined): Promise<IndexState> {
    const tags = await listOciTags(loc.url, chart, { credentials: creds, timeoutMs: this.opts.timeoutMs, maxBytes: this.opts.maxIndexBytes });
    return { fetchedAt: Date.now(), charts: new Map([[chart, tags.map((t) => ({ version: t, urls: [] }))]]) };
  }

  private async fetchIndex(loc: ChartLocation, key: string, creds: ChartCredentials | undefined): Promise<IndexState> {
    const url = `${loc.url}/index.yaml`;
    const res = await httpGet(url, { credentials: creds, sendAuth: true, timeoutMs: this.opts.timeoutMs, maxBytes: this.opts.maxIndexBytes, what: `index of ${key}` });
    checkStatus(res.status, key, creds, "index.yaml");
    let doc: unknown;
    try {
      doc = parseYaml(res.body.toString("utf8"), { maxAliasCount: 100 });
    } catch (err) {
      throw new ChartError("invalid", `index of ${key} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    const entries = (doc as { entries?: unknown } | null)?.entries;
    if (!entries || typeof entries !== "object") throw new ChartError("invalid", `index of ${key} has no entries: is ${displayURL(url)} a Helm repository index?`);
    const charts = new Map<string, IndexEntry[]>();
    for (const [name, list] of Object.entries(entries as Record<string, unknown>)) {
      if (!Array.isArray(list)) continue;
      const out: IndexEntry[] = [];
      for (const e of list as Array<Record<string, unknown>>) {
        if (typeof e?.version !== "string" || !Array.isArray(e.urls)) continue;
        const urls = e.urls.filter((u): u is string => typeof u === "string");
        out.push({ version: e.version, urls, digest: typeof e.digest === "string" ? e.digest : undefined });
      }
      charts.set(name, out);
    }
    return { fetchedAt: Date.now(), charts };
  }

  private cacheKey(key: string, chart: string, version: string): string {
    const hash = createHash("sha256").update(`${key}\0${chart}\0${version}`).digest("hex").slice(0, 16);
    const safe = `${chart.split("/").pop()}-${version}`.replace(/[^A-Za-z0-9._+-]/g, "_");
    return `${safe}-${hash}`;
  }

  private async pullEntry(ref: ChartRef, version: string): Promise<{ dir: string; digest: string; archive: string }> {
    const { loc, key, creds } = await this.locate(ref);
    const name = this.cacheKey(key, ref.chart, version);
    const final = join(this.opts.cacheDir, name);
    const cached = await readCached(final);
    if (cached) return cached;
    const running = this.pulling.get(final);
    if (running) return running;
    const p = this.download(loc, key, ref.chart, version, creds, final).finally(() => this.pulling.delete(final));
    this.pulling.set(final, p);
    return p;
  }

  private async download(loc: ChartLocation, key: string, chart: string, version: string, creds: ChartCredentials | undefined, final: string): Promise<{ dir: string; digest: string; archive: string }> {
    await mkdir(this.opts.cacheDir, { recursive: true });
    const tmp = await mkdtemp(join(this.opts.cacheDir, ".tmp-"));
    try {
      const base = chart.split("/").pop()!;
      let archive = join(tmp, `${base}-${version}.tgz`);
      const what = `chart ${chart} ${version} from ${key}`;
      if (loc.kind === "oci") {
        this.stats.downloads++;
        archive = await helmPullOci(loc.url, chart, version, tmp, { credentials: creds, timeoutMs: this.opts.timeoutMs, maxBytes: this.opts.maxIndexBytes, env: this.opts.env });
      } else {
        let index = await this.index(loc, key, chart, creds, false);
        let entry = index.charts.get(chart)?.find((e) => e.version === version);
        if (!entry) {
          index = await this.index(loc, key, chart, creds, true);
          entry = index.charts.get(chart)?.find((e) => e.version === version);
        }
        if (!entry) throw new ChartError("not-found", `chart "${chart}" version ${version} is not in ${key}; check the version`);
        if (!entry.urls[0]) throw new ChartError("invalid", `index of ${key} gives no URL for ${chart} ${version}`);
        const url = joinChartURL(loc.url, entry.urls[0]);
        this.stats.downloads++;
        const res = await httpGet(url, { credentials: creds, sendAuth: sameOrigin(url, loc.url), timeoutMs: this.opts.timeoutMs, maxBytes: this.opts.maxChartBytes, what });
        checkStatus(res.status, key, creds, `${chart} ${version}`);
        const digest = createHash("sha256").update(res.body).digest("hex");
        if (entry.digest && entry.digest.replace(/^sha256:/, "").toLowerCase() !== digest) {
          throw new ChartError("invalid", `${what}: the archive's sha256 ${digest} differs from the index's digest ${entry.digest}; the repository is inconsistent or the download was altered`);
        }
        await writeFile(archive, res.body);
      }
      const digest = createHash("sha256").update(await readFile(archive)).digest("hex");
      const out = join(tmp, "entry");
      await mkdir(join(out, "unpacked"), { recursive: true });
      const top = await unpackChart(archive, join(out, "unpacked"), { timeoutMs: this.opts.timeoutMs, maxBytes: this.opts.maxUnpackedBytes, what });
      if (!existsSync(join(out, "unpacked", top, "Chart.yaml"))) throw new ChartError("invalid", `${what}: the archive has no ${top}/Chart.yaml`);
      await rename(join(out, "unpacked", top), join(out, "chart"));
      await rm(join(out, "unpacked"), { recursive: true, force: true });
      const archiveName = `${base}-${version}.tgz`;
      await rename(archive, join(out, archiveName));
      await writeFile(join(out, "meta.json"), JSON.stringify({ repo: key, chart, version, digest: `sha256:${digest}`, archive: archiveName }));
      try {
        await rename(out, final);
      } catch (err) {
        // Another process put it there first: use theirs.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      }
      const entry = await readCached(final);
      if (!entry) throw new ChartError("invalid", `${what}: the cache folder ${final} is incomplete`);
      return entry;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

async function readCached(dir: string): Promise<{ dir: string; digest: string; archive: string } | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as { digest: string; archive: string };
    return { dir: join(dir, "chart"), digest: meta.digest, archive: join(dir, meta.archive) };
  } catch {
    return undefined;
  }
}

function checkStatus(status: number, key: string, creds: ChartCredentials | undefined, what: string): void {
  if (status === 200) return;
  if (status === 401 || status === 403) {
    throw new ChartError("auth", `${key} refused access to ${what} (HTTP ${status}) ${creds?.username ? "with the configured credentials" : "without credentials"}; check the username and password of its repository Secret (type: helm)`);
  }
  if (status === 404) throw new ChartError("not-found", `${key} has no ${what} (HTTP 404); check the repository URL`);
  throw new ChartError("unreachable", `${key} answered HTTP ${status} for ${what}; try again later or check the server`);
}
