/** How the list writes revisions (7-character SHAs) and destinations (its times: components/time.ts). */

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
