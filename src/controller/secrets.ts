/**
 * Secrets labelled as Argo CD labels its settings Secrets (`argocd.argoproj.io/secret-type` or plumb's
 * `plumb.dev/secret-type`: repositories, repo-creds, clusters), read from one namespace and turned into
 * what a consumer needs (credential sources, cluster lists), re-read at most every `ttlMs`. A failed list
 * keeps what the last good read built (tried again a second later): an API server that blinks must not
 * make every cluster or credential vanish for a whole period. With no good read yet it counts as no
 * Secrets of that label. Never an exception on the consumer's path.
 */
import type { Resources } from "../cluster/resources.js";
import type { KubeObject } from "../core/object.js";
import { SECRET_TYPE_LABELS } from "../git/credentials.js";

/** How soon a failed list is tried again. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/** `build` over the labelled Secrets of `namespace`, rebuilt from a fresh list at most every `ttlMs`. */
export function fromLabelledSecrets<T>(resources: Resources, namespace: string, build: (secrets: KubeObject[]) => T, ttlMs = 10_000): () => Promise<T> {
  let cached: { at: number; value: T } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      let failed = false;
      const lists = await Promise.all(SECRET_TYPE_LABELS.map((label) => resources.list("v1", "Secret", { namespace, labelSelector: label }).then((l) => l.items, () => ((failed = true), []))));
      if (!failed) cached = { at: Date.now(), value: build(lists.flat()) };
      else if (cached) cached = { at: Date.now() - ttlMs + RETRY_AFTER_FAILURE_MS, value: cached.value };
      else cached = { at: Date.now() - ttlMs + RETRY_AFTER_FAILURE_MS, value: build([]) };
    }
    return cached.value;
  };
}
