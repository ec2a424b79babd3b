/** Setting an image tag changes the value's bytes only: comments, order, quoting and the rest stay. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { fileKind, imageRepository, scalarText, setKustomizeImage, setManifestImage, setValuesKey } from "../../../src/ci/image-edit.js";

/** The text with `from` replaced by `to` once: what an edit of only that value must give. */
const only = (text: string, from: string, to: string): string => {
  assert.equal(text.split(from).length, 2, `"${from}" is in the fixture once`);
  return text.replace(from, to);
};

const VALUES = `# Values for the web app.
web:
  image:
    repository: registry.example/shop   # where CI pushes
    tag: "1a2b3c4-16"   # set by the pipeline
  replicaCount: 2

# Redis, untouched.
redis:
  tag: '7.4'
`;

describe("setValuesKey", () => {
  it("changes only the tag's bytes, keeping its double quotes and the comments around it", () => {
    const r = setValuesKey(VALUES, ["web", "image", "tag"], "5d6e7f8-17");
    assert.equal(r.text, only(VALUES, `"1a2b3c4-16"`, `"5d6e7f8-17"`));
    assert.equal(r.changed, true);
    assert.deepEqual(r.where, ["web.image.tag"]);
  });

  it("keeps single quotes; a plain value that would read as a number is quoted", () => {
    assert.equal(setValuesKey(VALUES, ["redis", "tag"], "7.6").text, only(VALUES, `'7.4'`, `'7.6'`));
    const plain = "image:\n  tag: old # c\n";
    assert.equal(setValuesKey(plain, ["image", "tag"], "new-1").text, "image:\n  tag: new-1 # c\n");
    assert.equal(setValuesKey(plain, ["image", "tag"], "1.28").text, 'image:\n  tag: "1.28" # c\n');
    assert.equal(parse(setValuesKey(plain, ["image", "tag"], "1.28").text).image.tag, "1.28", "reads back as the string");
  });

  it("is a no-op when the tag is already set, and a clear error for a missing key or a map", () => {
    const r = setValuesKey(VALUES, ["web", "image", "tag"], "1a2b3c4-16");
    assert.equal(r.changed, false);
    assert.equal(r.text, VALUES);
    assert.throws(() => setValuesKey(VALUES, ["image", "tag"], "x"), /no key image\.tag/);
    assert.throws(() => setValuesKey(VALUES, ["web", "image"], "x"), /not a single value/);
    assert.throws(() => setValuesKey("a: [", ["a"], "x"), /invalid YAML/);
  });
});

describe("edits that would not read back are refused or written safely", () => {
  it("an empty value gets its space; a block scalar or an anchored value is refused", () => {
    assert.equal(setValuesKey("image:\n  tag:\n  pull: Always\n", ["image", "tag"], "v2").text, "image:\n  tag: v2\n  pull: Always\n");
    assert.throws(() => setValuesKey("image:\n  tag: |\n    old\n  pull: Always\n", ["image", "tag"], "v2"), /block scalar/);
    assert.throws(() => setValuesKey("a: &t old\nimage:\n  tag: *t\n", ["a"], "v2"), /anchor/);
  });
  it("keeps CRLF line ends; quotes YAML 1.1 booleans Helm would misread", () => {
    const crlf = "image:\r\n  tag: old\r\n  pull: Always\r\n";
    assert.equal(setValuesKey(crlf, ["image", "tag"], "new").text, "image:\r\n  tag: new\r\n  pull: Always\r\n");
    assert.equal(setValuesKey("tag: old\n", ["tag"], "yes").text, 'tag: "yes"\n');
  });
  it("a kustomization entry is found by newName too; one pinned by digest is refused", () => {
    const k = "images:\n- name: shop\n  newName: reg.example/shop\n  newTag: v1\nresources: [a.yaml]\n";
    assert.equal(setKustomizeImage(k, "reg.example/shop", "v2").text, k.replace("newTag: v1", "newTag: v2"));
    assert.throws(() => setKustomizeImage("images:\n- name: shop\n  digest: sha256:abc\n", "shop", "v2"), /pins a digest/);
    const mid = "images:\n- name: a\n  newTag: '1'\nresources:\n- x.yaml\n";
    assert.deepEqual(parse(setKustomizeImage(mid, "b", "2").text), { images: [{ name: "a", newTag: "1" }, { name: "b", newTag: "2" }], resources: ["x.yaml"] });
  });
});

