/**
 * The revision-metadata route in-process (`app.request()`) with the real Rbac, over SourceRepos that
 * answer as the mirrors do: a source that is not a Git repository is a 400 that does not repeat the
 * credentials written in its URL; a revision the mirror has not fetched yet is a 503 with Retry-After (the
 * fetch is under way: ask again), an unknown revision a 404.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SourceRepos } from "../../../src/controller/sources.js";
import type { KubeObject } from "../../../src/core/object.js";
import { RevisionPendingError, UnknownRevisionError } from "../../../src/git/errors.js";
import { router } from "../../../src/server/app.js";
import { errorResponse } from "../../../src/server/errors.js";
import { Rbac } from "../../../src/server/rbac/index.js";
import { mountResources, type ResourceRouteDeps } from "../../../src/server/routes/resources.js";
import { who } from "./rbac-support.js";

const NS = "plumb";
const TOKEN = "s3cr3t-t0ken";
const REPO = `https://deploy:${TOKEN}@git.example.com/team/app.git`;

const app = (name: string, source: Record<string, unknown>): KubeObject => ({
  apiVersion: "plumb.dev/v1alpha1",
  kind: "Application",
  metadata: { name, namespace: NS },
  spec: { project: "default", source, destination: { server: "https://kubernetes.default.svc", namespace: "default" } },
});

async function server(metadata: SourceRepos["revisionMetadata"]) {
  const rbac = await Rbac.create({ data: { "policy.csv": "p, alice, applications, get, */*, allow" }, isLocalAccount: () => true });
  const apps = new Map([
    ["git", app("git", { repoURL: REPO, targetRevision: "main", path: "deploy" })],
    ["chart", app("chart", { repoURL: `https://deploy:${TOKEN}@charts.example.com/stable`, chart: "nginx", targetRevision: "1.0.0" })],
  ]);
  const api = router();
  api.use(async (c, next) => {
    c.set("principal", who("alice"));
    await next();
  });
  api.onError((err, c) => {
    const r = errorResponse(err);
    return c.json(r.body, r.status, r.headers);
  });
  const deps = { rbac, namespace: NS, state: { app: (ns: string, name: string) => (ns === NS ? apps.get(name) : undefined) }, repos: { revisionMetadata: metadata }, trees: {} };
  mountResources(api, deps as unknown as ResourceRouteDeps);
  return async (name: string, revision: string) => {
    const res = await api.request(`/api/v1/applications/${name}/revisions/${revision}/metadata`);
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as Record<string, string> };
  };
}

describe("revision metadata route", () => {
  it("answers the commit's metadata for a Git source", async () => {
    const get = await server(async () => ({ author: "A <a@example.com>", date: "2026-01-01T00:00:00Z", message: "first", tags: ["v1"] }));
    const r = await get("git", "main");
    assert.equal(r.status, 200);
    assert.equal(r.body.message, "first");
  });

  it("a source that is not a Git repository: 400, naming the repository without its credentials", async () => {
    const get = await server(async () => assert.fail("a chart has no commits to ask about"));
    const r = await get("chart", "1.0.0");
    assert.equal(r.status, 400);
    assert.match(r.body.message!, /charts\.example\.com\/stable is not a Git repository/);
    assert.ok(!r.body.message!.includes(TOKEN), r.body.message);
    assert.ok(!r.body.message!.includes("deploy:"), r.body.message);
  });

  it("the mirror has not fetched yet: 503 with Retry-After, not a failure of the request", async () => {
    const first = await server(async () => Promise.reject(new RevisionPendingError("https://git.example.com/team/app.git", "main", "first-fetch")));
    const r = await first("git", "main");
    assert.equal(r.status, 503);
    assert.ok(Number(r.retryAfter) > 0, `Retry-After: ${r.retryAfter}`);
    assert.match(r.body.message!, /has not been fetched yet[\s\S]*try again/);
    const refetch = await server(async () => Promise.reject(new RevisionPendingError("https://git.example.com/team/app.git", "feature", "refetch")));
    assert.equal((await refetch("git", "feature")).status, 503);
  });

  it("an unknown revision: 404", async () => {
    const get = await server(async () => Promise.reject(new UnknownRevisionError("https://git.example.com/team/app.git", "nope", [])));
    const r = await get("git", "nope");
    assert.equal(r.status, 404);
    assert.match(r.body.message!, /unknown revision "nope"/);
  });
});
