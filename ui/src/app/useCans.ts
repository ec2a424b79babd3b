/**
 * `useCan` for a list of RBAC objects at once (hooks can't be called in a loop): the very query of
 * api/hooks.ts `useCan` (canQuery), so an answer asked for either way is cached and shared once.
 */
import { useQueries } from "@tanstack/react-query";
import { answer, canQuery } from "../api/hooks";

/** Whether the caller may `action` `resource` on each of `objects` (undefined while unknown), in order. */
export function useCans(resource: string, action: string, objects: readonly string[]): Array<boolean | undefined> {
  return useQueries({ queries: objects.map((object) => canQuery(resource, action, object)), combine: (results) => results.map((r) => answer(r.data)) });
}
