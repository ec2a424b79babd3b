/**
 * The list's view read from and written to the URL (react-router's search params): the one hook the page
 * and its controls share. Choices push a history entry (Back undoes a filter); typing replaces it.
 */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { parseQuery, writeQuery, type ListQuery } from "./query";

export type SetQuery = (next: ListQuery, opts?: { replace?: boolean }) => void;

/** The current view and a setter that writes it to the URL. */
export function useListQuery(): [ListQuery, SetQuery] {
  const [params, setParams] = useSearchParams();
  const q = useMemo(() => parseQuery(params), [params]);
  const set = useCallback<SetQuery>((next, opts) => setParams((prev) => writeQuery(next, prev), { replace: opts?.replace ?? false }), [setParams]);
  return [q, set];
}
