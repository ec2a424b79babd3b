/**
 * The application editor: a form (name, project, repository, revision, path, destination, automated sync
 * with prune and self-heal, CreateNamespace) and the same app as YAML, kept in step — a form change
 * rewrites the YAML, a YAML edit that parses refills the form (fields the form does not show are kept).
 * js-yaml (the diff's YAML library too) is loaded on first use, so it stays out of the initial bundle. The form is checked
 * before anything is sent, with the message next to its field.
 *
 * `EditAppDialog` edits an existing app's spec (PUT …/spec); NewApp.tsx creates one with the same editor.
 * Since an edit saves only the spec, a YAML whose metadata (labels, annotations…) differs from the app's
 * is refused with a message next to the YAML — never saved with those changes silently dropped.
 */
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useProjects } from "../api/hooks";
import { describeWriteError, idOf, useUpdateSpec } from "../api/mutations";
import type { Application } from "../api/types";
import { Dialog } from "../components/Dialog";
import { applyForm, formOf, IN_CLUSTER, metadataChanged, parseAppYaml, validate, type AppForm, type FormErrors } from "./actions/appForm";
import "./actions/actions.css";
import { FormFooter } from "../components/FormFooter";

type Yaml = typeof import("js-yaml");

/** The object as the editor writes it: no line folding, no anchors. */
const dumpApp = (y: Yaml, obj: unknown) => y.dump(obj, { lineWidth: -1, noRefs: true });

export interface AppEditorProps {
  /** The object to start from (an app's editable part, or a new app). */
  initial: Record<string, unknown>;
  mode: "create" | "edit";
  /** Called with the whole object once the form is valid. */
  onSave: (obj: Application) => void;
  saving: boolean;
  /** The server's refusal, as a sentence. */
  error?: string;
  onCancel: () => void;
}

const METADATA_NOTE = "Only the spec is saved here; change labels and annotations with kubectl or in Git.";

/** The form + YAML editor of one Application. */
export function AppEditor({ initial, mode, onSave, saving, error, onCancel }: AppEditorProps) {
  const [yaml, setYaml] = useState<Yaml>();
  const [obj, setObj] = useState<Record<string, unknown>>(initial);
  const [form, setForm] = useState<AppForm>(() => formOf(initial));
  const [tab, setTab] = useState<"form" | "yaml">("form");
  const [text, setText] = useState("");
  const [yamlProblem, setYamlProblem] = useState<string>();
  const [errors, setErrors] = useState<FormErrors>({});
  const [tried, setTried] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  // Loaded lazily into an open dialog: focus the first field once here.
  useEffect(() => formRef.current?.querySelector<HTMLElement>("[data-autofocus]")?.focus(), []);

  useEffect(() => {
    let live = true;
    void import("js-yaml").then((m) => {
      if (!live) return;
      setYaml(m);
      setText(dumpApp(m, initial));
    });
    return () => {
      live = false;
    };
  }, [initial]);

  const change = (patch: Partial<AppForm>) => {
    const next = { ...form, ...patch };
    if (!next.automated) Object.assign(next, { prune: false, selfHeal: false });
    const nextObj = applyForm(obj, next) as unknown as Record<string, unknown>;
    setForm(next);
    setObj(nextObj);
    if (yaml) setText(dumpApp(yaml, nextObj));
    setYamlProblem(undefined);
    if (tried) setErrors(validate(next));
  };
  const editYaml = (value: string) => {
    setText(value);
    if (!yaml) return;
    const parsed = parseAppYaml(value, (t) => yaml.load(t));
    if ("problem" in parsed) return setYamlProblem(parsed.problem);
    setYamlProblem(undefined);
    setObj(parsed.value);
    const f = formOf(parsed.value);
    setForm(f);
    if (tried) setErrors(validate(f));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (yamlProblem || (mode === "edit" && metadataChanged(initial, obj))) return setTab("yaml");
    const found = validate(form);
    if (mode === "edit" && form.name !== formOf(initial).name) found.name = "An app cannot be renamed: create a new one instead.";
    setErrors(found);
    if (Object.keys(found).length) return setTab("form");
    onSave(applyForm(obj, form));
  };

  const problems = Object.keys(errors).length;
  const metaNote = mode === "edit" && metadataChanged(initial, obj) ? METADATA_NOTE : undefined;
  return (
    <form ref={formRef} className="action-form app-editor" onSubmit={submit} noValidate aria-label={mode === "create" ? "New application" : "Edit application"}>
      <div role="group" aria-label="Edit as" className="quick">
        <TabButton id="form" tab={tab} setTab={setTab}>
          Form
        </TabButton>
        <TabButton id="yaml" tab={tab} setTab={setTab}>
          YAML
        </TabButton>
      </div>
      {tab === "form" ? <FormFields form={form} errors={errors} change={change} mode={mode} /> : <YamlField text={text} loaded={yaml !== undefined} problem={yamlProblem ?? metaNote} onChange={editYaml} />}
      {tab === "form" && metaNote && (
        <p role="alert" className="error">
          The YAML changes the metadata: {METADATA_NOTE}
        </p>
      )}
      {tried && problems > 0 && (
        <p role="alert" className="error">
          {problems === 1 ? "One field needs fixing" : `${problems} fields need fixing`} (marked in the form).
        </p>
      )}
      <FormFooter error={error} submit={mode === "create" ? "Create" : "Save"} pending={saving} onCancel={onCancel} />
    </form>
  );
}

