/** Repository URL matching and targetRevision matching, as tables. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  repoMatchKey,
  pushMatchesSource,
  sameRepository,
  tracksRevision,
  type PushEvent,
} from "../../../src/webhooks/index.js";

describe("sameRepository", () => {
  const same: [string, string][] = [
    ["git@github.com:org/repo.git", "https://github.com/org/repo"],
    ["https://github.com/org/repo.git", "https://github.com/org/repo/"],
    ["https://GitHub.com/Org/Repo", "https://github.com/org/repo"],
    ["https://user:token@github.com/org/repo.git", "https://github.com/org/repo"],
    ["ssh://git@github.com/org/repo.git", "git@github.com:org/repo"],
    ["ssh://git@git.acme.example:2222/acme/guestbook.git", "https://git.acme.example/acme/guestbook"],
    ["git://github.com/org/repo.git", "https://github.com/org/repo"],
    ["http://127.0.0.1:8080/repo.git", "http://127.0.0.1:8080/repo"],
    ["git@gitlab.acme.example:platform/apps/guestbook.git", "https://gitlab.acme.example/platform/apps/guestbook.git"],
    ["github.com:org/repo", "https://github.com/org/repo.git"],
    ["  https://github.com/org/repo  ", "https://github.com/org/repo"],
    ["file:///srv/git/repo.git", "/srv/git/repo"],
  ];
  for (const [a, b] of same) {
    it(`${a} ≡ ${b}`, () => {
      assert.equal(sameRepository(a, b), true);
      assert.equal(sameRepository(b, a), true);
    });
  }

  const different: [string, string][] = [
    ["https://github.com/org/repo", "https://github.com/org/repo2"],
    ["https://github.com/org/repo", "https://gitlab.com/org/repo"],
    ["https://github.com/org/repo", "https://github.com/other/repo"],
    ["git@gitlab.com:group/sub/repo.git", "https://gitlab.com/group/repo"],
    ["https://github.com/org/repo.git.git", "https://github.com/org/repo"],
    ["", ""],
  ];
  for (const [a, b] of different) {
    it(`${JSON.stringify(a)} ≢ ${JSON.stringify(b)}`, () => {
      assert.equal(sameRepository(a, b), false);
    });
  }

  it("normalizes to host/path", () => {
    assert.equal(repoMatchKey("git@GitHub.com:Org/Repo.git/"), "github.com/org/repo");
    assert.equal(repoMatchKey("https://[::1]:3000/org/repo.git"), "::1/org/repo");
  });
});

describe("tracksRevision", () => {
  const branch: PushEvent = { provider: "github", repoURLs: [], ref: "refs/heads/main", branch: "main", defaultBranch: "main" };
  const feature: PushEvent = { ...branch, ref: "refs/heads/feature/x", branch: "feature/x" };
  const tag: PushEvent = { provider: "gitlab", repoURLs: [], ref: "refs/tags/v1.4.2", tag: "v1.4.2" };
  const noDefault: PushEvent = { provider: "bitbucket", repoURLs: [], ref: "refs/heads/develop", branch: "develop" };

  const table: [string, PushEvent, string | undefined, boolean][] = [
    ["HEAD follows the default branch", branch, "HEAD", true],
    ["an empty revision is HEAD", branch, undefined, true],
    ["HEAD ignores other branches", feature, "HEAD", false],
    ["HEAD ignores tags", tag, "", false],
    ["HEAD matches any branch when the default is unknown", noDefault, "HEAD", true],
    ["a branch by name", feature, "feature/x", true],
    ["a branch by full ref", feature, "refs/heads/feature/x", true],
    ["a branch by heads/ ref", feature, "heads/feature/x", true],
    ["another branch", feature, "main", false],
    ["a tag by name", tag, "v1.4.2", true],
    ["a tag by full ref", tag, "refs/tags/v1.4.2", true],
    ["a tag does not move a branch of another name", tag, "main", false],
    ["a branch push does not match refs/tags/ of the same name", branch, "refs/tags/main", false],
    ["a version constraint matches tag pushes", tag, "1.4.*", true],
    ["a caret constraint matches tag pushes", tag, "^1.4.0", true],
    ["a constraint does not match branch pushes", branch, ">=1.0.0", false],
    ["a commit SHA never moves", branch, "6b1f5c3e0d2a4f7e9c8b1a2d3e4f5a6b7c8d9e0f", false],
  ];
  for (const [name, event, rev, expected] of table) {
    it(name, () => assert.equal(tracksRevision(event, rev), expected));
  }
});

describe("pushMatchesSource", () => {
  const event: PushEvent = {
    provider: "github",
    repoURLs: ["https://github.com/acme/guestbook.git", "git@github.com:acme/guestbook.git"],
    ref: "refs/heads/main",
    branch: "main",
    defaultBranch: "main",
  };
  it("needs both the repository and the revision", () => {
    assert.equal(pushMatchesSource(event, { repoURL: "https://github.com/ACME/guestbook", targetRevision: "main" }), true);
    assert.equal(pushMatchesSource(event, { repoURL: "ssh://git@github.com/acme/guestbook", targetRevision: "HEAD" }), true);
    assert.equal(pushMatchesSource(event, { repoURL: "https://github.com/acme/guestbook", targetRevision: "develop" }), false);
    assert.equal(pushMatchesSource(event, { repoURL: "https://github.com/acme/other", targetRevision: "main" }), false);
  });
});
