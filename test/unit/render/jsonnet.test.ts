/** Jsonnet in directory sources, evaluated by the pinned go-jsonnet (plumb-jsonnet) as Argo CD evaluates it. */
import assert from "node:assert/strict";
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { envsubst } from "../../../src/render/buildenv.js";
import { errorLocation, objectsOfJson } from "../../../src/render/jsonnet.js";
import { render, toYamlStream } from "../../../src/render/index.js";
import { find, names, renderError, renderFixture, tempRepo } from "./support.js";

/** What Argo CD's jsonnet-guestbook-shaped fixture must render to, written by hand. */
const GUESTBOOK = `apiVersion: v1
kind: Service
metadata:
  name: guestbook-ui
  namespace: apps
spec:
  ports:
    - port: 80
      targetPort: 8080
  selector:
    app: guestbook-ui
  type: ClusterIP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook-ui
  namespace: apps
spec:
  replicas: 2
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app: guestbook-ui
  template:
    metadata:
      labels:
        app: guestbook-ui
    spec:
      containers:
        - image: registry.example/guestbook/ui:1.4
          name: guestbook-ui
          ports:
            - containerPort: 8080
`;

describe("Jsonnet in a directory source", () => {
  it("renders a guestbook (Service + Deployment from params.libsonnet) exactly as written by hand; the .libsonnet is not evaluated", async () => {
    const r = await renderFixture("jsonnet-guestbook");
    assert.equal(r.type, "directory");
    assert.deepEqual(r.files, ["jsonnet-guestbook/guestbook-ui.jsonnet"]);
    assert.equal(toYamlStream(r.objects), GUESTBOOK);
  });

  it("passes extVars and TLAs, strings and code, with the build environment substituted into their values", async () => {
    const r = await renderFixture(
      "jsonnet-vars",
      {
        directory: {
          jsonnet: {
            extVars: [
              { name: "env", value: "prod" },
              { name: "owner", value: "$ARGOCD_APP_NAME in ${ARGOCD_APP_NAMESPACE} at $ARGOCD_APP_REVISION_SHORT, $$5" },
              { name: "labels", value: "{ team: 'web', tier: std.asciiUpper('x') }", code: true },
            ],
            tlas: [
              { name: "tier", value: "frontend" },
              { name: "replicas", value: "1 + 2", code: true },
            ],
          },
        },
      },
      { revision: "0123456789abcdef0123456789abcdef01234567" },
    );
    const cm = find(r.objects, "ConfigMap", "settings-prod");
    assert.deepEqual(cm.metadata.labels, { team: "web", tier: "X" });
    assert.deepEqual(cm.data, { tier: "frontend", replicas: "3", owner: "demo in apps at 0123456, $5" });
  });

  it("a missing extVar is an evaluation error naming the file and line", async () => {
    const extVars = [
      { name: "owner", value: "me" },
      { name: "labels", value: "{}", code: true },
    ];
    const err = await renderError(renderFixture("jsonnet-vars", { directory: { jsonnet: { extVars, tlas: [{ name: "tier", value: "x" }] } } }));
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]!.file, "jsonnet-vars/main.jsonnet");
    assert.equal(err.problems[0]!.line, 6, "the line of std.extVar('env')");
    assert.match(err.problems[0]!.message, /Jsonnet evaluation failed: Undefined external variable: env/);
  });

  it("finds imports in the app folder and in libs, which are relative to the repository root", async () => {
    const r = await renderFixture("jsonnet-libs/app", { directory: { jsonnet: { libs: ["jsonnet-libs/lib"] } } });
    assert.deepEqual(find(r.objects, "ConfigMap", "from-lib").data, { greeting: "hello" });
    const without = await renderError(renderFixture("jsonnet-libs/app"));
    assert.equal(without.problems[0]!.file, "jsonnet-libs/app/app.jsonnet");
    assert.equal(without.problems[0]!.line, 2);
    assert.match(without.problems[0]!.message, /couldn't open import "k8s\/configmap\.libsonnet"/);
  });

  it("refuses a libs folder outside the repository", async () => {
    const err = await renderError(renderFixture("jsonnet-libs/app", { directory: { jsonnet: { libs: ["../.."] } } }));
    assert.match(err.message, /libs entry "\.\.\/\.\." is outside the repository/);
    const abs = await renderError(renderFixture("jsonnet-libs/app", { directory: { jsonnet: { libs: ["/usr/lib"] } } }));
    assert.match(abs.message, /is an absolute path outside the repository/);
  });

  it("an evaluation error is a RenderError naming the file and line; the other files' problems are reported too", async () => {
    const err = await renderError(renderFixture("jsonnet-error"));
    assert.equal(err.problems.length, 1, err.message);
    const p = err.problems[0]!;
    assert.equal(p.file, "jsonnet-error/broken.jsonnet");
    assert.equal(p.line, 6);
    assert.match(p.message, /Jsonnet evaluation failed: Unknown variable: missing/);
    assert.match(err.message, /jsonnet-error\/broken\.jsonnet:6:\d+: Jsonnet evaluation failed/);
  });

  it("refuses an import that escapes the repository, by absolute path or by '..'", async () => {
    const err = await renderError(renderFixture("jsonnet-escape"));
    assert.deepEqual(err.problems.map((p) => [p.file, p.line]), [
      ["jsonnet-escape/absolute.jsonnet", 1],
      ["jsonnet-escape/relative.jsonnet", 1],
    ]);
    assert.match(err.problems[0]!.message, /import "\/etc\/passwd" resolves outside the repository/);
    assert.match(err.problems[1]!.message, /import "\.\.\/\.\.\/\.\.\/\.\.\/package\.json" resolves outside the repository/);
    assert.doesNotMatch(err.message, /root:x:0/, "nothing of the file read leaks into the message");
  });

  it("refuses an import through a symlink leading out, even where the link is not the app folder's", async () => {
    const repo = await tempRepo("jsonnet-guestbook");
    try {
      await writeFile(join(repo.root, "jsonnet-guestbook", "guestbook-ui.jsonnet"), "(import '../vendor/x.libsonnet')");
      await writeFile(join(repo.outside, "x.libsonnet"), "{ stolen: true }");
      await symlink(repo.outside, join(repo.root, "vendor"));
      const err = await renderError(render({ repoRoot: repo.root, path: "jsonnet-guestbook", appName: "demo", destinationNamespace: "apps" }));
      assert.match(err.message, /import "\.\.\/vendor\/x\.libsonnet" resolves outside the repository/);
    } finally {
      await repo.cleanup();
    }
  });

  it("flattens a List, takes null as no object, and reports items that are not objects", async () => {
    const ok = await renderFixture("jsonnet-shapes", { directory: { exclude: "c-*" } });
    assert.deepEqual(names(ok.objects), ["ConfigMap in-list-1", "ConfigMap in-list-2"]);
    const err = await renderError(renderFixture("jsonnet-shapes"));
    assert.deepEqual(err.problems.map((p) => p.message), [
      "not Kubernetes objects: item 1 of the array it evaluates to is a string; a Jsonnet file must evaluate to an object, an array of objects or a List",
      "not Kubernetes objects: item 2 of the array it evaluates to is a list; a Jsonnet file must evaluate to an object, an array of objects or a List",
    ]);
  });

  it("is stopped at the render's time limit", async () => {
    const repo = await tempRepo("jsonnet-guestbook");
    try {
      await writeFile(join(repo.root, "jsonnet-guestbook", "guestbook-ui.jsonnet"), "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1); f(60)");
      const started = Date.now();
      const err = await renderError(render({ repoRoot: repo.root, path: "jsonnet-guestbook", appName: "demo", destinationNamespace: "apps", timeoutMs: 1000 }));
      assert.match(err.message, /jsonnet-guestbook\/guestbook-ui\.jsonnet: Jsonnet evaluation timed out after 1000 ms/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await repo.cleanup();
    }
  });

  it("refuses an ext var given twice", async () => {
    const err = await renderError(renderFixture("jsonnet-guestbook", { directory: { jsonnet: { extVars: [{ name: "a", value: "1" }, { name: "a", value: "2" }] } } }));
    assert.match(err.message, /extVars: "a" is given twice/);
  });
});

