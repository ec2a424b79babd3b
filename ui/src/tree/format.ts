/** How a resource's details are written in a node or a row: its info items at a glance, its age. */
import type { ResourceNode } from "../api/types";

/** The info items worth a glance: every value but the Pod's node, joined ("Running · 1/1"). */
export function infoText(node: Pick<ResourceNode, "info">): string {
  return (node.info ?? [])
    .filter((i) => i.name !== "Node")
    .map((i) => i.value)
    .join(" · ");
}

/** How long ago an ISO time was, the way kubectl says it: 45s, 12m, 5h, 3d ("" when unknown). */
export function age(iso: string | undefined, now: number): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "";
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
