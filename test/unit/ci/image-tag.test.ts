import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { imageTag } from "../../../src/ci/image-tag.js";

describe("imageTag: {short-sha}-{run-number}", () => {
  const sha = "5D6E7F8A9B0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E";
  it("reads GitHub Actions, GitLab and Jenkins environments", () => {
    assert.equal(imageTag({}, { GITHUB_SHA: sha, GITHUB_RUN_NUMBER: "17" }), "5d6e7f8-17");
    assert.equal(imageTag({}, { CI_COMMIT_SHA: sha, CI_PIPELINE_IID: "3" }), "5d6e7f8-3");
    assert.equal(imageTag({}, { GIT_COMMIT: sha, BUILD_NUMBER: "120" }), "5d6e7f8-120");
  });
  it("flags win over the environment; the length is chosen", () => {
    assert.equal(imageTag({ sha: "abcdef0123", run: "9", length: 10 }, { GITHUB_SHA: sha, GITHUB_RUN_NUMBER: "17" }), "abcdef0123-9");
  });
  it("says what is missing or wrong", () => {
    assert.throws(() => imageTag({}, {}), /no commit for the tag/);
    assert.throws(() => imageTag({ sha }, {}), /no run number/);
    assert.throws(() => imageTag({ sha: "main", run: "1" }, {}), /not a hexadecimal SHA/);
    assert.throws(() => imageTag({ sha, run: "x1" }, {}), /not a number/);
  });
});
