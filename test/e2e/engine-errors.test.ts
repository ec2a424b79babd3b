/**
 * Bad input never reaches the cluster: every problem is reported, clearly, before any object is applied.
 * Each case pairs a valid ConfigMap with one fault and checks the error and that nothing was created.
 * Also the CLI's exit codes for diff and apply.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import { appSpec } from "../../src/engine/app.js";
import { ownedObjects } from "../../src/engine/inventory.js";
import { syncApp } from "../../src/engine/sync.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import type { SourceOptions } from "../../src/render/index.js";
import { resourcesFor } from "../helpers/cluster.js";
import { repoRoot } from "../helpers/paths.js";

/** Folders made outside any repository by the cases, removed at the end. */
const outsiders: string[] = [];

const GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  a: '1'\n";

interface Case {
  name: string;
  files: Record<string, string>;
  source?: SourceOptions;
  setup?: (dir: string) => void;
  error: RegExp;
}

const CASES: Case[] = [
  { name: "invalid YAML", files: { "good.yaml": GOOD, "bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n" }, error: /bad\.yaml/ },
  { name: "an object without kind", files: { "good.yaml": GOOD, "nokind.yaml": "apiVersion: v1\nmetadata:\n  name: nokind\n" }, error: /kind/ },
  { name: "duplicate objects", files: { "good.yaml": GOOD, "again.yaml": GOOD }, error: /duplicate|twice|more than once/i },
  {
    name: "a Helm template error",
    files: {
      "Chart.yaml": "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
      "templates/good.yaml": GOOD,
      "templates/bad.yaml": '{{ required "imageTag is required" .Values.imageTag }}\n',
    },
    error: /imageTag is required/,
  },
  {
    name: "a values file outside the repository",
    files: { "Chart.yaml": "apiVersion: v2\nname: chart\nversion: 0.1.0\n", "templates/good.yaml": GOOD },
    source: { helm: { valueFiles: ["../../outside-values.yaml"] } },
    error: /outside|escapes|not inside/i,
  },
  {
    name: "a symlink escaping the repository",
    files: { "good.yaml": GOOD },
    setup: (dir) => {
      const outside = mkdtempSync(join(tmpdir(), "plumb-outside-"));
      outsiders.push(outside);
      writeFileSync(join(outside, "secret.yaml"), GOOD.replace("good", "stolen"));
      symlinkSync(join(outside, "secret.yaml"), join(dir, "link.yaml"));
    },
    error: /link\.yaml.*(outside|escapes)|(outside|escapes).*link\.yaml/is,
  },
  { name: "an unknown kind (no such CRD)", files: { "good.yaml": GOOD, "gizmo.yaml": "apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n" }, error: /Gizmo/ },
];

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), ...args], { env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("engine: bad input is refused before anything is applied", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  const temp: string[] = [];
  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-errors", nodes: 1 });
    resources = await resourcesFor(cluster);
  });
  after(async () => {
    resources?.client.close();
    await cluster?.stop();
    for (const t of [...temp, ...outsiders]) rmSync(t, { recursive: true, force: true });
  });

  for (const [i, c] of CASES.entries()) {
    it(`refuses ${c.name}`, async () => {
      const repo = mkdtempSync(join(tmpdir(), "plumb-bad-"));
      temp.push(repo);
      const dir = join(repo, "apps", "app");
      for (const [path, content] of Object.entries(c.files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      c.setup?.(dir);
      const name = `bad-${i}`;
      const app = appSpec({ name, namespace: "default", repoRoot: repo, path: "apps/app", source: c.source ?? {}, prune: true });
      await assert.rejects(syncApp({ resources }, app), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, c.error);
        return true;
      });
      assert.deepEqual(await ownedObjects(resources, name), [], "nothing of the app was created");
      assert.equal(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "good" }), undefined, "the valid object was not applied either");
    });
  }

  it("refuses an object owned by another application, and leaves it alone", async () => {
    const repo = mkdtempSync(join(tmpdir(), "plumb-owner-"));
    temp.push(repo);
    const shared = GOOD.replace("good", "shared");
    mkdirSync(join(repo, "one"));
    mkdirSync(join(repo, "two"));
    writeFileSync(join(repo, "one", "cm.yaml"), shared);
    writeFileSync(join(repo, "two", "cm.yaml"), shared.replace("'1'", "'2'"));
    const one = appSpec({ name: "owner-one", namespace: "default", repoRoot: repo, path: "one" });
    const two = appSpec({ name: "owner-two", namespace: "default", repoRoot: repo, path: "two" });
    assert.equal((await syncApp({ resources }, one)).changes.phase, "Succeeded");
    await assert.rejects(syncApp({ resources }, two), /ConfigMap default\/shared: owned by application "owner-one"/);
    const live = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "shared" });
    assert.equal((live?.data as Record<string, string>).a, "1", "no tug of war: the owner's value stays");
    // And an app never prunes what it does not own: owner-two with prune and nothing desired but allowEmpty.
    const empty = join(repo, "empty");
    mkdirSync(empty);
    writeFileSync(join(empty, "README.md"), "empty\n");
    await syncApp({ resources }, { ...two, path: "empty", prune: true, allowEmpty: true });
    assert.ok(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "shared" }));
  });

  it("validates strictly unless Validate=false (with Replace=true: server-side apply always needs a valid schema)", async () => {
    const repo = mkdtempSync(join(tmpdir(), "plumb-validate-"));
    temp.push(repo);
    mkdirSync(join(repo, "app"));
    writeFileSync(join(repo, "app", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loose\nunknownField: 1\ndata: {a: b}\n");
    const app = appSpec({ name: "validate", namespace: "default", repoRoot: repo, path: "app" });
    await assert.rejects(syncApp({ resources }, app), /unknownField/);
    await assert.rejects(syncApp({ resources }, { ...app, syncOptions: ["Replace=true"] }), /unknownField/);
    const { changes } = await syncApp({ resources }, { ...app, syncOptions: ["Replace=true", "Validate=false"] });
    assert.equal(changes.phase, "Succeeded", changes.message);
    assert.ok(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "loose" }));
  });

  it("replaces instead of applying with Replace=true", async () => {
    const repo = mkdtempSync(join(tmpdir(), "plumb-replace-"));
    temp.push(repo);
    mkdirSync(join(repo, "app"));
    const write = (v: string) => writeFileSync(join(repo, "app", "cm.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: replaced\ndata: {v: "${v}"}\n`);
    write("1");
    const app = appSpec({ name: "replace", namespace: "default", repoRoot: repo, path: "app", syncOptions: ["Replace=true"] });
    assert.equal((await syncApp({ resources }, app)).changes.phase, "Succeeded");
    write("2");
    const { changes } = await syncApp({ resources }, app);
    assert.equal(changes.entries[0]?.message, "replaced");
    const live = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "replaced" });
    assert.equal((live?.data as Record<string, string>).v, "2");
    const managers = (live?.metadata.managedFields as Array<{ manager: string; operation: string }>).map((m) => `${m.manager}:${m.operation}`);
    assert.ok(managers.includes("plumb:Update"), `a PUT by plumb, not an apply: ${managers.join(", ")}`);
  });

  it("CLI: apply of bad input exits 2 with the problem; diff exits 1 out of sync and 0 in sync", async () => {
    const repo = mkdtempSync(join(tmpdir(), "plumb-cli-"));
    temp.push(repo);
    mkdirSync(join(repo, "bad"));
    writeFileSync(join(repo, "bad", "x.yaml"), "kind: [\n");
    const bad = await runCli(["apply", join(repo, "bad"), "--app", "cli-bad", "--kubeconfig", cluster.kubeconfigPath, "--repo-root", repo]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /x\.yaml/);

    mkdirSync(join(repo, "ok"));
    writeFileSync(join(repo, "ok", "all.yaml"), `${GOOD}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports: [{port: 80}]\n`);
    const flags = ["--app", "cli-ok", "--namespace", "default", "--kubeconfig", cluster.kubeconfigPath, "--repo-root", repo];
    const before = await runCli(["diff", join(repo, "ok"), ...flags]);
    assert.equal(before.code, 1, `${before.stdout}\n${before.stderr}`);
    assert.match(before.stdout, /Missing\s+ConfigMap\s+default\s+good/);
    assert.match(before.stdout, /Missing\s+Service\s+default\s+svc/);
    const applied = await runCli(["apply", join(repo, "ok"), ...flags]);
    assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
    assert.match(applied.stdout, /created/);
    const afterDiff = await runCli(["diff", join(repo, "ok"), ...flags, "-o", "json"]);
    assert.equal(afterDiff.code, 0, afterDiff.stdout + afterDiff.stderr);
    assert.equal((JSON.parse(afterDiff.stdout) as { summary: { status: string } }).summary.status, "Synced");
  });
});
