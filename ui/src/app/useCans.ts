/**
 * `useCan` for a list of RBAC objects at once (hooks can't be called in a loop): the same query — key
 * `keys.can(resource, action, object)`, the same can-i request, the same 30 s freshness — as api/hooks.ts
 * `useCan`, so an answer asked for either way is cached and shared once.
 */
import { useQueries } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { keys } from "../api/hooks";

/** Per object, whether the caller may `action` it (undefined until the server answered). */
export function useCans(resource: string, action: string, objects: readonly string[]): Array<boolean | undefined> {
  return useQueries({
    queries: objects.map((object) => ({
      queryKey: keys.can(resource, action, object),
      queryFn: () => call(api.GET("/api/v1/account/can-i/{resource}/{action}/{subresource}", { params: { path: { resource, action, subresource: object } } })),
      staleTime: 30_000,
    })),
    combine: (results) => results.map((r) => (r.data === undefined ? undefined : r.data.value === "yes")),
  });
}