describe("Jsonnet helpers", () => {
  it("envsubst follows os.Expand as Argo CD uses it: known names, unknown → empty, $$ → $", () => {
    const vars = { A: "1", LONG_NAME: "x" };
    const cases: Array<[string, string]> = [
      ["$A", "1"],
      ["${A}b", "1b"],
      ["$Ab", ""],
      ["$LONG_NAME-y", "x-y"],
      ["$$A", "$A"],
      ["$UNKNOWN!", "!"],
      ["a$", "a$"],
      ["$ a", "$ a"],
      ["${unclosed", ""],
      ["$1x", "x"],
    ];
    for (const [input, want] of cases) assert.equal(envsubst(input, vars), want, input);
  });

  it("errorLocation reads go-jsonnet's runtime, static and multi-line locations", () => {
    assert.deepEqual(errorLocation("RUNTIME ERROR: boom\n\tapp/x.jsonnet:3:6-18\tobject <anonymous>"), { file: "app/x.jsonnet", line: 3, column: 6 });
    assert.deepEqual(errorLocation("app/d.jsonnet:3:3-4 Expected a comma"), { file: "app/d.jsonnet", line: 3, column: 3 });
    assert.deepEqual(errorLocation("RUNTIME ERROR: x\n\tlib/k.libsonnet:(2:5)-(4:1)\tfunction"), { file: "lib/k.libsonnet", line: 2, column: 5 });
    assert.deepEqual(errorLocation("RUNTIME ERROR: x\n\t<extvar:labels>:1:1-5\t"), { file: "<extvar:labels>", line: 1, column: 1 });
  });

  it("objectsOfJson: an object, an array, a List", () => {
    assert.equal(objectsOfJson('{"kind":"A"}', "f").objects.length, 1);
    assert.equal(objectsOfJson('[{"kind":"A"},{"kind":"B"}]', "f").objects.length, 2);
    assert.equal(objectsOfJson('{"kind":"ConfigMapList","items":[{"kind":"A"}]}', "f").objects.length, 1);
    assert.match(objectsOfJson('"s"', "f").problems[0]!.message, /it evaluates to a string/);
  });
});
