/** Revision resolution over a snapshot of refs: Argo CD's order (HEAD, ref, branch, tag, SHA), nearby names, ref diffs. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { diffRefs, editDistance, nearbyRevisions, parseForEachRef, resolveFromRefs } from "../../../src/git/resolve.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
const refs = new Map([
  ["HEAD", A],
  ["refs/heads/main", A],
  ["refs/heads/develop", B],
  ["refs/heads/release-1.2", B],
  ["refs/heads/both", A],
  ["refs/tags/both", C],
  ["refs/tags/v1.2.0", C],
  ["refs/tags/v1.3.0", B],
]);

describe("resolveFromRefs", () => {
  const cases: Array<[string, ReturnType<typeof resolveFromRefs>]> = [
    ["", { kind: "ref", ref: "HEAD", sha: A }],
    ["HEAD", { kind: "ref", ref: "HEAD", sha: A }],
    ["main", { kind: "ref", ref: "refs/heads/main", sha: A }],
    [" develop ", { kind: "ref", ref: "refs/heads/develop", sha: B }],
    ["v1.2.0", { kind: "ref", ref: "refs/tags/v1.2.0", sha: C }],
    ["both", { kind: "ref", ref: "refs/heads/both", sha: A }],
    ["refs/tags/both", { kind: "ref", ref: "refs/tags/both", sha: C }],
    [B.toUpperCase(), { kind: "sha", sha: B, abbreviated: false }],
    ["abcdef1", { kind: "sha", sha: "abcdef1", abbreviated: true }],
    ["abc", { kind: "unknown" }],
    ["mian", { kind: "unknown" }],
    ["refs/heads/nope", { kind: "unknown" }],
  ];
  for (const [revision, want] of cases) {
    it(`"${revision}" → ${want.kind === "ref" ? want.ref : want.kind}`, () => {
      assert.deepEqual(resolveFromRefs(refs, revision), want);
    });
  }

  it("a branch wins over a tag of the same name, a name over a SHA-like string", () => {
    const m = new Map([["refs/heads/deadbeef", A]]);
    assert.deepEqual(resolveFromRefs(m, "deadbeef"), { kind: "ref", ref: "refs/heads/deadbeef", sha: A });
  });

  it("HEAD of an empty repository is unknown", () => {
    assert.deepEqual(resolveFromRefs(new Map(), "HEAD"), { kind: "unknown" });
  });
});

describe("nearbyRevisions", () => {
  it("lists the closest branches and tags first, labelled", () => {
    assert.deepEqual(nearbyRevisions(refs, "mian", 2), ["main (branch)", "both (branch)"]);
    assert.equal(nearbyRevisions(refs, "v1.2")[0], "v1.2.0 (tag)");
    assert.equal(nearbyRevisions(refs, "release")[0], "release-1.2 (branch)");
  });
  it("caps the list and ignores HEAD", () => {
    assert.equal(nearbyRevisions(refs, "x", 3).length, 3);
    assert.ok(!nearbyRevisions(refs, "HEAD", 10).some((s) => s.startsWith("HEAD")));
  });
  it("edit distance", () => {
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("main", "main"), 0);
  });
});

describe("diffRefs", () => {
  it("reports moved, new and deleted refs only", () => {
    const before = new Map([["refs/heads/main", A], ["refs/heads/gone", B], ["refs/tags/v1", C]]);
    const after = new Map([["refs/heads/main", B], ["refs/heads/new", A], ["refs/tags/v1", C]]);
    assert.deepEqual(diffRefs(before, after), [
      { ref: "refs/heads/gone", oldSha: B },
      { ref: "refs/heads/main", oldSha: A, newSha: B },
      { ref: "refs/heads/new", newSha: A },
    ]);
    assert.deepEqual(diffRefs(after, new Map(after)), []);
  });
});

describe("parseForEachRef", () => {
  it("peels annotated tags and sets aside tags of non-commits", () => {
    const out = [
      `${A} commit   refs/heads/main`,
      `${B} tag ${C} commit refs/tags/v1`,
      `${C} commit   refs/tags/light`,
      `${B} tag ${A} tag refs/tags/nested`,
      `${B} tag ${A} tree refs/tags/of-tree`,
      "",
    ].join("\n");
    const { refs: parsed, unpeeled } = parseForEachRef(out);
    assert.deepEqual([...parsed], [["refs/heads/main", A], ["refs/tags/v1", C], ["refs/tags/light", C]]);
    assert.deepEqual(unpeeled, ["refs/tags/nested", "refs/tags/of-tree"]);
  });
});
