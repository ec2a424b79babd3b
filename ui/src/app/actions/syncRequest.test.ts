import { describe, expect, it } from "vitest";
import type { ResourceStatus } from "../../api/types";
import { nodeKey } from "../../tree/keys";
import { quickChoice, syncRequest, type SyncChoices } from "./syncRequest";

const res = (kind: string, name: string, status: string, group = "", namespace = "ns"): ResourceStatus => ({ group, version: "v1", kind, namespace, name, status }) as ResourceStatus;
const resources = [res("ConfigMap", "a", "Synced"), res("Deployment", "web", "OutOfSync", "apps"), res("Namespace", "ns", "OutOfSync", "", "")];
const base = (selected: Set<string>): SyncChoices => ({ revision: "main", prune: false, dryRun: false, force: false, applyOutOfSyncOnly: false, selected });

describe("the Sync panel's request", () => {
  it("syncs the whole app (no resources listed) when every resource is chosen", () => {
    const out = syncRequest(base(quickChoice(resources, "all")), resources);
    expect(out).toEqual({ request: { revision: "main" } });
  });

  it("lists the chosen subset, with group and namespace only where they have one", () => {
    const out = syncRequest(base(quickChoice(resources, "outOfSync")), resources);
    expect(out).toEqual({ request: { revision: "main", resources: [{ group: "apps", version: "v1", kind: "Deployment", name: "web", namespace: "ns" }, { version: "v1", kind: "Namespace", name: "ns" }] } });
  });

  it("maps the options: prune, dry run, force (apply strategy) and ApplyOutOfSyncOnly", () => {
    const out = syncRequest({ ...base(quickChoice(resources, "all")), revision: "  v2 ", prune: true, dryRun: true, force: true, applyOutOfSyncOnly: true }, resources);
    expect(out).toEqual({ request: { revision: "v2", prune: true, dryRun: true, strategy: { apply: { force: true } }, syncOptions: { items: ["ApplyOutOfSyncOnly=true"] } } });
  });

  it("refuses to sync nothing, and sends no revision when it is blank", () => {
    expect(syncRequest(base(new Set()), resources)).toHaveProperty("problem");
    expect(syncRequest({ ...base(new Set()), revision: " " }, [])).toEqual({ request: {} });
  });

  it("tells resources apart by group, kind, namespace and name", () => {
    expect(new Set(resources.map((r) => nodeKey(r))).size).toBe(3);
    expect(nodeKey(res("ConfigMap", "a", "Synced", "", "x"))).not.toBe(nodeKey(res("ConfigMap", "a", "Synced", "", "y")));
    expect(quickChoice(resources, "none").size).toBe(0);
  });
});
