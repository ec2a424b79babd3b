/**
 * Secrets labelled as Argo CD labels its settings Secrets (`argocd.argoproj.io/secret-type` or plumb's
 * `plumb.dev/secret-type`: repositories, repo-creds, clusters), read from one namespace and turned into
 * what a consumer needs (credential sources, cluster lists), re-read at most every `ttlMs`. A failed list
 * counts as no Secrets of that label until the next read, never an exception on the consumer's path.
 */
import type { Resources } from "../cluster/resources.js";
import type { KubeObject } from "../core/object.js";
import { SECRET_TYPE_LABELS } from "../git/credentials.js";

/** `build` over the labelled Secrets of `namespace`, rebuilt from a fresh list at most every `ttlMs`. */
export function fromLabelledSecrets<T>(resources: Resources, namespace: string, build: (secrets: KubeObject[]) => T, ttlMs = 10_000): () => Promise<T> {
  let cached: { at: number; value: T } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      const lists = await Promise.all(SECRET_TYPE_LABELS.map((label) => resources.list("v1", "Secret", { namespace, labelSelector: label }).then((l) => l.items, () => [])));
      cached = { at: Date.now(), value: build(lists.flat()) };
    }
    return cached.value;
  };
}
