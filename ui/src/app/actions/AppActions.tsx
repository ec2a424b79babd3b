/**
 * The app page's toolbar: Sync (opens the Sync panel), Refresh, Hard refresh, Edit and Delete (Terminate
 * is the operation panel's, next to the running operation). A write button shows only once the server said (can-i) the user may
 * do it — never while that is unknown, so a read-only user sees none flash by; the server checks again.
 */
import { useState } from "react";
import { describeError } from "../../api/client";
import { appObject, useCan } from "../../api/hooks";
import { idOf, useRefresh, useTerminate } from "../../api/mutations";
import type { Application } from "../../api/types";
import { EditAppDialog } from "../AppEditor";
import { DeleteDialog } from "./DeleteDialog";
import { SyncPanel } from "./SyncPanel";
import "./actions.css";

/** The toolbar of actions on `app`. */
export function AppActions({ app }: { app: Application }) {
  const object = appObject(app);
  const canSync = useCan("applications", "sync", object);
  const canGet = useCan("applications", "get", object);
  const canDelete = useCan("applications", "delete", object);
  const canEdit = useCan("applications", "update", object);
  const [open, setOpen] = useState<"sync" | "delete" | "edit" | null>(null);
  const close = () => setOpen(null);
  return (
    <>
      <div className="app-actions" role="group" aria-label="Application actions">
        {canSync === true && (
          <button type="button" className="primary" onClick={() => setOpen("sync")}>
            Sync
          </button>
        )}
        {canGet === true && <RefreshButton app={app} mode="normal" />}
        {canGet === true && <RefreshButton app={app} mode="hard" />}
        {canEdit === true && (
          <button type="button" onClick={() => setOpen("edit")}>
            Edit
          </button>
        )}
        {canDelete === true && (
          <button type="button" className="danger" onClick={() => setOpen("delete")}>
            Delete
          </button>
        )}
      </div>
      {open === "sync" && <SyncPanel app={app} onClose={close} />}
      {open === "delete" && <DeleteDialog app={app} onClose={close} />}
      {open === "edit" && <EditAppDialog app={app} onClose={close} />}
    </>
  );
}

/** Refresh or Hard refresh: busy until the controller has compared again. */
export function RefreshButton({ app, mode }: { app: Application; mode: "normal" | "hard" }) {
  const refresh = useRefresh(idOf(app));
  const label = mode === "hard" ? "Hard refresh" : "Refresh";
  return (
    <span className="action">
      <button type="button" aria-busy={refresh.isPending} disabled={refresh.isPending} onClick={() => refresh.mutate(mode)} title={mode === "hard" ? "Render the manifests again (no cache) and compare" : "Compare the cluster with Git again"}>
        <span aria-hidden="true" className={refresh.isPending ? "spin" : undefined}>
          ⟳
        </span>{" "}
        {label}
      </button>
      <span role="status" className="action-status">
        {refresh.isPending ? `${label}ing…` : refresh.isSuccess ? "Compared again." : ""}
      </span>
      {refresh.isError && (
        <span role="alert" className="error">
          {describeError(refresh.error)}
        </span>
      )}
    </span>
  );
}

/** Terminate the running operation. */
export function TerminateButton({ app }: { app: Application }) {
  const terminate = useTerminate(idOf(app));
  return (
    <span className="action">
      <button type="button" className="danger" disabled={terminate.isPending} aria-busy={terminate.isPending} onClick={() => terminate.mutate()}>
        Terminate
      </button>
      {terminate.isError && (
        <span role="alert" className="error">
          {describeError(terminate.error)}
        </span>
      )}
    </span>
  );
}
