/**
 * REST mapping: which URL serves a group/version/kind, and whether it is namespaced. Read with aggregated
 * discovery (apidiscovery.k8s.io/v2: all groups and resources in two requests, GA since Kubernetes 1.30)
 * and cached; an unknown kind triggers one refresh (a CRD may just have been created) before it is an error.
 */
import { PlumbError } from "../core/errors.js";
import { parseApiVersion } from "../core/object.js";
import type { KubeClient } from "./client.js";

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  namespaced: boolean;
  verbs: string[];
}

/** A kind the API server does not serve (no such CRD, wrong apiVersion). */
export class UnknownKindError extends PlumbError {
  constructor(readonly apiVersion: string, readonly kind: string) {
    super(`the cluster does not serve ${kind} in ${apiVersion}`, "install its CustomResourceDefinition first (or put it in an earlier sync wave), or fix apiVersion/kind");
  }
}

interface DiscoveryList {
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{ version: string; resources?: Array<{ resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[] }> }>;
  }>;
}

const ACCEPT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

export class Discovery {
  private byGvk = new Map<string, ResourceInfo>();
  private byGk = new Map<string, ResourceInfo>();
  private loaded?: Promise<void>;
  private loadedAt = 0;
  /** serverInfo of the current discovery load: every comparison asks, the answer changes only on reload. */
  private info?: Promise<{ gitVersion: string; apiVersions: string[] }>;

  constructor(private readonly client: KubeClient) {}

  /** Re-reads discovery now. */
  refresh(): Promise<void> {
    this.loaded = this.load();
    return this.loaded;
  }

  private async load(): Promise<void> {
    const [core, groups] = await Promise.all([
      this.client.request<DiscoveryList>({ path: "/api", accept: ACCEPT }),
      this.client.request<DiscoveryList>({ path: "/apis", accept: ACCEPT }),
    ]);
    const byGvk = new Map<string, ResourceInfo>();
    const byGk = new Map<string, ResourceInfo>();
    for (const g of [...(core.items ?? []), ...(groups.items ?? [])]) {
      const group = g.metadata?.name ?? "";
      for (const [i, v] of (g.versions ?? []).entries()) {
        for (const r of v.resources ?? []) {
          const kind = r.responseKind?.kind;
          if (!kind || r.resource.includes("/")) continue;
          const info: ResourceInfo = { group, version: v.version, kind, resource: r.resource, namespaced: r.scope === "Namespaced", verbs: r.verbs ?? [] };
          byGvk.set(`${group}/${v.version}/${kind}`, info);
          // Versions come in preference order: the first one is the preferred version for group/kind.
          if (i === 0 || !byGk.has(`${group}/${kind}`)) byGk.set(`${group}/${kind}`, info);
        }
      }
    }
    this.byGvk = byGvk;
    this.byGk = byGk;
    this.loadedAt = Date.now();
    this.info = undefined;
  }

  private async ensure(): Promise<void> {
    await (this.loaded ??= this.load());
  }

  /** The resource serving apiVersion/kind; refreshes once if unknown (at most once a second), then throws UnknownKindError. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo> {
    await this.ensure();
    const { group, version } = parseApiVersion(apiVersion);
    const key = `${group}/${version}/${kind}`;
    let info = this.byGvk.get(key);
    if (!info && Date.now() - this.loadedAt > 1000) {
      await this.refresh();
      info = this.byGvk.get(key);
    }
    if (!info) throw new UnknownKindError(apiVersion, kind);
    return info;
  }

  /**
   * Waits until the API server serves apiVersion/kind (a CRD just established can take a moment to show in
   * discovery), refreshing as it goes; throws UnknownKindError after `timeoutMs`.
   */
  async waitForKind(apiVersion: string, kind: string, timeoutMs = 30_000): Promise<ResourceInfo> {
    const deadline = Date.now() + timeoutMs;
    for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
      await this.refresh();
      const { group, version } = parseApiVersion(apiVersion);
      const info = this.byGvk.get(`${group}/${version}/${kind}`);
      if (info) return info;
      if (Date.now() > deadline) throw new UnknownKindError(apiVersion, kind);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** The preferred version's resource for a group/kind (no version known, e.g. from a ResourceKey). */
  async resourceForGroupKind(group: string, kind: string): Promise<ResourceInfo | undefined> {
    await this.ensure();
    return this.byGk.get(`${group}/${kind}`);
  }

  /** Every group/kind's preferred-version resource (loads discovery if needed). */
  async preferredResources(): Promise<ResourceInfo[]> {
    await this.ensure();
    return [...this.byGk.values()];
  }

  /** Whether group/kind is namespaced, or undefined when unknown. Synchronous over the loaded cache. */
  isNamespaced(group: string, kind: string): boolean | undefined {
    return this.byGk.get(`${group}/${kind}`)?.namespaced;
  }

  /** "major.minor" and the list of group/versions, for Helm's --kube-version and --api-versions. */
  serverInfo(): Promise<{ gitVersion: string; apiVersions: string[] }> {
    this.info ??= this.readServerInfo();
    this.info.catch(() => (this.info = undefined));
    return this.info;
  }

  private async readServerInfo(): Promise<{ gitVersion: string; apiVersions: string[] }> {
    await this.ensure();
    const v = await this.client.request<{ gitVersion: string }>({ path: "/version" });
    const gvs = new Set<string>();
    for (const info of this.byGvk.values()) {
      const gv = info.group ? `${info.group}/${info.version}` : info.version;
      gvs.add(gv);
      gvs.add(`${gv}/${info.kind}`);
    }
    return { gitVersion: v.gitVersion, apiVersions: [...gvs].sort() };
  }
}

/** The URL path of a resource collection or object. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const prefix = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${prefix}${ns}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ""}`;
}
