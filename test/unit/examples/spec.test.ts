/**
 * The example manifest and its text work (src/examples/spec.ts, catalog.ts): the schema refuses what it
 * must with the field named, the URL rewrite touches exactly the declared repositories' GitHub URLs, the
 * README section is cut at the right heading, waits resolve against the applied Applications, and every
 * shipped example loads.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { UsageError } from "../../../src/core/errors.js";
import { listExamples, loadExample } from "../../../src/examples/catalog.js";
import { parseExampleSpec, readmeSection, resolveWaits, rewriteRepoURLs } from "../../../src/examples/spec.js";
import { repoRoot } from "../../helpers/paths.js";

const minimal = "description: d\nrepositories: [{name: gitops, dir: .}]\napply: [a.yaml]\n";

describe("example.yaml", () => {
  it("fills the defaults: argoCompat false, branches [main], wait []", () => {
    const spec = parseExampleSpec(minimal, "x");
    assert.equal(spec.argoCompat, false);
    assert.deepEqual(spec.repositories, [{ name: "gitops", dir: ".", branches: ["main"] }]);
    assert.deepEqual(spec.wait, []);
  });
  const refused: Array<[string, string, RegExp]> = [
    ["an unknown key", `${minimal}tries: 1\n`, /tries/],
    ["an unknown repository key", "description: d\nrepositories: [{name: g, dir: ., url: x}]\napply: [a.yaml]\n", /repositories\.0.*url/],
    ["a path out of the folder", "description: d\nrepositories: [{name: g, dir: ../x}]\napply: [a.yaml]\n", /repositories\.0\.dir: must be a path inside/],
    ["an absolute apply path", "description: d\nrepositories: [{name: g, dir: .}]\napply: [/etc/passwd]\n", /apply\.0: must be a path inside/],
    ["a bad branch", "description: d\nrepositories: [{name: g, dir: ., branches: ['-x']}]\napply: [a.yaml]\n", /branches\.0/],
    ["a repository twice", "description: d\nrepositories: [{name: g, dir: .}, {name: g, dir: a}]\napply: [a.yaml]\n", /"g" is declared twice/],
    ["no repositories", "description: d\nrepositories: []\napply: [a.yaml]\n", /repositories/],
    ["a two-line description", 'description: "a\\nb"\nrepositories: [{name: g, dir: .}]\napply: [a.yaml]\n', /description: must be one line/],
    ["not YAML", "description: [\n", /not valid YAML/],
    ["an empty file", "", /description/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(() => parseExampleSpec(text, "examples/x/example.yaml"), (err: unknown) => err instanceof UsageError && /examples\/x\/example\.yaml/.test(err.message) && message.test(err.message));
    });
  }
});

describe("rewriteRepoURLs", () => {
  const urls = new Map([["gitops", "http://127.0.0.1:9/gitops.git"]]);
  it("rewrites the declared repository's GitHub URL, everywhere in the text", () => {
    const { text, unknown } = rewriteRepoURLs("a: https://github.com/plumb-examples/gitops.git\n# clone https://github.com/plumb-examples/gitops.git\n", urls);
    assert.equal(text, "a: http://127.0.0.1:9/gitops.git\n# clone http://127.0.0.1:9/gitops.git\n");
    assert.deepEqual(unknown, []);
  });
  it("leaves other URLs alone: other owners, no .git, a longer name; reports undeclared repositories", () => {
    const input = [
      "https://github.com/argoproj/gitops.git",
      "https://github.com/plumb-examples/gitops",
      "https://github.com/plumb-examples/gitops.github",
      "https://github.com/plumb-examples/gitops-config.git",
    ].join("\n");
    const { text, unknown } = rewriteRepoURLs(input, urls);
    assert.equal(text, input);
    assert.deepEqual(unknown, ["gitops-config"]);
  });
});

describe("readmeSection", () => {
  const md = ["# Title", "intro", "## What to try", "step 1", "```sh", "# a comment, not a heading", "```", "### Detail", "more", "## Files", "x"].join("\n");
  it("is the section's body up to the next heading of its level, sub-sections and code comments included", () => {
    assert.equal(readmeSection(md, "what to try"), ["step 1", "```sh", "# a comment, not a heading", "```", "### Detail", "more"].join("\n"));
  });
  it("runs to the end when it is the last section, and is undefined when absent", () => {
    assert.equal(readmeSection(md, "Files"), "x");
    assert.equal(readmeSection(md, "Nope"), undefined);
  });
});

describe("resolveWaits", () => {
  const applied = [{ apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "root", namespace: "argocd" } }];
  it("takes an applied app's namespace and group; a child takes the first applied app's; namespace/name is kept", () => {
    assert.deepEqual(resolveWaits(["root", "child", "other/x"], applied), [
      { group: "argoproj.io", namespace: "argocd", name: "root" },
      { group: "argoproj.io", namespace: "argocd", name: "child" },
      { group: "argoproj.io", namespace: "other", name: "x" },
    ]);
  });
  it("refuses a wait when nothing applied is an Application", () => {
    assert.throws(() => resolveWaits(["x"], [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }]), UsageError);
  });
});

describe("the catalog", () => {
  const temp = mkdtempSync(join(tmpdir(), "plumb-examples-"));
  after(() => rmSync(temp, { recursive: true, force: true }));
  it("loads every shipped example (its folders and files exist) and lists them with their descriptions", () => {
    const listed = listExamples(join(repoRoot, "examples"));
    assert.ok(listed.some((e) => e.name === "visit-counter") && listed.some((e) => e.name === "app-of-apps"), JSON.stringify(listed));
    for (const e of listed) {
      assert.equal(e.valid, true, `${e.name}: ${e.description}`);
      assert.ok(loadExample(e.name, join(repoRoot, "examples")).readme?.includes("## What to try"), `${e.name}'s README has a What to try section`);
    }
    assert.equal(listed.some((e) => e.name === "guestbook"), false, "guestbook (no example.yaml) is plain demo's chart, not an example");
  });
  it("refuses an unknown name with the list, and a manifest naming a missing file", () => {
    mkdirSync(join(temp, "good"));
    writeFileSync(join(temp, "good", "example.yaml"), minimal);
    writeFileSync(join(temp, "good", "a.yaml"), "");
    mkdirSync(join(temp, "broken"));
    writeFileSync(join(temp, "broken", "example.yaml"), minimal);
    assert.throws(() => loadExample("nosuch", temp), /no example "nosuch"[\s\S]*the examples are: broken, good/);
    assert.throws(() => loadExample("../good", temp), /no example/);
    assert.throws(() => loadExample("broken", temp), /apply: "a\.yaml" is not a file of the example/);
    assert.equal(loadExample("good", temp).spec.description, "d");
    assert.deepEqual(listExamples(temp).map((e) => [e.name, e.valid]), [["broken", false], ["good", true]]);
  });
});
