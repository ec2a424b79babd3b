/** Credential records and Argo CD's repository Secrets: which record applies to a repository, and parsing. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/core/object.js";
import { credentialsFromSecrets, parseCredentialSecret, selectCredentials, type RepoCredentials } from "../../../src/git/credentials.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

function secret(name: string, label: Record<string, string>, data: Record<string, string>, plain = false): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "argocd", labels: label },
    ...(plain ? { stringData: data } : { data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) }),
  };
}

describe("selectCredentials", () => {
  const records: RepoCredentials[] = [
    { url: "https://git.example.com/org", match: "prefix", username: "org-bot", password: "p-org" },
    { url: "https://git.example.com/org/team", match: "prefix", username: "team-bot", password: "p-team" },
    { url: "https://git.example.com/org/special.git", username: "special", password: "p-special" },
    { url: "https://git.example.com/org/team/plain", insecureSkipTLSVerify: true },
  ];
  it("prefers the exact repository record, in normal form", () => {
    assert.equal(selectCredentials(records, "https://GIT.example.com/org/special/")?.username, "special");
  });
  it("else takes the longest matching template", () => {
    assert.equal(selectCredentials(records, "https://git.example.com/org/team/app.git")?.username, "team-bot");
    assert.equal(selectCredentials(records, "https://git.example.com/org/other")?.username, "org-bot");
    assert.equal(selectCredentials(records, "https://elsewhere.example.com/org/app"), undefined);
  });
  it("an exact record without credentials inherits the template's and keeps its own options", () => {
    const c = selectCredentials(records, "https://git.example.com/org/team/plain");
    assert.equal(c?.username, "team-bot");
    assert.equal(c?.insecureSkipTLSVerify, true);
    assert.equal(c?.match, "exact");
  });
  it("an exact record is not a prefix", () => {
    assert.equal(selectCredentials(records, "https://git.example.com/org/special-2")?.username, "org-bot");
  });
});

describe("credentialsFromSecrets (Argo CD's repository Secrets)", () => {
  const argo = { "argocd.argoproj.io/secret-type": "repository" };
  const creds = { "argocd.argoproj.io/secret-type": "repo-creds" };
  it("reads a repository Secret with base64 data", () => {
    const p = parseCredentialSecret(secret("repo", argo, { type: "git", url: "https://git.example.com/org/app.git", username: "bot", password: "s3cret" }));
    assert.deepEqual(p, { credentials: { url: "https://git.example.com/org/app.git", match: "exact", username: "bot", password: "s3cret" }, problems: [] });
  });
  it("reads stringData, SSH keys, insecure, and plumb's own label", () => {
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
    const p = parseCredentialSecret(secret("ssh", { "plumb.dev/secret-type": "repo-creds" }, { url: "git@git.example.com:org", sshPrivateKey: key, insecure: "true" }, true));
    assert.deepEqual(p?.credentials, { url: "git@git.example.com:org", match: "prefix", sshPrivateKey: key, insecureIgnoreHostKey: true, insecureSkipTLSVerify: true });
  });
  it("skips other Secrets and Helm repositories; reports a missing url and unsupported keys", () => {
    assert.equal(parseCredentialSecret(secret("x", {}, { url: "https://h/app" })), undefined);
    assert.equal(parseCredentialSecret(secret("x", { "argocd.argoproj.io/secret-type": "cluster" }, { url: "https://h" })), undefined);
    assert.equal(parseCredentialSecret(secret("helm", argo, { type: "helm", url: "https://charts.example.com" })), undefined);
    assert.match(parseCredentialSecret(secret("nourl", argo, { username: "u" }))?.problems[0] ?? "", /has no url/);
    const p = parseCredentialSecret(secret("app", argo, { url: "https://h/app", githubAppID: "1", colour: "blue" }));
    assert.deepEqual(p?.problems, ["key githubAppID is not supported yet and is ignored", "unknown key colour is ignored"]);
  });
  it("builds a CredentialSource: repository first, then the longest repo-creds prefix; problems reported by name", () => {
    const problems: string[] = [];
    const source = credentialsFromSecrets(
      [
        secret("org", creds, { url: "https://git.example.com/org", username: "org-bot", password: "p1" }),
        secret("app", argo, { url: "https://git.example.com/org/app", username: "app-bot", password: "p2" }),
        secret("bad", argo, { username: "x" }),
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", labels: argo } },
      ],
      { onProblem: (name, problem) => problems.push(`${name}: ${problem}`) },
    );
    assert.equal((source("https://git.example.com/org/app.git") as RepoCredentials).username, "app-bot");
    assert.equal((source("https://git.example.com/org/other") as RepoCredentials).username, "org-bot");
    assert.equal(source("https://other.example.com/x"), undefined);
    assert.deepEqual(problems, ["argocd/bad: has no url: add the key url (the repository URL or, for repo-creds, a URL prefix)"]);
  });
});
