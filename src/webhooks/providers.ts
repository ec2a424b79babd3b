/**
 * The provider registry: which provider a request comes from, decided by its event header alone (the body
 * is not trusted, nor even read, before the provider's signature check). Pure: no I/O.
 */
import { bitbucket } from "./bitbucket.js";
import { gitea } from "./gitea.js";
import { github } from "./github.js";
import { gitlab } from "./gitlab.js";
import type { HeaderBag, Provider, ProviderName } from "./types.js";

/** Every provider, in detection order: Gitea before GitHub, because Gitea sends GitHub's event header too. */
export const providers: readonly Provider[] = [gitea, github, gitlab, bitbucket];

/** The provider whose event header the request carries, or undefined when it is none of them. */
export function detectProvider(headers: HeaderBag): Provider | undefined {
  return providers.find((p) => p.detect(headers));
}

/** The provider of that name. */
export function providerByName(name: ProviderName): Provider {
  const p = providers.find((q) => q.name === name);
  if (!p) throw new Error(`unknown webhook provider ${name}`);
  return p;
}
