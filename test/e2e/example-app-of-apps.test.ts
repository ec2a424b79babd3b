/**
 * examples/app-of-apps end to end, as its README tells it: the parent Application over k8s/ creates the
 * children backend, frontend and monitoring, all Synced and Healthy; then a commit changing the image in
 * k8s/backend/deployment.yaml from v1.0 to v2.0, pushed to the local Git server, rolls the backend and
 * leaves the frontend's and monitoring's Deployments untouched (same resourceVersion and generation).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../../src/core/object.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { appStatus } from "../helpers/controller.js";
import { imageOf, startExampleWorld, type ExampleWorld } from "../helpers/examples.js";
import { waitFor } from "../helpers/wait.js";

const deployments = {
  backend: { apiVersion: "apps/v1", kind: "Deployment", namespace: "backend", name: "backend" },
  frontend: { apiVersion: "apps/v1", kind: "Deployment", namespace: "frontend", name: "frontend" },
  monitoring: { apiVersion: "apps/v1", kind: "Deployment", namespace: "monitoring", name: "prometheus" },
};
const CHILDREN = ["backend", "frontend", "monitoring"] as const;
const status = (w: ExampleWorld, name: string) => appStatus(w.resources, name, "argocd", "argoproj.io");

describe("example app-of-apps", { timeout: 110_000 }, () => {
  let world: ExampleWorld;
  before(async () => {
    world = await startExampleWorld("app-of-apps");
  });
  after(async () => {
    await world?.close();
  });

  it("the parent and its three children are Synced and Healthy, each child's Deployment in its own namespace", async () => {
    const sha = world.started.repos[0]!.sha;
    for (const name of ["app-of-apps", ...CHILDREN]) {
      const s = await status(world, name);
      assert.equal(s?.sync?.status, "Synced", name);
      assert.equal(s?.sync?.revision, sha, name);
      assert.equal(s?.health?.status, "Healthy", name);
    }
    const parent = await status(world, "app-of-apps");
    assert.deepEqual(parent?.resources?.map((r) => `${r.kind}/${r.name}`).sort(), CHILDREN.map((c) => `Application/${c}`));
    assert.equal(imageOf(await world.resources.get(deployments.backend)), "ghcr.io/plumb-examples/backend:v1.0");
    assert.ok(await world.resources.get(deployments.frontend));
    assert.ok(await world.resources.get(deployments.monitoring));
  });

  it("backend v1.0 → v2.0 in Git rolls the backend only; frontend and monitoring are untouched", async () => {
    const before = new Map<string, KubeObject>();
    for (const [name, ref] of Object.entries(deployments)) before.set(name, (await world.resources.get(ref))!);

    const wd = await WorkDir.clone(world.repoURL("app-of-apps"));
    let sha = "";
    try {
      const file = join(wd.dir, "k8s", "backend", "deployment.yaml");
      const text = readFileSync(file, "utf8");
      assert.match(text, /image: ghcr\.io\/plumb-examples\/backend:v1\.0\n/);
      writeFileSync(file, text.replace("backend:v1.0", "backend:v2.0"));
      sha = await wd.commit("backend v2.0");
      await wd.push("main");
    } finally {
      wd.dispose();
    }

    await waitFor("the backend Deployment at v2.0", async () => imageOf(await world.resources.get(deployments.backend)) === "ghcr.io/plumb-examples/backend:v2.0", 45_000, 200);
    // Every app has compared at the new commit (one repository): only then is "untouched" a finding.
    await waitFor(
      "the parent and the children Synced and Healthy at the new commit",
      async () => {
        for (const name of ["app-of-apps", ...CHILDREN]) {
          const s = await status(world, name);
          if (s?.sync?.status !== "Synced" || s.sync.revision !== sha || s.health?.status !== "Healthy" || s.operationState?.phase === "Running") return false;
        }
        return true;
      },
      45_000,
      250,
    );
    const rolled = (await world.resources.get(deployments.backend))!;
    assert.ok(Number(rolled.metadata.generation) > Number(before.get("backend")!.metadata.generation), "the backend's generation moved on");
    for (const name of ["frontend", "monitoring"] as const) {
      const now = (await world.resources.get(deployments[name]))!;
      const was = before.get(name)!;
      assert.equal(now.metadata.generation, was.metadata.generation, `${name}'s generation`);
      assert.equal(now.metadata.resourceVersion, was.metadata.resourceVersion, `${name}'s resourceVersion`);
    }
  });
});
