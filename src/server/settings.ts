/**
 * The server's settings live in Kubernetes, as Argo CD's do, in the namespace the server runs for:
 *
 *   ConfigMap plumb-cm        accounts (`accounts.<name>: apiKey, login`, `accounts.<name>.enabled`),
 *                             `admin.enabled`, `oidc.config` (YAML), `url` (the server's external URL)
 *   ConfigMap plumb-rbac-cm   `policy.csv`, `policy.default`, `scopes`
 *   Secret    plumb-secret    `server.secretkey` (the token signing key), `admin.password` (bcrypt),
 *                             `admin.passwordMtime`, `accounts.<name>.password`, `accounts.<name>.passwordMtime`,
 *                             `accounts.<name>.tokens` (JSON), `oidc.clientSecret` …
 *
 * They are read from watches (one informer of ConfigMaps and one of Secrets in that namespace), so a
 * change — a new policy line, a password changed by another replica — is seen within a watch event and no
 * request reads the cluster. `onChange` tells the RBAC and auth modules to reload.
 */
import { InformerFactory, type Informer } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import type { KubeObject } from "../core/object.js";

export const SETTINGS_CONFIGMAP = "plumb-cm";
export const RBAC_CONFIGMAP = "plumb-rbac-cm";
export const SETTINGS_SECRET = "plumb-secret";
/** Where the generated admin password is shown once (Argo CD: argocd-initial-admin-secret). */
export const INITIAL_ADMIN_SECRET = "plumb-initial-admin-secret";

export type SettingsObject = typeof SETTINGS_CONFIGMAP | typeof RBAC_CONFIGMAP | typeof SETTINGS_SECRET;

/** A string map of a ConfigMap's `data`, or of a Secret's `data` decoded from base64. */
export type StringMap = Record<string, string>;

export class Settings {
  private readonly factory: InformerFactory;
  private configMaps?: Informer;
  private secrets?: Informer;
  private readonly listeners: Array<(name: string) => void> = [];

  constructor(
    readonly resources: Resources,
    /** The namespace the settings objects live in. */
    readonly namespace: string,
  ) {
    this.factory = new InformerFactory(resources, { namespace });
  }

  /** Starts the watches; resolves once both caches hold their first list. */
  async start(): Promise<void> {
    this.configMaps = await this.factory.ensure("v1", "ConfigMap");
    this.secrets = await this.factory.ensure("v1", "Secret");
    const changed = (o: KubeObject): void => {
      for (const l of this.listeners) l(o.metadata.name);
    };
    this.factory.on("add", changed);
    this.factory.on("update", changed);
    this.factory.on("delete", changed);
    await this.factory.waitForSync();
  }

  stop(): Promise<void> {
    return this.factory.stop();
  }

  /** Called with the object's name whenever a ConfigMap or Secret of the namespace changes. */
  onChange(listener: (name: string) => void): void {
    this.listeners.push(listener);
  }

  /** A ConfigMap's data ({} when absent). */
  configMap(name: string): StringMap {
    const obj = this.configMaps?.get({ group: "", kind: "ConfigMap", namespace: this.namespace, name });
    return { ...((obj?.data as StringMap | undefined) ?? {}) };
  }

  /** A Secret's data decoded ({} when absent). */
  secret(name: string): StringMap {
    const obj = this.secretObject(name);
    const out: StringMap = {};
    for (const [k, v] of Object.entries((obj?.data as StringMap | undefined) ?? {})) out[k] = Buffer.from(v, "base64").toString("utf8");
    return out;
  }

  /** The Secret object as cached (for a conditional write: its resourceVersion). */
  secretObject(name: string): KubeObject | undefined {
    return this.secrets?.get({ group: "", kind: "Secret", namespace: this.namespace, name });
  }

  /**
   * Sets keys of a Secret (creating it if absent), with `null` removing a key; conditional on the cached
   * resourceVersion so two replicas do not overwrite each other (a 409 is thrown to the caller to retry).
   * Resolves once the watch cache has seen the write.
   */
  async writeSecret(name: string, values: Record<string, string | null>): Promise<void> {
    const live = this.secretObject(name);
    const data: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(values)) data[k] = v === null ? null : Buffer.from(v, "utf8").toString("base64");
    let written: KubeObject;
    if (!live) {
      const clean = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null)) as Record<string, string>;
      written = await this.resources.create({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: this.namespace, labels: { "app.kubernetes.io/part-of": "plumb" } }, type: "Opaque", data: clean } as KubeObject);
    } else {
      written = await this.resources.client.request<KubeObject>({
        method: "PATCH",
        path: `/api/v1/namespaces/${this.namespace}/secrets/${name}`,
        contentType: "application/merge-patch+json",
        body: { metadata: { resourceVersion: live.metadata.resourceVersion }, data },
      });
    }
    await this.seen(name, written.metadata.resourceVersion);
  }

  /** Waits (briefly) until the Secret cache holds `resourceVersion` or newer of `name`. */
  private async seen(name: string, resourceVersion: string | undefined): Promise<void> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const rv = this.secretObject(name)?.metadata.resourceVersion;
      if (rv && resourceVersion && BigInt(rv) >= BigInt(resourceVersion)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
