/**
 * What an application owns in the cluster: every object carrying its tracking label whose tracking
 * annotation names it exactly (core/tracking.ts). Found by listing each listable resource type by label,
 * concurrently; a type that cannot be listed (forbidden, gone) is skipped, which can only make plumb prune
 * less, never more.
 */
import { mapLimit } from "../core/concurrency.js";
import { TRACKING_LABEL } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import { isOwnedBy } from "../core/tracking.js";
import type { Resources } from "../cluster/resources.js";

/** Resource types never worth listing for owned objects: they are never applied from Git. */
const SKIP = new Set(["/Event", "events.k8s.io/Event", "/Binding", "/ComponentStatus", "coordination.k8s.io/Lease"]);

export async function ownedObjects(resources: Resources, app: string, concurrency = 16): Promise<KubeObject[]> {
  const types = (await resources.discovery.preferredResources()).filter((r) => r.verbs.includes("list") && !SKIP.has(`${r.group}/${r.kind}`));
  const lists = await mapLimit(types, concurrency, async (info) => {
    try {
      return (await resources.listResource(info, { labelSelector: `${TRACKING_LABEL}=${app}` })).items;
    } catch {
      return [];
    }
  });
  return lists.flat().filter((o) => isOwnedBy(o, app));
}
