/**
 * The app's deployment history (status.history), newest first: each entry's id, revision, when it was
 * deployed and who started it. Every entry but the current one has Rollback, which asks to confirm
 * (with a prune choice) and then syncs to that entry's revision. plumb — like Argo CD — refuses a
 * rollback while automated sync is on; the dialog warns, and shows the server's own answer.
 */
import { useState, type FormEvent } from "react";
import { describeError } from "../api/client";
import { appObject, useCan } from "../api/hooks";
import { idOf, useRollback } from "../api/mutations";
import type { Application, RevisionHistory } from "../api/types";
import { Dialog } from "../components/Dialog";
import { Time } from "../components/Time";
import "./actions/actions.css";
import { FormFooter } from "../components/FormFooter";
import { ColumnHeads } from "../components/ColumnHeads";

/** The history table of `app`, with Rollback per entry. */
export function History({ app }: { app: Application }) {
  const object = appObject(app);
  // As the server's rollback route: `get`, and `rollback` or (as Argo CD) `sync`.
  const canGet = useCan("applications", "get", object);
  const canRollback = useCan("applications", "rollback", object);
  const canSync = useCan("applications", "sync", object);
  const mayRollback = canGet === true && (canRollback === true || canSync === true);
  const [target, setTarget] = useState<RevisionHistory>();
  const entries = [...(app.status?.history ?? [])].sort((a, b) => b.id - a.id);
  const current = entries[0]?.id;
  return (
    <section className="history" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {entries.length === 0 ? (
        <p className="muted">Nothing deployed yet: each sync adds an entry here.</p>
      ) : (
        <table className="history-table">
          <ColumnHeads columns={["ID", "Revision", "Deployed", "Initiated by", "Source", <span className="visually-hidden">Actions</span>]} />
          <tbody>
            {entries.map((h) => (
              <tr key={h.id} data-history-id={h.id}>
                <td>{h.id}</td>
                <td className="mono">{h.revision ?? h.revisions?.join(", ")}</td>
                <td>
                  <Time iso={h.deployedAt} />
                </td>
                <td>{h.initiatedBy?.automated ? "automated sync" : (h.initiatedBy?.username ?? "")}</td>
                <td className="mono">{h.source ? `${h.source.repoURL}${h.source.path ? ` ${h.source.path}` : ""}` : ""}</td>
                <td>
                  {h.id === current ? (
                    <span className="muted">current</span>
                  ) : (
                    mayRollback && (
                      <button type="button" onClick={() => setTarget(h)} aria-describedby={`history-rev-${h.id}`}>
                        Rollback
                      </button>
                    )
                  )}
                  <span id={`history-rev-${h.id}`} className="visually-hidden">
                    to entry {h.id}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {target && <RollbackDialog app={app} entry={target} onClose={() => setTarget(undefined)} />}
    </section>
  );
}

function RollbackDialog({ app, entry, onClose }: { app: Application; entry: RevisionHistory; onClose: () => void }) {
  const [prune, setPrune] = useState(false);
  const rollback = useRollback(idOf(app));
  const automated = app.spec.syncPolicy?.automated !== undefined && app.spec.syncPolicy.automated.enabled !== false;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    rollback.mutate({ id: entry.id, ...(prune ? { prune: true } : {}) }, { onSuccess: onClose });
  };
  return (
    <Dialog title={`Roll ${app.metadata.name} back to entry ${entry.id}`} onClose={onClose}>
      <form className="action-form" onSubmit={submit}>
        <p>
          Sync the app to revision <span className="mono">{entry.revision ?? "?"}</span>, deployed <Time iso={entry.deployedAt} />.
        </p>
        {automated && <p className="note">Automated sync is on: plumb refuses a rollback until it is turned off (Edit → clear “Automated sync”), since it would sync Git's revision again at once.</p>}
        <label>
          <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} /> Prune — delete resources that revision does not have
        </label>
        <FormFooter error={rollback.isError ? describeError(rollback.error) : undefined} submit="Roll back" pending={rollback.isPending} autoFocus onCancel={onClose} />
      </form>
    </Dialog>
  );
}
