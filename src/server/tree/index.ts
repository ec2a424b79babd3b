/**
 * tree — the resource tree of an Application (Argo CD's `resource-tree`): its managed resources and what
 * they own, with health and sync status per node. build.ts, info.ts and strip.ts are pure; children.ts
 * holds the watches. docs/adr/0005-resource-tree-watches.md says what is watched and what it costs.
 */
export { buildTree, changeAffects, CHILD_KINDS, descendantKinds, managedEntries, type ChildKind, type ManagedEntry } from "./build.js";
export { managedInformerFactory, MANAGED_BY_APP_INDEX, ResourceTrees, TreeUnavailableError, type ResourceTreesOptions, type TreeLogger } from "./children.js";
export { nodeDetails, podInfo } from "./info.js";
export { stripForTree } from "./strip.js";
export { ApplicationTree, InfoItem, ResourceNetworkingInfo, ResourceNode, ResourceRef, type TreeChange } from "./types.js";
