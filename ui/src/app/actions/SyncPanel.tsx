/**
 * The Sync panel: what to sync and how — revision (the app's target by default), Prune, Dry run, Apply
 * out of sync only, Force — and which resources (a checklist of the app's resources with quick choices
 * All / Out of sync / None). Synchronize sends it and closes; a refusal is shown in the panel.
 */
import { useMemo, useState, type FormEvent } from "react";
import { describeError } from "../../api/client";
import { idOf, useSync } from "../../api/mutations";
import type { Application } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { StatusBadge } from "../../components/StatusBadge";
import { syncLook } from "../../status";
import { nodeKey } from "../../tree/keys";
import { quickChoice, syncRequest } from "./syncRequest";
import { FormFooter } from "../../components/FormFooter";

/** The Sync dialog of `app`. */
export function SyncPanel({ app, onClose }: { app: Application; onClose: () => void }) {
  const resources = useMemo(() => app.status?.resources ?? [], [app.status?.resources]);
  const [revision, setRevision] = useState(app.spec.source?.targetRevision ?? app.spec.sources?.[0]?.targetRevision ?? "HEAD");
  const [prune, setPrune] = useState(false);
  const [dryRun, setDryRun] = useState(false);
  const [force, setForce] = useState(false);
  const [applyOutOfSyncOnly, setApplyOutOfSyncOnly] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(() => quickChoice(resources, "all"));
  const [problem, setProblem] = useState<string>();
  const sync = useSync(idOf(app));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const built = syncRequest({ revision, prune, dryRun, force, applyOutOfSyncOnly, selected }, resources);
    if ("problem" in built) return setProblem(built.problem);
    setProblem(undefined);
    sync.mutate(built.request, { onSuccess: onClose });
  };
  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  return (
    <Dialog title={`Sync ${app.metadata.name}`} onClose={onClose} wide>
      <form className="action-form" onSubmit={submit} aria-label="Sync options">
        <label>
          Revision
          <input value={revision} onChange={(e) => setRevision(e.target.value)} spellCheck={false} />
        </label>
        <fieldset className="options">
          <legend>Options</legend>
          <Check label="Prune" hint="delete resources no longer in Git" checked={prune} onChange={setPrune} />
          <Check label="Dry run" hint="check without changing the cluster" checked={dryRun} onChange={setDryRun} />
          <Check label="Apply out of sync only" hint="skip resources already in sync" checked={applyOutOfSyncOnly} onChange={setApplyOutOfSyncOnly} />
          <Check label="Force" hint="delete and re-create resources that cannot be patched" checked={force} onChange={setForce} />
        </fieldset>
        <fieldset className="sync-resources">
          <legend>
            Resources <span className="muted">({selected.size} of {resources.length} chosen)</span>
          </legend>
          {resources.length === 0 ? (
            <p className="muted">No resources compared yet: the whole app is synced.</p>
          ) : (
            <>
              <div className="quick" role="group" aria-label="Choose resources">
                <button type="button" onClick={() => setSelected(quickChoice(resources, "all"))}>
                  All
                </button>
                <button type="button" onClick={() => setSelected(quickChoice(resources, "outOfSync"))}>
                  Out of sync
                </button>
                <button type="button" onClick={() => setSelected(quickChoice(resources, "none"))}>
                  None
                </button>
              </div>
              <ul className="checklist">
                {resources.map((r) => {
                  const id = nodeKey(r);
                  return (
                    <li key={id}>
                      <label>
                        <input type="checkbox" checked={selected.has(id)} onChange={(e) => toggle(id, e.target.checked)} data-resource={`${r.kind}/${r.name}`} />
                        <span className="kind">{r.kind}</span> {r.namespace ? <span className="muted">{r.namespace}/</span> : null}
                        {r.name} <StatusBadge look={syncLook(r.status)} />
                      </label>
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </fieldset>
        <FormFooter error={problem ?? (sync.isError ? describeError(sync.error) : undefined)} submit="Synchronize" pending={sync.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function Check({ label, hint, checked, onChange }: { label: string; hint: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label>
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> {label} <span className="muted">— {hint}</span>
    </label>
  );
}
