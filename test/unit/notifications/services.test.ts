/** Service payloads (pure parts): commit-status requests of GitHub, Gitea and GitLab; HMAC; Slack JSON. */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { commitStatusRequest, repoPath, signature, slackPayload } from "../../../src/notifications/index.js";

const sha = "0123456789abcdef0123456789abcdef01234567";
const n = { message: "Application web synced", status: { state: "success", label: "plumb/web", targetURL: "https://plumb/app", repoURL: "https://git.example.com/team/web.git", revision: sha } };

describe("notification services", () => {
  it("repository paths from Git URLs", () => {
    assert.equal(repoPath("https://github.com/o/r.git"), "o/r");
    assert.equal(repoPath("git@github.com:o/r.git"), "o/r");
    assert.equal(repoPath("ssh://git@host:2222/group/sub/r"), "group/sub/r");
    assert.equal(repoPath("https://host/only"), undefined);
  });
  it("GitHub: POST /repos/{owner}/{repo}/statuses/{sha}", () => {
    const r = commitStatusRequest("github", { token: "t", apiURL: "http://127.0.0.1:1/api/v3/" }, n, {});
    assert.equal(r.url, `http://127.0.0.1:1/api/v3/repos/team/web/statuses/${sha}`);
    assert.deepEqual(r.body, { state: "success", context: "plumb/web", description: "Application web synced", target_url: "https://plumb/app" });
    assert.equal(r.headers.Authorization, "Bearer t");
  });
  it("Gitea: POST /api/v1/repos/{owner}/{repo}/statuses/{sha}", () => {
    const r = commitStatusRequest("gitea", { token: "t", apiURL: "http://gitea" }, n, {});
    assert.equal(r.url, `http://gitea/api/v1/repos/team/web/statuses/${sha}`);
    assert.equal(r.headers.Authorization, "token t");
  });
  it("GitLab: POST /api/v4/projects/{path}/statuses/{sha}, GitHub's failure is failed", () => {
    const r = commitStatusRequest("gitlab", { token: "t" }, { ...n, status: { ...n.status, state: "failure" } }, {});
    assert.equal(r.url, `https://gitlab.com/api/v4/projects/team%2Fweb/statuses/${sha}`);
    assert.equal(r.body.state, "failed");
    assert.equal(r.body.name, "plumb/web");
    assert.equal(r.headers["PRIVATE-TOKEN"], "t");
  });
  it("falls back to the app's state; refuses a missing SHA or a bad state", () => {
    const r = commitStatusRequest("github", { token: "t" }, { message: "m" }, { state: "pending", repoURL: "https://h/o/r", revision: sha });
    assert.equal(r.body.state, "pending");
    assert.throws(() => commitStatusRequest("github", { token: "t" }, { message: "m" }, { state: "pending", repoURL: "https://h/o/r" }), /SHA/);
    assert.throws(() => commitStatusRequest("github", { token: "t" }, { message: "m", status: { state: "great" } }, { repoURL: "https://h/o/r", revision: sha }), /state/);
  });
  it("the HMAC header is sha256=<hex of HMAC-SHA256(secret, body)>", () => {
    assert.equal(signature("k", "{}"), `sha256=${createHmac("sha256", "k").update("{}").digest("hex")}`);
  });
  it("slack payloads parse attachments and blocks", () => {
    const p = slackPayload({ webhook: "https://hooks" }, { message: "m", slack: { attachments: '[{"title":"x"}]', blocks: "" } }, "#ch");
    assert.deepEqual(p, { text: "m", channel: "#ch", attachments: [{ title: "x" }] });
    assert.throws(() => slackPayload({ webhook: "https://hooks" }, { message: "m", slack: { attachments: "{not json" } }, ""));
  });
});
