import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compareObject, summarize } from "../../../src/diff/index.js";
import { previewMarkdown } from "../../../src/ci/preview.js";

const deploy = (replicas: number) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" }, spec: { replicas } });
const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "shop" }, data: { a: "1" } };

describe("previewMarkdown: a pull request's comment", () => {
  it("lists what a sync would change and shows each diff in a collapsed block", () => {
    const resources = [compareObject({ predicted: deploy(4), live: deploy(2) }), compareObject({ predicted: cm, live: cm })];
    const md = previewMarkdown({ app: "shop", revision: "5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e", asked: "feature/scale", resources, summary: summarize(resources) });
    assert.match(md, /^### plumb: `shop` at `5d6e7f8` \(feature\/scale\)$/m);
    assert.match(md, /A sync would change \*\*1\*\* of 2 resources/);
    assert.match(md, /^\| change \| Deployment \| shop \| web \|$/m);
    assert.doesNotMatch(md, /\| settings \|/, "an object in sync is not listed");
    assert.match(md, /<details><summary>Deployment shop\/web<\/summary>\n\n```diff\n/);
    assert.match(md, /^-\s+replicas: 2$/m);
    assert.match(md, /^\+\s+replicas: 4$/m);
  });

  it("says so when nothing would change", () => {
    const resources = [compareObject({ predicted: cm, live: cm })];
    const md = previewMarkdown({ app: "shop", revision: "abcdef0123", resources, summary: summarize(resources) });
    assert.match(md, /No change: a sync would leave the cluster as it is \(1 resource in sync\)/);
    assert.doesNotMatch(md, /```/);
  });

  it("a new object is a create; pipes in names do not break the table", () => {
    const resources = [compareObject({ predicted: { ...cm, metadata: { name: "a|b", namespace: "shop" } } })];
    const md = previewMarkdown({ app: "shop", resources, summary: summarize(resources) });
    assert.match(md, /at the local folder/);
    assert.match(md, /^\| create \| ConfigMap \| shop \| a\\\|b \|$/m);
  });
});
