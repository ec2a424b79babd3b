/**
 * The list's view read from and written to the URL (react-router's search params): the one hook the page
 * and its controls share. Choices push a history entry (Back undoes a filter); typing replaces it.
 *
 * The view is also held in state, set at once: the router applies a URL change in a transition, and a
 * control bound to the URL alone would show its old value until then (a checkbox unticks itself, typed
 * characters lag). A URL change that is not one of ours (Back, a link) is read back into the state.
 */
import { useCallback, useLayoutEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { parseQuery, writeQuery, type ListQuery } from "./query";

export type SetQuery = (next: ListQuery, opts?: { replace?: boolean }) => void;

/** The current view and a setter that shows it at once and writes it to the URL. */
export function useListQuery(): [ListQuery, SetQuery] {
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(() => parseQuery(params));
  const url = params.toString();
  const latest = useRef(params);
  latest.current = params;
  // Query strings written but not yet seen back from the router, oldest first.
  const pending = useRef<string[]>([]);
  const seen = useRef(url);
  useLayoutEffect(() => {
    if (url === seen.current) return;
    seen.current = url;
    const i = pending.current.indexOf(url);
    if (i >= 0) {
      pending.current.splice(0, i + 1);
      return;
    }
    pending.current = [];
    setQ(parseQuery(new URLSearchParams(url)));
  }, [url]);
  const set = useCallback<SetQuery>(
    (next, opts) => {
      const text = writeQuery(next, latest.current).toString();
      setQ(next);
      if (text === (pending.current.at(-1) ?? latest.current.toString())) return;
      pending.current.push(text);
      setParams(new URLSearchParams(text), { replace: opts?.replace ?? false });
    },
    [setParams],
  );
  return [q, set];
}
