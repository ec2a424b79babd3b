import { describe, expect, it } from "vitest";
import { dump, load } from "js-yaml";
import { parse } from "yaml";
import { applyForm, emptyForm, formOf, metadataChanged, parseAppYaml, validate, yamlProblem } from "./appForm";

const filled = { ...emptyForm("team"), name: "guestbook", repoURL: "https://git.example.com/apps.git", targetRevision: "main", path: "guestbook", destNamespace: "web", automated: true, prune: true, selfHeal: false, createNamespace: true };

describe("the app editor's form", () => {
  it("writes the form into an Application and reads the same form back", () => {
    const app = applyForm({}, filled);
    expect(app).toMatchObject({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "guestbook" },
      spec: { project: "team", source: { repoURL: "https://git.example.com/apps.git", targetRevision: "main", path: "guestbook" }, destination: { server: "https://kubernetes.default.svc", namespace: "web" }, syncPolicy: { automated: { prune: true, selfHeal: false }, syncOptions: ["CreateNamespace=true"] } },
    });
    expect(formOf(app)).toEqual(filled);
  });

  it("keeps what the form does not show, and drops what it turned off", () => {
    const before = { metadata: { name: "x", labels: { team: "a" } }, spec: { source: { repoURL: "r", helm: { valueFiles: ["v.yaml"] } }, ignoreDifferences: [{ kind: "Deployment" }], syncPolicy: { automated: { prune: true }, syncOptions: ["ServerSideApply=true", "CreateNamespace=true"] } } };
    const after = applyForm(before, { ...formOf(before), automated: false, prune: false, createNamespace: false, destKind: "name", destName: "prod" }) as unknown as typeof before & { spec: { destination: unknown } };
    expect(after.metadata.labels).toEqual({ team: "a" });
    expect(after.spec.source.helm).toEqual({ valueFiles: ["v.yaml"] });
    expect(after.spec.ignoreDifferences).toEqual([{ kind: "Deployment" }]);
    expect(after.spec.syncPolicy).toEqual({ syncOptions: ["ServerSideApply=true"] });
    expect(after.spec.destination).toEqual({ name: "prod" });
    expect(before.spec.syncPolicy.automated).toEqual({ prune: true }); // the input is not changed
  });

  it("accepts a complete form and names each missing or malformed field", () => {
    expect(validate(filled)).toEqual({});
    const errors = validate({ ...emptyForm(""), destServer: "", name: "Bad_Name", repoURL: "not a url", path: "../up", destNamespace: "-web" });
    expect(Object.keys(errors).sort()).toEqual(["destNamespace", "destServer", "name", "path", "project", "repoURL"]);
    expect(validate({ ...filled, name: "" }).name).toMatch(/name/);
    expect(validate({ ...filled, destNamespace: "a".repeat(64) }).destNamespace).toBeDefined();
    expect(validate({ ...filled, path: "" }).path).toBeDefined();
  });
});

describe("the app editor's YAML", () => {
  it("reports a parse error with its line and column", () => {
    const out = parseAppYaml("metadata:\n  name: x\nspec: [unclosed\n", load);
    expect("problem" in out && out.problem).toMatch(/^Line 4, column 1: /);
    const tab = parseAppYaml("metadata:\n\tname: x\n", load);
    expect("problem" in tab && tab.problem).toMatch(/^Line 2, column 1: /);
  });

  it("refuses what is not one Application", () => {
    expect(parseAppYaml("- a\n- b\n", load)).toHaveProperty("problem");
    expect(parseAppYaml("kind: ConfigMap\n", load)).toEqual({ problem: "kind must be Application, not ConfigMap." });
    expect(parseAppYaml("metadata: {name: x}\n", load)).toEqual({ value: { metadata: { name: "x" } } });
  });

  it("writes YAML another parser reads back to the same app", () => {
    const app = applyForm({ metadata: { labels: { team: "a" } }, spec: { source: { helm: { values: "a: 1\nb: 2\n" } } } }, filled);
    const text = dump(app, { lineWidth: -1, noRefs: true });
    expect(parse(text)).toEqual(app);
    const back = parseAppYaml(text, load);
    expect("value" in back && formOf(back.value)).toEqual(filled);
  });

  it("says an error without a position as it is", () => {
    expect(yamlProblem(new Error("boom"))).toBe("boom");
  });
});

describe("an edit's metadata", () => {
  const app = { metadata: { name: "x", namespace: "plumb", labels: { team: "a", tier: "web" } }, spec: { project: "p" } };
  it("is unchanged when only the spec, the name or the order of keys changed", () => {
    expect(metadataChanged(app, { ...app, spec: { project: "q" } })).toBe(false);
    expect(metadataChanged(app, { metadata: { labels: { tier: "web", team: "a" }, namespace: "plumb", name: "y" } })).toBe(false);
    expect(metadataChanged({ metadata: { name: "x" } }, { metadata: { name: "x", labels: {}, annotations: null } })).toBe(false);
  });
  it("is changed by a label or an annotation added, changed or removed", () => {
    expect(metadataChanged(app, { metadata: { ...app.metadata, labels: { team: "b", tier: "web" } } })).toBe(true);
    expect(metadataChanged(app, { metadata: { ...app.metadata, labels: { team: "a" } } })).toBe(true);
    expect(metadataChanged(app, { metadata: { ...app.metadata, annotations: { note: "n" } } })).toBe(true);
    expect(metadataChanged(app, { metadata: { name: "x", labels: app.metadata.labels } })).toBe(true);
  });
});
