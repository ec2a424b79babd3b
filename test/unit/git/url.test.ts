/** Repository URLs: one normal form per repository; credentials taken out of URLs; safe display. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { displayURL, isSshURL, mirrorDirName, normalizeRepoURL, splitCredentials } from "../../../src/git/url.js";

describe("normalizeRepoURL", () => {
  const same: Array<[string, string]> = [
    ["https://GitHub.com/org/App.git", "https://github.com/org/App"],
    ["https://github.com/org/App/", "https://github.com/org/App"],
    ["https://github.com/org/App.git/", "https://github.com/org/App"],
    ["https://user:pw@github.com/org/App", "https://github.com/org/App"],
    ["http://127.0.0.1:8080/app.git", "http://127.0.0.1:8080/app"],
    ["git@GitHub.com:org/app.git", "git@github.com:org/app"],
    ["ssh://git@GitHub.com:22/org/app.git", "ssh://git@github.com:22/org/app"],
    ["/srv/git/app.git/", "/srv/git/app"],
  ];
  for (const [input, want] of same) it(`${input} → ${want}`, () => assert.equal(normalizeRepoURL(input), want));

  it("keeps the case of the path (servers may be case-sensitive)", () => {
    assert.notEqual(normalizeRepoURL("https://h/org/App"), normalizeRepoURL("https://h/org/app"));
  });
});

describe("credentials in URLs", () => {
  it("takes user and password out of an HTTPS URL", () => {
    assert.deepEqual(splitCredentials("https://dev:s%40cret@host/app.git"), { url: "https://host/app.git", username: "dev", password: "s@cret" });
    assert.deepEqual(splitCredentials("https://host/app.git"), { url: "https://host/app.git" });
    assert.deepEqual(splitCredentials("git@host:org/app.git"), { url: "git@host:org/app.git" });
  });
  it("keeps the SSH user, drops a password", () => {
    assert.deepEqual(splitCredentials("ssh://git:pw@host/app"), { url: "ssh://git@host/app", username: "git", password: "pw" });
  });
  it("displays URLs without passwords", () => {
    assert.equal(displayURL("https://dev:s3cret@host/app"), "https://dev:***@host/app");
    assert.equal(displayURL("https://host/app"), "https://host/app");
  });
  it("recognizes SSH addresses", () => {
    assert.equal(isSshURL("git@github.com:org/app.git"), true);
    assert.equal(isSshURL("ssh://git@github.com/org/app.git"), true);
    assert.equal(isSshURL("https://github.com/org/app.git"), false);
    assert.equal(isSshURL("/srv/git/app"), false);
  });
  it("names mirror folders readably and uniquely", () => {
    const a = mirrorDirName("https://github.com/org/app");
    assert.match(a, /^github.com_org_app-[0-9a-f]{12}\.git$/);
    assert.notEqual(a, mirrorDirName("https://github.com/org_app"));
  });
});