describe("setKustomizeImage", () => {
  const K = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml # the app
images:
  - name: registry.example/shop
    newTag: old-1 # bumped by CI
  - name: redis
`;
  it("sets an entry's newTag in place", () => {
    assert.equal(setKustomizeImage(K, "registry.example/shop", "new-2").text, only(K, "newTag: old-1", "newTag: new-2"));
  });
  it("adds newTag to an entry without one, at its keys' indentation", () => {
    const r = setKustomizeImage(K, "redis", "7.4.1");
    assert.equal(r.text, `${K}    newTag: 7.4.1\n`);
    assert.equal(parse(r.text).images[1].newTag, "7.4.1");
  });
  it("adds an entry when the image has none, and the list when the file has none", () => {
    const r = setKustomizeImage(K, "registry.example/other", "v3");
    assert.equal(r.text, `${K}  - name: registry.example/other\n    newTag: v3\n`);
    assert.deepEqual(parse(r.text).images[2], { name: "registry.example/other", newTag: "v3" });
    const bare = "resources:\n- a.yaml\n";
    assert.deepEqual(parse(setKustomizeImage(bare, "app", "1").text).images, [{ name: "app", newTag: "1" }]);
    assert.equal(setKustomizeImage(K, "registry.example/shop", "old-1").changed, false);
  });
});

describe("setManifestImage", () => {
  const M = `# two documents
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: registry.example/shop:v1.0   # same image
      containers:
        - name: app
          image: registry.example/shop:v1.0
        - name: sidecar
          image: registry.example/proxy:v1.0
---
apiVersion: v1
kind: ConfigMap
metadata: {name: notes}
data:
  image: registry.example/shop:v1.0
`;
  it("sets every container of the image, not another image, not a ConfigMap's data", () => {
    const r = setManifestImage(M, "registry.example/shop", "v2.0");
    const want = M.replace("image: registry.example/shop:v1.0   # same image", "image: registry.example/shop:v2.0   # same image").replace("          image: registry.example/shop:v1.0\n        - name: sidecar", "          image: registry.example/shop:v2.0\n        - name: sidecar");
    assert.equal(r.text, want);
    assert.deepEqual(r.where, ["Deployment/web migrate", "Deployment/web app"]);
    assert.equal(parseAllDocuments(r.text).length, 2);
  });
  it("an image no container uses is an error; the same tag is a no-op", () => {
    assert.throws(() => setManifestImage(M, "registry.example/nope", "v2"), /no container uses the image registry\.example\/nope/);
    assert.equal(setManifestImage(M, "registry.example/shop", "v1.0").changed, false);
  });
});

describe("image references and file kinds", () => {
  it("takes the repository without tag or digest, keeping a registry's port", () => {
    assert.equal(imageRepository("registry:5000/team/app:1.2"), "registry:5000/team/app");
    assert.equal(imageRepository("registry:5000/team/app"), "registry:5000/team/app");
    assert.equal(imageRepository("nginx@sha256:abc"), "nginx");
    assert.equal(scalarText("it's", "QUOTE_SINGLE"), "'it''s'");
  });
  it("tells the kind of file by its name or a key", () => {
    assert.equal(fileKind("k8s/base/kustomization.yaml", undefined), "kustomize");
    assert.equal(fileKind("helm/app/values-prod.yaml", undefined), "values");
    assert.equal(fileKind("helm/app/settings.yaml", "image.tag"), "values");
    assert.equal(fileKind("k8s/backend/deployment.yaml", undefined), "manifest");
  });
});
