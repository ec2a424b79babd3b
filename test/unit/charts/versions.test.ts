/** Version selection as Argo CD and Helm do it: exact, highest in range, prereleases only when asked for. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { selectVersion } from "../../../src/charts/versions.js";

const available = ["0.9.0", "1.0.0", "1.2.0", "1.2.5", "1.3.0-rc.1", "1.10.0", "2.0.0-beta.1", "v2.1.0", "not-semver"];

describe("selectVersion", () => {
  const cases: Array<[string, string | undefined]> = [
    ["1.2.0", "1.2.0"],
    ["=1.2.0", "1.2.0"],
    ["v1.2.5", "1.2.5"],
    ["2.1.0", "v2.1.0"],
    ["1.2.x", "1.2.5"],
    ["1.2", "1.2.5"],
    ["^1.2", "1.10.0"],
    ["~1.2.0", "1.2.5"],
    [">=1.0.0 <1.3.0", "1.2.5"],
    [">=1.0, <1.3", "1.2.5"],
    ["*", "v2.1.0"],
    ["", "v2.1.0"],
    ["latest", "v2.1.0"],
    ["<1.0.0", "0.9.0"],
    [">=3.0.0", undefined],
    ["1.3.0-rc.1", "1.3.0-rc.1"],
    [">=1.3.0-0 <1.4.0", "1.3.0-rc.1"],
    ["^1.3.0-rc.0", "1.10.0"],
    [">=2.0.0-0", "v2.1.0"],
    ["<2.1.0-0", "2.0.0-beta.1"], // a constraint naming a prerelease admits every prerelease (Masterminds)
    ["not-semver", "not-semver"],
    ["garbage range !!", undefined],
    ["1.4.0", undefined],
  ];
  for (const [revision, want] of cases) {
    it(`"${revision}" selects ${want ?? "nothing"}`, () => assert.equal(selectVersion(available, revision), want));
  }

  it("excludes prereleases from a range that names none, even when only prereleases match", () => {
    assert.equal(selectVersion(["1.0.0-rc.1", "1.0.0-rc.2"], ">=1.0.0-0"), "1.0.0-rc.2");
    assert.equal(selectVersion(["1.0.0-rc.1", "1.0.0-rc.2"], "*"), undefined);
    assert.equal(selectVersion(["1.0.0-rc.1", "1.0.0-rc.2"], "1.x"), undefined);
  });
});
