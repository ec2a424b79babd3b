/** The Application checks, on the fixture repositories' manifests: the controller's own readings. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { fixture } from "../../helpers/paths.js";
import type { KubeObject } from "../../../src/core/object.js";
import { checkProject, checkResources, objectFindings, readApp, skippedChecks } from "../../../src/validate/apps.js";

const load = (repo: string, file: string): Record<string, unknown> => parse(readFileSync(fixture("validate", repo, file), "utf8"), { version: "1.1" }) as Record<string, unknown>;
const projects: Record<string, unknown> = { restricted: load("defects", "apps/project.yaml"), platform: load("clean", "apps/project.yaml") };
const lookup = (name: string): unknown => projects[name];

function configMap(annotations: Record<string, string>, namespace = "team-a"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace, annotations } };
}

describe("validate Application checks", () => {
  it("reads a clean Application: no finding, the source the controller renders", () => {
    const r = readApp(load("clean", "apps/web.yaml"));
    assert.deepEqual(r.findings, []);
    assert.equal(r.source?.path, "charts/web");
    assert.deepEqual(r.source?.helm?.valueFiles, ["values.yaml", "../../envs/prod/web-values.yaml"]);
  });

  it("reports an unknown field as an app-spec error at its path", () => {
    const r = readApp(load("defects", "apps/bad-spec.yaml"));
    assert.deepEqual(
      r.findings.map((f) => [f.check, f.severity, f.path]),
      [["app-spec", "error", "spec.syncPolicy.automatd"]],
    );
    assert.match(r.findings[0]!.message, /did you mean automated/);
  });

  it("reports a field plumb does not implement as a warning, and an invalid spec as an error with no source to render", () => {
    const app = load("clean", "apps/plain.yaml");
    const spec = app.spec as Record<string, unknown>;
    const warned = readApp({ ...app, spec: { ...spec, syncPolicy: { managedNamespaceMetadata: { labels: { a: "b" } } } } });
    assert.deepEqual(warned.findings.map((f) => [f.check, f.severity, f.path]), [["app-spec", "warning", "spec.syncPolicy.managedNamespaceMetadata"]]);
    assert.ok(warned.source, "a warning does not stop the render");
    const invalid = readApp({ ...app, spec: { ...spec, destination: {} } });
    assert.deepEqual(invalid.findings.map((f) => [f.check, f.severity, f.path]), [["app-spec", "error", "spec.destination"]]);
    assert.equal(invalid.source, undefined);
  });

  it("reports a missing project, and the default project as always there", () => {
    const bad = load("defects", "apps/bad-project.yaml");
    const r = readApp(bad);
    const v = checkProject(bad, r.spec!, r.source!, lookup);
    assert.deepEqual(v.findings.map((f) => [f.check, f.path]), [["app-project", "spec.project"]]);
    const ok = load("defects", "apps/bad-render.yaml");
    const okRead = readApp(ok);
    assert.deepEqual(checkProject(ok, okRead.spec!, okRead.source!, lookup), { findings: [] });
  });

  it("reports a destination and a repository the project refuses", () => {
    const app = load("defects", "apps/bad-destination.yaml");
    const r = readApp(app);
    const v = checkProject(app, r.spec!, r.source!, lookup);
    assert.deepEqual(v.findings.map((f) => [f.check, f.path]), [["app-destination", "spec.destination"]]);
    const other = { ...r.source!, repoURL: "https://elsewhere.example.com/x.git" };
    const v2 = checkProject(app, r.spec!, other, lookup);
    assert.deepEqual(v2.findings.map((f) => [f.check, f.path]).sort(), [["app-destination", "spec.destination"], ["app-project", "spec.source.repoURL"]]);
  });

  it("reports rendered objects the project refuses: a namespace as app-destination, a kind as app-project", () => {
    const project = { name: "restricted", spec: { ...(projects.restricted as { spec: Record<string, unknown> }).spec, clusterResourceWhitelist: [] } };
    const destination = { server: "https://kubernetes.default.svc", namespace: "team-a" };
    const objects: KubeObject[] = [configMap({}), configMap({}, "kube-system"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } }];
    const f = checkResources(project as never, destination, objects);
    assert.deepEqual(f.map((x) => [x.check, x.object?.kind, x.object?.namespace ?? "", x.path ?? ""]), [
      ["app-destination", "ConfigMap", "kube-system", "metadata.namespace"],
      ["app-project", "Namespace", "", ""],
    ]);
  });

  it("reports sync waves that are not integers and hooks of unknown phases", () => {
    assert.deepEqual(objectFindings(configMap({ "argocd.argoproj.io/sync-wave": "-2", "argocd.argoproj.io/hook": "PreSync,PostSync" })), []);
    assert.deepEqual(
      objectFindings(configMap({ "plumb.dev/sync-wave": "1", "argocd.argoproj.io/sync-wave": "1.5" })).map((f) => [f.check, f.path]),
      [["sync-wave", "metadata.annotations[argocd.argoproj.io/sync-wave]"]],
    );
    assert.deepEqual(objectFindings(configMap({ "helm.sh/hook-weight": "x" })).map((f) => f.check), ["sync-wave"]);
    assert.deepEqual(objectFindings(configMap({ "argocd.argoproj.io/sync-wave": "2", "helm.sh/hook-weight": "x" })), [], "the sync wave wins over Helm's weight");
    assert.deepEqual(objectFindings(configMap({ "argocd.argoproj.io/hook": "PreSinc" })).map((f) => [f.check, f.path]), [["hook-phase", "metadata.annotations[argocd.argoproj.io/hook]"]]);
    assert.deepEqual(
      objectFindings(configMap({ "plumb.dev/hook": "Sync", "plumb.dev/hook-delete-policy": "Never" })).map((f) => [f.check, f.path]),
      [["hook-phase", "metadata.annotations[plumb.dev/hook-delete-policy]"]],
    );
  });

  it("reads the skip annotations, plumb's and kube-score's", () => {
    const ids = skippedChecks(configMap({ "plumb.dev/validate-skip": "sync-wave, hook-phase", "kube-score/ignore": "container-image-tag" }));
    assert.deepEqual([...ids].sort(), ["container-image-tag", "hook-phase", "sync-wave"]);
  });
});
