/**
 * Chart repository URLs: the normal form used as cache and credential key, joining a chart URL found in
 * an index with the repository URL (it may be relative, as `helm repo index` writes it without --url),
 * and telling OCI references apart. Pure: no I/O.
 */
import { ChartError } from "./errors.js";

/** A Helm repository (index.yaml over HTTP) or an OCI registry repository. */
export interface ChartLocation {
  kind: "http" | "oci";
  /** http: the repository URL without trailing `/`; oci: `host[:port]/path` (no scheme, no trailing `/`). */
  url: string;
}

/** Where a chart repository URL points. `enableOCI` makes a scheme-less `host/path` an OCI reference. */
export function chartLocation(repoURL: string, enableOCI = false): ChartLocation {
  const raw = repoURL.trim();
  if (/^oci:\/\//i.test(raw)) {
    const rest = trimSlashes(raw.slice("oci://".length));
    if (/^[^/]*@/.test(rest)) throw new ChartError("invalid", `chart repository URL oci://${rest.slice(rest.indexOf("@") + 1)} must not embed credentials: put them in a repository Secret (type: helm)`);
    return { kind: "oci", url: rest };
  }
  if (/^https?:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ChartError("invalid", `chart repository URL "${raw}" is not a valid URL`);
    }
    if (u.username || u.password) throw new ChartError("invalid", `chart repository URL for ${u.host} must not embed credentials: put them in a repository Secret (type: helm)`);
    return { kind: "http", url: `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, "")}${u.search}` };
  }
  if (enableOCI && /^[a-z0-9.-]+(:\d+)?(\/[^\s]*)?$/i.test(raw)) return { kind: "oci", url: trimSlashes(raw) };
  throw new ChartError("invalid", `chart repository URL "${raw}" is neither http(s):// nor oci://: write oci://host/path for an OCI registry, or set enableOCI`);
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, "");
}

/** The repository URL in normal form (`https://host/path`, `oci://host/path`): the cache and credential key. */
export function normalizeChartRepoURL(repoURL: string, enableOCI = false): string {
  const loc = chartLocation(repoURL, enableOCI);
  return loc.kind === "oci" ? `oci://${loc.url}` : loc.url;
}

/** A chart URL from an index, made absolute against the repository URL (a relative one is below it). */
export function joinChartURL(repoURL: string, chartURL: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chartURL)) return chartURL;
  const base = repoURL.endsWith("/") ? repoURL : `${repoURL}/`;
  return new URL(chartURL, base).toString();
}

/** The same scheme, host and port. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** The URL with any user info and query removed, for messages. */
export function displayURL(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}
