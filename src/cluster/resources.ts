/**
 * Object verbs over the REST mapping: get, list, server-side apply (real or dry-run), create, replace,
 * delete. Every call names the object by its apiVersion/kind/namespace/name; the URL comes from discovery.
 *
 * Server-side apply is a PATCH with content type application/apply-patch+yaml (JSON is YAML), field
 * manager `plumb` and force=true: Git is the source of truth, so plumb takes over conflicting fields, as
 * Flux does (https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts).
 */
import { FIELD_MANAGER } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import { ApiError, type KubeClient } from "./client.js";
import { Discovery, resourcePath, type ResourceInfo } from "./discovery.js";

export interface ApplyOptions {
  dryRun?: boolean;
  /** Default true: plumb owns what Git says. */
  force?: boolean;
  /** Default "Strict": unknown or duplicate fields are errors. "Ignore" for Validate=false. */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
  fieldManager?: string;
}

export type PropagationPolicy = "Foreground" | "Background" | "Orphan";

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export class Resources {
  readonly discovery: Discovery;

  constructor(readonly client: KubeClient, discovery?: Discovery) {
    this.discovery = discovery ?? new Discovery(client);
  }

  private async path(ref: ObjectRef, withName = true): Promise<{ info: ResourceInfo; path: string }> {
    const info = await this.discovery.resourceFor(ref.apiVersion, ref.kind);
    return { info, path: resourcePath(info, ref.namespace, withName ? ref.name : undefined) };
  }

  /** The live object, or undefined when it does not exist. */
  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const { path } = await this.path(ref);
    try {
      return await this.client.request<KubeObject>({ path });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Lists one kind (all namespaces unless given), optionally by label selector; items get apiVersion/kind filled. */
  async list(apiVersion: string, kind: string, opts: { namespace?: string; labelSelector?: string } = {}): Promise<ListResult> {
    const info = await this.discovery.resourceFor(apiVersion, kind);
    return this.listResource(info, opts);
  }

  async listResource(info: ResourceInfo, opts: { namespace?: string; labelSelector?: string } = {}): Promise<ListResult> {
    const path = resourcePath(info, opts.namespace);
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let resourceVersion = "";
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    do {
      const page = await this.client.request<{ items: KubeObject[]; metadata: { continue?: string; resourceVersion: string } }>({
        path,
        query: { labelSelector: opts.labelSelector, limit: 500, continue: cont },
      });
      for (const it of page.items) items.push({ ...it, apiVersion, kind: info.kind });
      cont = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  /** Server-side apply; with dryRun the API server answers what the object would become, changing nothing. */
  async apply(obj: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
    const { path } = await this.path(refOf(obj));
    return this.client.request<KubeObject>({
      method: "PATCH",
      path,
      body: obj,
      contentType: "application/apply-patch+yaml",
      query: {
        fieldManager: opts.fieldManager ?? FIELD_MANAGER,
        force: opts.force ?? true,
        dryRun: opts.dryRun ? "All" : undefined,
        fieldValidation: opts.fieldValidation ?? "Strict",
      },
    });
  }

  /** Creates an object (hooks with generateName need this: apply requires a name). */
  async create(obj: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
    const { path } = await this.path(refOf(obj), false);
    return this.client.request<KubeObject>({
      method: "POST",
      path,
      body: obj,
      query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, dryRun: opts.dryRun ? "All" : undefined, fieldValidation: opts.fieldValidation ?? "Strict" },
    });
  }

  /** Replaces an object (Replace=true): a PUT at the live resourceVersion, or a create when absent. */
  async replace(obj: KubeObject, live: KubeObject | undefined, opts: ApplyOptions = {}): Promise<KubeObject> {
    if (!live) return this.create(obj, opts);
    const { path } = await this.path(refOf(obj));
    const body = { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion } };
    return this.client.request<KubeObject>({
      method: "PUT",
      path,
      body,
      query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, dryRun: opts.dryRun ? "All" : undefined, fieldValidation: opts.fieldValidation ?? "Strict" },
    });
  }

  /** Deletes an object; resolves false when it was already gone. */
  async delete(ref: ObjectRef, opts: { propagationPolicy?: PropagationPolicy; dryRun?: boolean } = {}): Promise<boolean> {
    const { path } = await this.path(ref);
    try {
      await this.client.request({
        method: "DELETE",
        path,
        body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: opts.propagationPolicy ?? "Background", dryRun: opts.dryRun ? ["All"] : undefined },
      });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return false;
      throw err;
    }
  }
}

/** The reference of an object. */
export function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}
