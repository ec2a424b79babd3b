/**
 * The app page's resources: the tree or the list (buttons "Tree" and "List"; the choice in the URL as
 * ?view=tree|list), a filter box (kind or name holds the text), the counts, and the selected resource in
 * the URL as ?node=<group/kind/namespace/name> so a link opens with it selected. Live: useTree follows the
 * server's stream, and the layout keeps what did not change where it was.
 *
 * `onSelect` is told every selection (undefined when cleared), after the URL is updated; `selectedKey`
 * overrides the URL's ?node= when the page manages the selection itself.
 */
import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { describeError } from "../api/client";
import { useTree } from "../api/hooks";
import type { Application, ResourceNode } from "../api/types";
import { nodeKey } from "./keys";
import { buildForest, filterForest } from "./model";
import { ResourceList } from "./ResourceList";
import { ResourceTree } from "./ResourceTree";
import "./tree.css";

export { nodeKey, parseNodeKey } from "./keys";
export { ResourceList } from "./ResourceList";
export { ResourceTree } from "./ResourceTree";

export interface ResourceViewProps {
  app: Application;
  onSelect?: (node: ResourceNode | undefined) => void;
  selectedKey?: string;
}

/** The app's resources, as a tree or a list, filtered, with the selection in the URL. */
export function ResourceView({ app, onSelect, selectedKey }: ResourceViewProps) {
  const namespace = app.metadata.namespace ?? "";
  const name = app.metadata.name;
  const tree = useTree(namespace, name);
  const [params, setParams] = useSearchParams();
  const view = params.get("view") === "list" ? "list" : "tree";
  const selected = selectedKey ?? params.get("node") ?? undefined;
  const [filter, setFilter] = useState("");
  const text = useDeferredValue(filter);
  const nodes = tree.data?.nodes;
  const forest = useMemo(() => buildForest(nodes ?? []), [nodes]);
  const visible = useMemo(() => filterForest(forest, text), [forest, text]);

  // The benchmark's mark: the first time resources are in the page.
  const marked = useRef(false);
  const hasNodes = !!nodes && nodes.length > 0;
  useEffect(() => {
    if (!hasNodes || marked.current) return;
    marked.current = true;
    performance.mark("plumb:tree-ready");
  }, [hasNodes]);

  const setParam = (key: string, value: string | undefined) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value === undefined) next.delete(key);
        else next.set(key, value);
        return next;
      },
      { replace: true },
    );
  const select = (node: ResourceNode | undefined) => {
    setParam("node", node ? nodeKey(node) : undefined);
    onSelect?.(node);
  };

  if (tree.error) return <p role="alert" className="error">Could not load the resources: {describeError(tree.error)}</p>;
  if (!nodes) return <p className="muted">Loading the resources…</p>;
  if (nodes.length === 0) return <p className="muted rv-empty">The app has no resources yet — sync it.</p>;

  const total = forest.byKey.size;
  return (
    <section className="rv" aria-label="Resources">
      <div className="rv-bar">
        <div role="group" aria-label="View" className="rv-switch">
          {(["tree", "list"] as const).map((v) => (
            <button key={v} type="button" aria-pressed={view === v} onClick={() => setParam("view", v)}>
              {v === "tree" ? "Tree" : "List"}
            </button>
          ))}
        </div>
        <input type="search" aria-label="Filter resources by kind or name" placeholder="Filter by kind or name" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <span className="muted" aria-live="polite">
          {visible ? `${visible.size.toLocaleString("en")} of ${total.toLocaleString("en")} resources shown` : `${total.toLocaleString("en")} resources`}
        </span>
      </div>
      {visible && visible.size === 0 ? (
        <p className="muted">No resource's kind or name holds “{text}”. Clear the filter to see them all.</p>
      ) : view === "list" ? (
        <ResourceList forest={forest} visible={visible} selectedKey={selected} onSelect={select} />
      ) : (
        <ResourceTree app={app} forest={forest} visible={visible} selectedKey={selected} onSelect={select} />
      )}
    </section>
  );
}
