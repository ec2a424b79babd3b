/**
 * The API's shapes, named for the UI — every one an alias into schema.d.ts, which openapi-typescript
 * generates from the server's OpenAPI document (hack/gen-ui-api.sh). Nothing here is written by hand: a
 * field the server does not declare does not exist for the UI either.
 */
import type { components } from "./schema";

type S = components["schemas"];

export type Application = S["Application"];
export type ApplicationSpec = Application["spec"];
export type ApplicationStatus = NonNullable<Application["status"]>;
export type ApplicationSource = NonNullable<ApplicationSpec["source"]>;
export type OperationState = NonNullable<ApplicationStatus["operationState"]>;
export type ResourceResult = NonNullable<NonNullable<OperationState["syncResult"]>["resources"]>[number];
export type RevisionHistory = NonNullable<ApplicationStatus["history"]>[number];
export type ApplicationCondition = NonNullable<ApplicationStatus["conditions"]>[number];
export type ResourceStatus = NonNullable<ApplicationStatus["resources"]>[number];
export type ApplicationList = S["ApplicationList"];
export type ApplicationTree = S["ApplicationTree"];
export type ResourceNode = ApplicationTree["nodes"][number];
export type ManagedResources = S["ManagedResourcesResponse"];
export type ManagedResource = ManagedResources["items"][number];
export type ResourceResponse = S["ApplicationResourceResponse"];
export type Manifests = S["ManifestResponse"];
export type EventList = S["EventList"];
export type KubeObject = S["KubeObject"];
export type SyncRequest = S["ApplicationSyncRequest"];
export type RollbackRequest = S["ApplicationRollbackRequest"];
export type AppProject = S["AppProject"];
export type AppProjectList = S["AppProjectList"];
export type UserInfo = S["UserInfo"];
export type Settings = S["Settings"];
export type Version = S["Version"];
export type CanI = S["CanIResponse"];
export type RevisionMetadata = S["RevisionMetadata"];
export type Event = S["Event"];