function TabButton({ id, tab, setTab, children }: { id: "form" | "yaml"; tab: string; setTab: (t: "form" | "yaml") => void; children: ReactNode }) {
  return (
    <button type="button" aria-pressed={tab === id} className={tab === id ? "primary" : undefined} onClick={() => setTab(id)}>
      {children}
    </button>
  );
}

function YamlField({ text, loaded, problem, onChange }: { text: string; loaded: boolean; problem?: string; onChange: (v: string) => void }) {
  const id = useId();
  if (!loaded) return <p className="muted">Loading the YAML editor…</p>;
  return (
    <label>
      Application YAML
      <textarea className="mono yaml-text" rows={22} value={text} onChange={(e) => onChange(e.target.value)} spellCheck={false} aria-invalid={problem ? true : undefined} aria-describedby={problem ? id : undefined} />
      {problem && (
        <span id={id} className="error field-error">
          {problem}
        </span>
      )}
    </label>
  );
}

function FormFields({ form, errors, change, mode }: { form: AppForm; errors: FormErrors; change: (p: Partial<AppForm>) => void; mode: "create" | "edit" }) {
  const projects = useProjects();
  const names = (projects.data?.items ?? []).map((p) => p.metadata.name);
  if (form.project && !names.includes(form.project)) names.push(form.project);
  return (
    <>
      <fieldset>
        <legend>General</legend>
        <Field label="Application name" error={errors.name}>
          {(a) => <input {...a} data-autofocus={mode === "create" ? true : undefined} value={form.name} readOnly={mode === "edit"} onChange={(e) => change({ name: e.target.value })} autoComplete="off" spellCheck={false} />}
        </Field>
        <Field label="Project" error={errors.project}>
          {(a) =>
            projects.isError ? (
              <input {...a} value={form.project} onChange={(e) => change({ project: e.target.value })} />
            ) : (
              <select {...a} value={form.project} onChange={(e) => change({ project: e.target.value })}>
                {!form.project && <option value="">Choose a project</option>}
                {names.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            )
          }
        </Field>
      </fieldset>
      <fieldset>
        <legend>Source</legend>
        <Field label="Repository URL" error={errors.repoURL}>
          {(a) => <input {...a} type="url" value={form.repoURL} onChange={(e) => change({ repoURL: e.target.value })} placeholder="https://git.example.com/team/apps.git" spellCheck={false} />}
        </Field>
        <Field label="Revision" error={errors.targetRevision}>
          {(a) => <input {...a} value={form.targetRevision} onChange={(e) => change({ targetRevision: e.target.value })} placeholder="HEAD, a branch, tag or commit" spellCheck={false} />}
        </Field>
        <Field label="Path" error={errors.path}>
          {(a) => <input {...a} value={form.path} onChange={(e) => change({ path: e.target.value })} placeholder="the directory of the manifests" spellCheck={false} />}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Destination</legend>
        <div role="radiogroup" aria-label="Cluster given by" className="quick">
          <label>
            <input type="radio" name="destKind" checked={form.destKind === "server"} onChange={() => change({ destKind: "server", destServer: form.destServer || IN_CLUSTER })} /> By URL
          </label>
          <label>
            <input type="radio" name="destKind" checked={form.destKind === "name"} onChange={() => change({ destKind: "name" })} /> By name
          </label>
        </div>
        {form.destKind === "server" ? (
          <Field label="Cluster URL" error={errors.destServer}>
            {(a) => <input {...a} value={form.destServer} onChange={(e) => change({ destServer: e.target.value })} spellCheck={false} />}
          </Field>
        ) : (
          <Field label="Cluster name" error={errors.destName}>
            {(a) => <input {...a} value={form.destName} onChange={(e) => change({ destName: e.target.value })} spellCheck={false} />}
          </Field>
        )}
        <Field label="Namespace" error={errors.destNamespace}>
          {(a) => <input {...a} value={form.destNamespace} onChange={(e) => change({ destNamespace: e.target.value })} spellCheck={false} />}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Sync policy</legend>
        <label>
          <input type="checkbox" checked={form.automated} onChange={(e) => change({ automated: e.target.checked })} /> Automated sync <span className="muted">— sync whenever Git changes</span>
        </label>
        <label>
          <input type="checkbox" checked={form.prune} disabled={!form.automated} onChange={(e) => change({ prune: e.target.checked })} /> Prune <span className="muted">— delete what Git no longer has</span>
        </label>
        <label>
          <input type="checkbox" checked={form.selfHeal} disabled={!form.automated} onChange={(e) => change({ selfHeal: e.target.checked })} /> Self-heal <span className="muted">— undo changes made in the cluster</span>
        </label>
        {errors.automated && <span className="error field-error">{errors.automated}</span>}
        <label>
          <input type="checkbox" checked={form.createNamespace} onChange={(e) => change({ createNamespace: e.target.checked })} /> Create namespace <span className="muted">— if the destination namespace is missing</span>
        </label>
      </fieldset>
    </>
  );
}

interface FieldAttrs {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

/** A labelled control with its message underneath (the control is rendered by `children`). */
function Field({ label, error, children }: { label: string; error?: string; children: (attrs: FieldAttrs) => ReactNode }) {
  const id = useId();
  const attrs: FieldAttrs = { id, ...(error ? { "aria-invalid": true as const, "aria-describedby": `${id}-error` } : {}) };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(attrs)}
      {error && (
        <span id={`${id}-error`} className="error field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** What of an app the editor shows: its identity and spec (no status, no server-written metadata). */
export function editable(app: Application): Record<string, unknown> {
  const m = app.metadata;
  return {
    apiVersion: app.apiVersion ?? "plumb.dev/v1alpha1",
    kind: app.kind ?? "Application",
    metadata: { name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}), ...(m.labels && Object.keys(m.labels).length ? { labels: m.labels } : {}), ...(m.annotations && Object.keys(m.annotations).length ? { annotations: m.annotations } : {}) },
    spec: app.spec,
  };
}

/** Edit `app`'s spec in a dialog; Save replaces it (PUT …/spec). */
export function EditAppDialog({ app, onClose }: { app: Application; onClose: () => void }) {
  const [initial] = useState(() => editable(app));
  const update = useUpdateSpec(idOf(app));
  return (
    <Dialog title={`Edit ${app.metadata.name}`} onClose={onClose} wide>
      <AppEditor initial={initial} mode="edit" saving={update.isPending} error={update.isError ? describeWriteError(update.error) : undefined} onCancel={onClose} onSave={(obj) => update.mutate(obj.spec, { onSuccess: onClose })} />
    </Dialog>
  );
}
