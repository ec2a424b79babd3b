/**
 * The web UI's files (ui/dist, built by Vite) served by `plumb server` at `/`. For a GET or HEAD that is
 * not under /api or /auth:
 *
 *   1. the URL path is decoded segment by segment; a segment that is empty-after-decoding, `.`, `..`, or
 *      holds a slash, backslash or NUL is refused (400) — so no spelling (`..%2f`, `%2e%2e`, `%5c`) reaches
 *      outside the folder, and the resolved file must still lie inside it (symlinks included);
 *   2. a regular file there is sent: under /assets/ (hashed names: the content never changes under a name)
 *      with `Cache-Control: public, max-age=31536000, immutable`, anything else with `no-cache`;
 *   3. a missing file under /assets/ is a 404 (a stale page asking for an old bundle must not get HTML);
 *      any other path gets index.html (the single-page app routes in the browser), `no-cache`;
 *   4. when the browser accepts it (Accept-Encoding, q-values honoured), the precompressed `.br` sibling,
 *      else the `.gz` one, is sent instead, with Content-Encoding; every answer says
 *      `Vary: Accept-Encoding`.
 *
 * Without an index.html (the UI not built) the paths of step 3 answer a short text saying how to build it.
 * Files are read at each request (they are small, and a rebuild must show at once).
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { Hono, type Context, type Next } from "hono";
import { packageRoot } from "../tools/versions.js";

/** Where the built UI is by default: `<package root>/ui/dist`. */
export const DEFAULT_UI_DIR = join(packageRoot, "ui", "dist");

/** What the browser is told to do when the UI is not built. */
export const BUILD_HINT = "plumb's web UI is not built. Build it with: npm --prefix ui ci && npm --prefix ui run build (or run bash hack/setup.sh), then reload.";

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const NO_CACHE = "no-cache";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The encodings we have precompressed siblings for, in order of preference. */
const ENCODINGS = [
  { name: "br", ext: ".br" },
  { name: "gzip", ext: ".gz" },
] as const;

/**
 * The encodings an Accept-Encoding header allows (q > 0), from `ENCODINGS`, best first. `*` stands for
 * any encoding not named; an explicit `q=0` refuses one.
 */
export function acceptedEncodings(header: string | undefined): Array<"br" | "gzip"> {
  if (!header) return [];
  const q = new Map<string, number>();
  for (const part of header.split(",")) {
    const [token, ...params] = part.trim().toLowerCase().split(";");
    if (!token) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qp ? Number(qp.slice(2)) : 1;
    q.set(token.trim(), Number.isFinite(value) ? value : 0);
  }
  return ENCODINGS.map((e) => e.name).filter((name) => (q.get(name) ?? q.get("*") ?? 0) > 0);
}

/**
 * The path's segments, decoded, or undefined when one of them is not a plain file name (an escape
 * attempt or a malformed escape).
 */
export function safeSegments(rawPath: string): string[] | undefined {
  const out: string[] = [];
  for (const raw of rawPath.split("/")) {
    if (raw === "") continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (seg === "" || seg === "." || seg === ".." || /[/\\\0]/.test(seg)) return undefined;
    out.push(seg);
  }
  return out;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

export interface StaticUIOptions {
  /** The folder of the built UI. Default DEFAULT_UI_DIR. */
  dir?: string;
}

/** The Hono app serving the UI; mount it last (it passes /api and /auth on to the routes after it). */
export function staticUI(opts: StaticUIOptions = {}): Hono {
  const dir = resolve(opts.dir ?? DEFAULT_UI_DIR);
  const app = new Hono();

  /** The file's bytes in the best encoding the request accepts. */
  const send = async (c: Context, file: string, cacheControl: string): Promise<Response> => {
    const headers: Record<string, string> = { "content-type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream", "cache-control": cacheControl, vary: "Accept-Encoding" };
    let path = file;
    for (const name of acceptedEncodings(c.req.header("accept-encoding"))) {
      const ext = ENCODINGS.find((e) => e.name === name)?.ext ?? "";
      if (await isFile(file + ext)) {
        path = file + ext;
        headers["content-encoding"] = name;
        break;
      }
    }
    const body = await readFile(path);
    headers["content-length"] = String(body.length);
    return c.body(new Uint8Array(body), 200, headers);
  };

  app.get("*", async (c: Context, next: Next) => {
    const rawPath = new URL(c.req.url).pathname;
    if (/^\/(api|auth)(\/|$)/.test(rawPath)) return next();
    const segments = safeSegments(rawPath);
    if (!segments) return c.text("invalid path", 400);
    const inAssets = segments[0] === "assets";
    const target = join(dir, ...segments);
    if (segments.length > 0 && (await isFile(target))) {
      // The folder itself may be reached through a symlink; the file must not leave it.
      const [realDir, realFile] = await Promise.all([realpath(dir), realpath(target)]);
      if (!realFile.startsWith(realDir + sep)) return c.text("not found", 404);
      return send(c, target, inAssets ? IMMUTABLE : NO_CACHE);
    }
    if (inAssets) return c.text("not found", 404, { "cache-control": NO_CACHE });
    const index = join(dir, "index.html");
    if (!(await isFile(index))) return c.text(BUILD_HINT, 404, { "cache-control": NO_CACHE });
    return send(c, index, NO_CACHE);
  });
  return app;
}
