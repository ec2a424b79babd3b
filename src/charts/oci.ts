/**
 * OCI registries: the chart's versions from the distribution API's tag list (`GET /v2/<name>/tags/list`,
 * following `Link` pages), and the chart itself through the real `helm pull oci://…` (helm speaks the
 * manifest and blob protocol; we do not re-implement it).
 *
 * Authentication, as registries ask for it (https://distribution.github.io/distribution/spec/auth/token/):
 * an anonymous request first; on 401 with `WWW-Authenticate: Basic` the request is repeated with basic
 * auth; on `Bearer realm=…,service=…,scope=…` a token is fetched from the realm (with basic auth when
 * credentials are given) and the request is repeated with it. helm runs with a temporary registry config
 * (`helm registry login --password-stdin`), never the user's, and its homes in a temporary folder.
 * Plain HTTP is used for loopback hosts (as Docker treats them) or when `insecureOCIForceHttp` is set.
 */
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "../render/exec.js";
import { findBinary } from "../tools/binaries.js";
import type { ChartCredentials } from "./credentials.js";
import { ChartError } from "./errors.js";
import { httpGet, type GetResult } from "./http.js";

/** True if plain HTTP is used for this registry host. */
export function usePlainHttp(host: string, creds?: ChartCredentials): boolean {
  if (creds?.insecureOCIForceHttp) return true;
  const h = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Parses a `WWW-Authenticate` header: scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\S+)\s*(.*)$/.exec(header);
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)="([^"]*)"/g;
  for (let p = re.exec(m?.[2] ?? ""); p; p = re.exec(m?.[2] ?? "")) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: (m?.[1] ?? "").toLowerCase(), params };
}

export interface OciOptions {
  credentials?: ChartCredentials;
  timeoutMs: number;
  maxBytes: number;
}

/** `host[:port]/path` + chart → base URL and repository name in the registry. */
function split(location: string, chart: string): { host: string; name: string } {
  const slash = location.indexOf("/");
  const host = slash < 0 ? location : location.slice(0, slash);
  const path = slash < 0 ? "" : location.slice(slash + 1);
  return { host, name: [path, chart].filter(Boolean).join("/") };
}

/** GET with the registry's challenge flow. */
async function registryGet(url: string, what: string, opts: OciOptions): Promise<GetResult> {
  const base = { credentials: opts.credentials, timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, what };
  let res = await httpGet(url, { ...base, sendAuth: false });
  if (res.status !== 401) return res;
  const { scheme, params } = parseChallenge(String(res.headers["www-authenticate"] ?? ""));
  const c = opts.credentials;
  const hasUser = !!(c?.username || c?.password);
  if (scheme === "basic") {
    if (!hasUser) return res;
    return httpGet(url, { ...base, sendAuth: true });
  }
  if (scheme === "bearer" && params.realm) {
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set("service", params.service);
    if (params.scope) realm.searchParams.set("scope", params.scope);
    const tok = await httpGet(realm.toString(), { ...base, what: `token for ${what}`, sendAuth: hasUser, maxBytes: 1024 * 1024 });
    if (tok.status !== 200) return { ...tok, status: tok.status === 403 ? 403 : 401 };
    let token: string | undefined;
    try {
      const j = JSON.parse(tok.body.toString("utf8")) as { token?: unknown; access_token?: unknown };
      token = typeof j.token === "string" ? j.token : typeof j.access_token === "string" ? j.access_token : undefined;
    } catch {
      token = undefined;
    }
    if (!token) throw new ChartError("auth", `${what}: the registry's token service gave no token`);
    res = await httpGet(url, { ...base, credentials: { ...c, username: undefined, password: undefined }, sendAuth: false, headers: { authorization: `Bearer ${token}` } });
  }
  return res;
}

/** The chart's versions (tags, with Helm's `_` for `+` turned back). */
export async function listOciTags(location: string, chart: string, opts: OciOptions): Promise<string[]> {
  const { host, name } = split(location, chart);
  const scheme = usePlainHttp(host, opts.credentials) ? "http" : "https";
  const shown = `oci://${host}/${name}`;
  const tags: string[] = [];
  let next: string | undefined = `${scheme}://${host}/v2/${name}/tags/list?n=1000`;
  for (let page = 0; next && page < 100; page++) {
    const res = await registryGet(next, `tag list of ${shown}`, opts);
    if (res.status === 401 || res.status === 403) throw new ChartError("auth", `${shown}: the registry refused the ${opts.credentials?.username ? "credentials" : "anonymous request"} (HTTP ${res.status}); check the username and password of its repository Secret (type: helm, enableOCI: "true")`);
    if (res.status === 404) throw new ChartError("not-found", `${shown}: no such chart in the registry (HTTP 404); check repoURL and chart`);
    if (res.status !== 200) throw new ChartError("unreachable", `${shown}: the registry answered HTTP ${res.status} for the tag list`);
    let body: { tags?: unknown };
    try {
      body = JSON.parse(res.body.toString("utf8")) as { tags?: unknown };
    } catch {
      throw new ChartError("invalid", `${shown}: the tag list is not JSON`);
    }
    if (Array.isArray(body.tags)) for (const t of body.tags) if (typeof t === "string") tags.push(t.replace(/_/g, "+"));
    const link = String(res.headers.link ?? "");
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
    next = m?.[1] ? new URL(m[1], next).toString() : undefined;
  }
  return tags;
}

