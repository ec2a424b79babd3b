/**
 * Applying a peer's own manifests (its CRDs from the module cache, Argo CD's default ConfigMaps) to a cluster,
 * and waiting until the API server serves the CRDs. Server-side apply under the field manager "plumb-peers",
 * so nothing here is mistaken for plumb's own writes.
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import type { Resources } from "../cluster/resources.js";
import type { KubeObject } from "../core/object.js";

const FIELD_MANAGER = "plumb-peers";

/** The objects of a multi-document YAML file (empty documents skipped); `namespace` is set where none is given. */
export function readObjects(file: string, namespace?: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as KubeObject | null;
    if (!obj || typeof obj !== "object" || !obj.kind) continue;
    if (namespace && obj.kind !== "CustomResourceDefinition" && !obj.metadata.namespace) obj.metadata.namespace = namespace;
    out.push(obj);
  }
  return out;
}

/** Applies every object of `files`; CRDs are then waited for until Established (at most `timeoutMs`). */
export async function applyFiles(resources: Resources, files: string[], opts: { namespace?: string; timeoutMs?: number } = {}): Promise<KubeObject[]> {
  const objects = files.flatMap((f) => readObjects(f, opts.namespace));
  for (const obj of objects) await resources.apply(obj, { fieldManager: FIELD_MANAGER, fieldValidation: "Ignore" });
  const crds = objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (const name of crds) {
    for (;;) {
      const live = await resources.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name });
      const conds = ((live?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []);
      if (conds.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${opts.timeoutMs ?? 30_000} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // Established is not yet served: wait until discovery lists each CRD's kind (refreshing as it goes).
  for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
    const spec = crd.spec as { group: string; names: { kind: string }; versions: Array<{ name: string; served: boolean }> };
    const version = spec.versions.find((v) => v.served)?.name;
    if (!version) continue;
    for (;;) {
      await resources.discovery.refresh();
      const served = await resources.discovery.resourceFor(`${spec.group}/${version}`, spec.names.kind).then(
        () => true,
        () => false,
      );
      if (served) break;
      if (Date.now() > deadline) throw new Error(`${spec.names.kind} (${spec.group}/${version}) is not served within ${opts.timeoutMs ?? 30_000} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return objects;
}
