/** Helm repository Secrets in Argo CD's shape: parsing, problems, and which record applies to a URL. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/core/object.js";
import { chartCredentialsFromSecrets, parseChartSecret } from "../../../src/charts/credentials.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");
const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

function secret(name: string, kind: string, data: Record<string, string>, label = "argocd.argoproj.io/secret-type"): KubeObject {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "argocd", labels: { [label]: kind } }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
}

describe("parseChartSecret", () => {
  it("reads a helm repository Secret with every supported key", () => {
    const p = parseChartSecret(
      secret("charts", "repository", { type: "helm", name: "c", url: "https://charts.example.com", username: "u", password: "p", tlsClientCertData: CERT, tlsClientCertKey: KEY, insecure: "true", enableOCI: "false", forceHttpBasicAuth: "true" }),
    );
    assert.deepEqual(p, { record: { url: "https://charts.example.com", match: "exact", username: "u", password: "p", tlsClientCertData: CERT, tlsClientCertKey: KEY, insecure: true, forceHttpBasicAuth: true }, problems: [] });
  });
  it("skips Git Secrets and unlabelled Secrets", () => {
    assert.equal(parseChartSecret(secret("git", "repository", { url: "https://git.example.com/a" })), undefined);
    assert.equal(parseChartSecret(secret("git", "repository", { type: "git", url: "https://git.example.com/a" })), undefined);
    assert.equal(parseChartSecret({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" }, data: { type: b64("helm"), url: b64("https://c") } }), undefined);
  });
  it("reads plumb.dev/secret-type too", () => {
    assert.equal(parseChartSecret(secret("c", "repo-creds", { type: "helm", url: "https://c.example" }, "plumb.dev/secret-type"))?.record?.match, "prefix");
  });
  it("reports problems without the secret values", () => {
    const p = parseChartSecret(secret("c", "repository", { type: "helm", url: "https://c.example", password: "hunter2", tlsClientCertData: CERT, bearerToken: "tok-123", color: "blue" }));
    assert.ok(p?.record);
    assert.equal(p.record.tlsClientCertData, undefined, "a certificate without its key is not used");
    const text = p.problems.join("\n");
    for (const want of [/no username/, /only one of tlsClientCertData/, /bearerToken is not supported/, /unknown key color/]) assert.match(text, want);
    assert.ok(!text.includes("hunter2") && !text.includes("tok-123"));
  });
  it("reports a Secret without url", () => {
    assert.deepEqual(parseChartSecret(secret("c", "repository", { type: "helm" }))?.record, undefined);
  });
});

describe("chartCredentialsFromSecrets", () => {
  const problems: string[] = [];
  const source = chartCredentialsFromSecrets(
    [
      secret("exact", "repository", { type: "helm", url: "https://charts.example.com/team-a/", username: "a", password: "pa" }),
      secret("tmpl", "repo-creds", { type: "helm", url: "https://charts.example.com", username: "org", password: "porg" }),
      secret("tmpl-b", "repo-creds", { type: "helm", url: "https://charts.example.com/team-b", username: "b", password: "pb" }),
      secret("bare", "repository", { type: "helm", url: "https://charts.example.com/team-c", insecure: "true" }),
      secret("oci", "repository", { type: "helm", url: "registry.example.com/charts", enableOCI: "true", username: "o", password: "po" }),
      secret("broken", "repository", { type: "helm" }),
      secret("git", "repository", { type: "git", url: "https://charts.example.com/team-a", username: "g", password: "pg" }),
    ],
    { onProblem: (s, p) => problems.push(`${s}: ${p}`) },
  );
  const cases: Array<[string, string | undefined]> = [
    ["https://charts.example.com/team-a", "a"],
    ["https://CHARTS.example.com/team-a/", "a"],
    ["https://charts.example.com/team-b/sub", "b"],
    ["https://charts.example.com/other", "org"],
    ["https://elsewhere.example.com", undefined],
    ["oci://registry.example.com/charts", "o"],
    ["registry.example.com/charts", "o"],
  ];
  for (const [url, user] of cases) it(`${url} → ${user ?? "anonymous"}`, async () => assert.equal((await source(url))?.username, user));
  it("a repository Secret without credentials inherits the template's and keeps its options", async () => {
    assert.deepEqual(await source("https://charts.example.com/team-c"), { username: "org", password: "porg", insecure: true });
  });
  it("reports invalid Secrets by name instead of throwing", () => assert.deepEqual(problems, ["argocd/broken: has no url: add the key url (the chart repository URL or, for repo-creds, a URL prefix)"]));
});
