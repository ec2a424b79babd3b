/** How the list writes destinations and URLs (its times: components/time.ts; revisions: components/revision.ts). */

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
