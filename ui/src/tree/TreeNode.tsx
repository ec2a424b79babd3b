/**
 * What one node of the tree shows: a resource (kind label, name, health and sync badges, its info items
 * compactly, hook and prune marks), a group of siblings ("37 Pods" and how many have each health), or the
 * app itself at the root. Positioned absolutely by the canvas; selection and focus are the canvas's.
 */
import type { Application, ResourceNode } from "../api/types";
import { StatusBadge } from "../components/StatusBadge";
import { healthLook, syncLook } from "../status";
import { infoText } from "./format";
import { kindPlural, kindShort } from "./kinds";
import { NODE_H, NODE_W, type Placed } from "./layout";

interface Common {
  id: string;
  placed: Placed;
  active: boolean;
  selected: boolean;
  onClick: () => void;
}

const box = (p: Placed) => ({ left: p.x, top: p.y, width: NODE_W, height: NODE_H });
const cls = (base: string, active: boolean, selected: boolean) => `${base}${active ? " rt-active" : ""}${selected ? " rt-selected" : ""}`;

/** A resource's node. */
export function ResourceNodeCard({ id, placed, active, selected, onClick, node, appKey }: Common & { node: ResourceNode; appKey: string }) {
  const info = infoText(node);
  return (
    <div
      id={id}
      role="treeitem"
      aria-level={placed.depth + 1}
      aria-selected={selected}
      aria-label={`${node.kind} ${node.name}${node.health ? `, ${node.health.status}` : ""}${node.status ? `, ${node.status}` : ""}`}
      className={cls(`rt-node${node.health?.status === "Missing" ? " rt-missing" : ""}`, active, selected)}
      style={box(placed)}
      data-node-key={placed.key}
      data-kind={node.kind}
      data-health={node.health?.status ?? ""}
      data-parent-key={placed.parentKey === undefined || placed.parentKey.startsWith("@") ? appKey : placed.parentKey}
      onClick={onClick}
    >
      <span className="rt-kind" title={node.kind}>
        {kindShort(node.kind)}
      </span>
      <span className="rt-body">
        <span className="rt-name" title={`${node.kind} ${node.namespace ? `${node.namespace}/` : ""}${node.name}`}>
          {node.name}
        </span>
        <span className="rt-meta">
          {node.health && <StatusBadge look={healthLook(node.health.status)} />}
          {node.status && <StatusBadge look={syncLook(node.status)} />}
          {node.hook && (
            <span className="rt-mark" title="A hook: run by a sync, not kept in sync">
              hook
            </span>
          )}
          {node.requiresPruning && (
            <span className="rt-mark rt-prune" title="Not in Git any more: a sync with prune deletes it">
              prune
            </span>
          )}
          {info && (
            <span className="rt-info" title={(node.info ?? []).map((i) => `${i.name}: ${i.value}`).join("\n")}>
              {info}
            </span>
          )}
        </span>
      </span>
    </div>
  );
}

/** A group of siblings of one kind: its count and its health counts; opens into its members. */
export function GroupNodeCard({ id, placed, active, selected, onClick }: Common) {
  if (placed.type !== "group") return null;
  const count = placed.members.length.toLocaleString("en");
  return (
    <div
      id={id}
      role="treeitem"
      aria-level={placed.depth + 1}
      aria-selected={selected}
      aria-expanded={false}
      aria-label={`${count} ${kindPlural(placed.kind)}, grouped; Enter shows them`}
      className={cls("rt-node rt-group", active, selected)}
      style={box(placed)}
      data-group={placed.kind}
      data-group-key={placed.key}
      onClick={onClick}
      title="Show each one"
    >
      <span className="rt-kind" title={placed.kind}>
        {kindShort(placed.kind)}
      </span>
      <span className="rt-body">
        <span className="rt-name">
          {count} {kindPlural(placed.kind)}
        </span>
        <span className="rt-meta">
          {[...placed.health].map(([status, n]) =>
            status ? (
              <span key={status} className="badge" style={{ color: healthLook(status).colour }} title={`${n} ${status}`}>
                <span aria-hidden="true">{healthLook(status).icon}</span> {n} {status}
              </span>
            ) : null,
          )}
          {placed.outOfSync > 0 && (
            <span className="badge" style={{ color: syncLook("OutOfSync").colour }}>
              <span aria-hidden="true">{syncLook("OutOfSync").icon}</span> {placed.outOfSync} OutOfSync
            </span>
          )}
        </span>
      </span>
    </div>
  );
}

/** The app at the root of the tree. */
export function AppNodeCard({ id, placed, active, selected, onClick, app, appKey }: Common & { app: Application; appKey: string }) {
  const health = app.status?.health?.status;
  const sync = app.status?.sync?.status;
  return (
    <div
      id={id}
      role="treeitem"
      aria-level={1}
      aria-selected={selected}
      aria-label={`Application ${app.metadata.name}`}
      className={cls("rt-node rt-app", active, selected)}
      style={box(placed)}
      data-node-key={appKey}
      data-kind="Application"
      data-health={health ?? ""}
      data-root="true"
      onClick={onClick}
    >
      <span className="rt-kind" title="Application">
        app
      </span>
      <span className="rt-body">
        <span className="rt-name">{app.metadata.name}</span>
        <span className="rt-meta">
          <StatusBadge look={healthLook(health)} />
          <StatusBadge look={syncLook(sync)} />
        </span>
      </span>
    </div>
  );
}
