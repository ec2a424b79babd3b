/** How a resource's details are written in a node or a row: its info items at a glance (its age: components/time.ts). */
import type { ResourceNode } from "../api/types";

/** The info items worth a glance: every value but the Pod's node, joined ("Running · 1/1"). */
export function infoText(node: Pick<ResourceNode, "info">): string {
  return (node.info ?? [])
    .filter((i) => i.name !== "Node")
    .map((i) => i.value)
    .join(" · ");
}
