/** The resource tree's public face: the view the app page shows, its parts, and the node keys of ?node=. */
export { ResourceView, type ResourceViewProps } from "./ResourceView";
export { ResourceTree, type ResourceTreeProps } from "./ResourceTree";
export { ResourceList, type ResourceListProps } from "./ResourceList";
export { nodeKey, parseNodeKey, type KeyRef } from "./keys";
export { buildForest, filterForest, type Forest, type TreeItem } from "./model";
