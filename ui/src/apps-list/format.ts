/** How the list writes times and revisions: "3 min ago" (the exact time in a title), 7-character SHAs. */

/** A past time as a person says it: "just now", "3 min ago", "2 h ago", "5 days ago"; a future one as "just now". */
export function relativeTime(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 60) return d === 1 ? "1 day ago" : `${d} days ago`;
  const mo = Math.round(d / 30);
  if (mo < 24) return `${mo} months ago`;
  return `${Math.round(d / 365)} years ago`;
}

/** A commit SHA cut to 7 characters; anything else (a tag, a chart version) as it is. */
export function shortRevision(rev: string): string {
  return /^[0-9a-f]{40}$/i.test(rev) || /^[0-9a-f]{64}$/i.test(rev) ? rev.slice(0, 7) : rev;
}

/** The destination as one line: cluster (server or name) and namespace. */
export function destinationText(cluster: string, namespace: string): string {
  cluster = withoutScheme(cluster);
  if (!cluster) return namespace;
  return namespace ? `${cluster} / ${namespace}` : cluster;
}

/** A URL without its scheme, for display (the whole one goes in a title). */
export function withoutScheme(url: string): string {
  return url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
}