/** Runs helm with `stdin` (a password) and the time limit; only its exit code and stderr matter. */
function runHelm(helm: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, stdin?: string): Promise<{ code: number | null; stderr: string }> {
  return runTool(helm, args, { env, timeoutMs, maxOutputBytes: 1024 * 1024, ...(stdin !== undefined ? { stdin } : {}) }).then((r) => ({ code: r.code, stderr: r.stderr.slice(0, 4000) }));
}

/** Removes every credential from a helm message. */
function scrub(text: string, creds?: ChartCredentials): string {
  let t = text;
  for (const s of [creds?.password, creds?.username && creds.password ? Buffer.from(`${creds.username}:${creds.password}`).toString("base64") : undefined]) if (s) t = t.split(s).join("***");
  return t.replace(/^Error:\s*/gm, "").trim().split("\n").slice(-3).join("; ");
}

/** Downloads the chart archive with `helm pull` into `destDir`; returns the .tgz path. */
export async function helmPullOci(location: string, chart: string, version: string, destDir: string, opts: OciOptions & { env: NodeJS.ProcessEnv }): Promise<string> {
  const helm = findBinary("helm", { env: opts.env });
  const { host, name } = split(location, chart);
  const c = opts.credentials;
  const plain = usePlainHttp(host, c);
  const home = await mkdtemp(join(destDir, ".helm-"));
  try {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(opts.env)) if (!k.startsWith("HELM_") && !k.startsWith("DOCKER_") && k !== "KUBECONFIG") env[k] = v;
    Object.assign(env, {
      HELM_CACHE_HOME: join(home, "cache"),
      HELM_CONFIG_HOME: join(home, "config"),
      HELM_DATA_HOME: join(home, "data"),
      HELM_REGISTRY_CONFIG: join(home, "registry.json"),
      DOCKER_CONFIG: join(home, "docker"),
      KUBECONFIG: join(home, "no-kubeconfig"),
    });
    const tls: string[] = [];
    if (c?.caData) {
      await writeFile(join(home, "ca.pem"), c.caData, { mode: 0o600 });
      tls.push("--ca-file", join(home, "ca.pem"));
    }
    if (c?.tlsClientCertData && c.tlsClientCertKey) {
      await writeFile(join(home, "cert.pem"), c.tlsClientCertData, { mode: 0o600 });
      await writeFile(join(home, "key.pem"), c.tlsClientCertKey, { mode: 0o600 });
      await chmod(join(home, "key.pem"), 0o600);
      tls.push("--cert-file", join(home, "cert.pem"), "--key-file", join(home, "key.pem"));
    }
    const shown = `oci://${host}/${name}`;
    if (c?.username || c?.password) {
      const args = ["registry", "login", host, "--username", c.username ?? "", "--password-stdin", ...tls];
      if (plain) args.push("--plain-http");
      if (c.insecure) args.push("--insecure");
      const login = await runHelm(helm, args, env, opts.timeoutMs, c.password ?? "");
      if (login.code !== 0) {
        const why = scrub(login.stderr, c);
        const auth = /unauthorized|401|denied|403/i.test(why);
        throw new ChartError(auth ? "auth" : "unreachable", `${shown}: helm registry login failed: ${why}${auth ? "; check the username and password of its repository Secret" : ""}`);
      }
    }
    const out = join(home, "out");
    await mkdir(out);
    const args = ["pull", `oci://${host}/${name}`, "--version", version, "--destination", out, ...tls];
    if (plain) args.push("--plain-http");
    if (c?.insecure) args.push("--insecure-skip-tls-verify");
    const pull = await runHelm(helm, args, env, opts.timeoutMs);
    if (pull.code !== 0) {
      const why = pull.code === null ? `timed out after ${opts.timeoutMs} ms` : scrub(pull.stderr, c);
      const code = /unauthorized|401|denied|403/i.test(why) ? "auth" : /not found|404|manifest unknown/i.test(why) ? "not-found" : "unreachable";
      throw new ChartError(code, `${shown} version ${version}: helm pull failed: ${why}`);
    }
    const files = (await readdir(out)).filter((f) => f.endsWith(".tgz"));
    if (files.length !== 1) throw new ChartError("invalid", `${shown} version ${version}: helm pull produced ${files.length} archives`);
    const archive = join(destDir, `${chart.split("/").pop()}-${version}.tgz`);
    await rename(join(out, files[0]!), archive);
    return archive;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
