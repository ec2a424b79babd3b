/**
 * Creating an application: the "New application" button (shown to those the server lets create an app
 * in some project — it checks `applications, create, <project>/<name>`, so the button asks can-i for
 * `<project>/*` of each project) opens the editor in a dialog; Create posts it and opens the new app.
 */
import { lazy, Suspense, useState } from "react";
import { useNavigate } from "react-router";
import { useProjects } from "../api/hooks";
import { describeWriteError, useCreateApp } from "../api/mutations";
import { Dialog } from "../components/Dialog";
import { applyForm, emptyForm } from "./actions/appForm";
import "./actions/actions.css";
import { useCans } from "./useCans";

// The editor is loaded when first opened: the applications list's bundle holds only the button.
const AppEditor = lazy(() => import("./AppEditor").then((m) => ({ default: m.AppEditor })));

/** Whether the caller may create an app in some project, and which one to offer first ("default" if allowed). */
function useCreatable(): { can: boolean | undefined; project: string } {
  const projects = useProjects();
  const names = (projects.data?.items ?? []).map((p) => p.metadata.name);
  const answers = useCans("applications", "create", names.map((n) => `${n}/*`));
  if (projects.isPending) return { can: undefined, project: "default" };
  const allowed = names.filter((_, i) => answers[i] === true);
  if (allowed.length) return { can: true, project: allowed.includes("default") ? "default" : allowed[0]! };
  if (projects.isError || answers.every((a) => a !== undefined)) return { can: false, project: "default" };
  return { can: undefined, project: "default" };
}

/** The "New application" button and its editor dialog. */
export function NewAppButton() {
  const { can, project } = useCreatable();
  const [open, setOpen] = useState(false);
  if (can !== true) return null;
  return (
    <>
      <button type="button" className="primary new-app" onClick={() => setOpen(true)}>
        New application
      </button>
      {open && <NewAppDialog project={project} onClose={() => setOpen(false)} />}
    </>
  );
}

/** The editor of a new app, in a dialog. */
export function NewAppDialog({ project, onClose }: { project: string; onClose: () => void }) {
  const [initial] = useState(() => applyForm({}, emptyForm(project)) as unknown as Record<string, unknown>);
  const create = useCreateApp();
  const navigate = useNavigate();
  return (
    <Dialog title="New application" onClose={onClose} wide>
      <Suspense fallback={<p className="muted">Loading the editor…</p>}>
        <AppEditor
          initial={initial}
          mode="create"
          saving={create.isPending}
          error={create.isError ? describeWriteError(create.error, "create") : undefined}
          onCancel={onClose}
          onSave={(app) =>
            create.mutate(
              { app },
              {
                onSuccess: (made) => {
                  onClose();
                  void navigate(`/applications/${made.metadata.namespace ?? ""}/${made.metadata.name}`);
                },
              },
            )
          }
        />
      </Suspense>
    </Dialog>
  );
}
