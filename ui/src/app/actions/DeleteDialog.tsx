/**
 * Deleting an app: the user types its name to confirm and chooses what happens to its resources —
 * a foreground cascade deletes them first, non-cascading leaves them in the cluster. Then the list.
 */
import { useState, type FormEvent } from "react";
import { flushSync } from "react-dom";
import { useNavigate } from "react-router";
import { describeError } from "../../api/client";
import { idOf, useDeleteApp } from "../../api/mutations";
import type { Application } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { FormFooter } from "../../components/FormFooter";

/** The confirm-by-name Delete dialog of `app`. */
export function DeleteDialog({ app, onClose }: { app: Application; onClose: () => void }) {
  const name = app.metadata.name;
  const [typed, setTyped] = useState("");
  const [cascade, setCascade] = useState(true);
  const del = useDeleteApp(idOf(app));
  const navigate = useNavigate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed !== name) return;
    // Leave the page at once, synchronously: the app's page must be gone before its stream reports the
    // app deleted (a page still up would ask for the app again, and find it gone).
    del.mutateAsync(cascade).then(
      () => flushSync(() => void navigate("/applications")),
      () => undefined, // shown from del.error
    );
  };
  return (
    <Dialog title={`Delete ${name}`} onClose={onClose}>
      <form className="action-form" onSubmit={submit}>
        <label>
          Type <strong>{name}</strong> to confirm
          <input data-autofocus value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} aria-describedby="delete-hint" />
        </label>
        <fieldset>
          <legend>Its resources</legend>
          <label>
            <input type="radio" name="cascade" checked={cascade} onChange={() => setCascade(true)} /> Foreground cascade — delete its resources too
          </label>
          <label>
            <input type="radio" name="cascade" checked={!cascade} onChange={() => setCascade(false)} /> Non-cascading — keep them in the cluster
          </label>
        </fieldset>
        <p id="delete-hint" className="muted">
          {typed && typed !== name ? "The name does not match yet." : "This cannot be undone."}
        </p>
        <FormFooter error={del.isError ? describeError(del.error) : undefined} submit="Delete application" tone="danger" pending={del.isPending} disabled={typed !== name} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
