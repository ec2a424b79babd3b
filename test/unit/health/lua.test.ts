/**
 * The Lua health VM (src/health/lua): table-driven cases under test/fixtures/lua/cases/ (one YAML file per
 * case: `script`, `object`, `openLibs`, `expect`, `message` — a substring), the folder layout with
 * wildcards (test/fixtures/lua/folder/), the ConfigMap parser, and the precedence ConfigMap > folder >
 * built-in through assessHealth.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import type { KubeObject } from "../../../src/core/object.js";
import { assessHealth } from "../../../src/health/index.js";
import { LuaHealthVM, luaOverrides, parseResourceCustomizations, readScriptFolder, type ScriptTable } from "../../../src/health/lua/index.js";
import { fixture } from "../../helpers/paths.js";

interface Case {
  script: string;
  object: KubeObject;
  openLibs: boolean;
  expect: string;
  message: string;
}

const casesDir = fixture("lua", "cases");
const caseFiles = readdirSync(casesDir).filter((n) => n.endsWith(".yaml")).sort();

let vm: LuaHealthVM;
before(async () => {
  vm = await LuaHealthVM.create();
});
after(() => vm.close());

describe("Lua health VM cases", () => {
  it("has cases", () => assert.ok(caseFiles.length > 10));
  for (const name of caseFiles) {
    const c = parse(readFileSync(join(casesDir, name), "utf8")) as Case;
    it(`${name.replace(/\.yaml$/, "")} → ${c.expect} (${c.message})`, () => {
      const r = vm.run(c.script, c.object, { openLibs: c.openLibs });
      assert.equal(r.status, c.expect, `message: ${r.message}`);
      assert.ok(r.message.includes(c.message), `message "${r.message}" does not contain "${c.message}"`);
    });
  }

  it("keeps working after a timeout and a memory blow-up", () => {
    const obj: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    assert.equal(vm.run("while true do end", obj).status, "Unknown");
    assert.equal(vm.run('local s = "x" while true do s = s .. s end', obj, { openLibs: true }).status, "Unknown");
    assert.deepEqual(vm.run('return { status = "Healthy", message = obj.metadata.name }', obj), { status: "Healthy", message: "x" });
  });

  it("refuses a __gc finalizer (it would run with the time limit off)", () => {
    const start = Date.now();
    const r = vm.run('setmetatable({}, { __gc = function() while true do end end }) collectgarbage() return { status = "Healthy", message = "ran" }', { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }, { openLibs: true });
    assert.equal(r.status, "Unknown", r.message);
    assert.match(r.message, /__gc/);
    assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`);
  });

  it("lets no run change the shared libraries or metatables the next run sees", () => {
    const obj: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    const tamper = [
      'getmetatable(_G).__index.pairs = nil',
      'getmetatable(table).__index.insert = nil',
      'getmetatable("").__index.upper = nil',
    ];
    for (const script of tamper) assert.equal(vm.run(script + ' return { status = "Healthy", message = "tampered" }', obj, { openLibs: true }).status, "Unknown", script);
    const after = vm.run('local t = {} table.insert(t, ("a"):upper()) for _ in pairs(t) do end return { status = "Healthy", message = t[1] }', obj, { openLibs: true });
    assert.deepEqual(after, { status: "Healthy", message: "A" });
  });

  it("stops an infinite loop within a few seconds", () => {
    const start = Date.now();
    const r = vm.run("local i = 0 while true do i = i + 1 end", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } });
    assert.equal(r.status, "Unknown");
    assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`);
  });

  it("compiles a script once and gives every run fresh globals", () => {
    const script = 'n = (n or 0) + 1 return { status = "Healthy", message = tostring(n) }';
    const obj: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    const cached = vm.cachedScripts();
    for (let i = 0; i < 50; i++) assert.equal(vm.run(script, obj).message, "1");
    assert.equal(vm.cachedScripts(), cached + 1);
  });
});

describe("resource customizations ConfigMap", () => {
  it("reads health scripts, useOpenLibs, ignoreDifferences, knownTypeFields and the older single key", () => {
    const c = parseResourceCustomizations({
      "resource.customizations.health.cert-manager.io_Certificate": "return {status='Degraded'}",
      "resource.customizations.useOpenLibs.cert-manager.io_Certificate": "true",
      "resource.customizations.health.ConfigMap": "return {status='Healthy'}",
      "resource.customizations.health.*.crossplane.io_*": "return {status='Healthy'}",
      "resource.customizations.ignoreDifferences.apps_Deployment": "jsonPointers:\n- /spec/replicas\n",
      "resource.customizations.ignoreDifferences.all": "managedFieldsManagers:\n- kube-controller-manager\n",
      "resource.customizations.knownTypeFields.argoproj.io_Rollout": "- field: spec.template.spec\n  type: core/v1/PodSpec\n",
      "resource.customizations": "keda.sh/ScaledObject:\n  health.lua: return {status='Suspended'}\n  health.lua.useOpenLibs: true\n",
      "resource.customizations.health.bad_key_here": "x",
      "resource.customizations.ignoreDifferences.batch_Job": "jsonPointers: [not-a-pointer]",
      "url": "https://plumb.example",
    });
    assert.deepEqual([...c.health.keys()].sort(), ["*.crossplane.io/*", "ConfigMap", "cert-manager.io/Certificate", "keda.sh/ScaledObject"]);
    assert.equal(c.health.get("cert-manager.io/Certificate")?.openLibs, true);
    assert.equal(c.health.get("ConfigMap")?.openLibs, false);
    assert.equal(c.health.get("keda.sh/ScaledObject")?.openLibs, true);
    assert.deepEqual(c.ignoreDifferences, [
      { group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] },
      { group: "*", kind: "*", managedFieldsManagers: ["kube-controller-manager"] },
    ]);
    assert.deepEqual(c.knownTypeFields.get("argoproj.io/Rollout"), [{ field: "spec.template.spec", type: "core/v1/PodSpec" }]);
    assert.equal(c.problems.length, 2, c.problems.join("\n"));
    assert.ok(c.problems.some((p) => p.includes("bad_key_here")));
    assert.ok(c.problems.some((p) => p.includes("batch_Job")));
  });
});

describe("scripts folder and precedence", () => {
  const folder = readScriptFolder(fixture("lua", "folder")).scripts;
  const obj = (apiVersion: string, kind: string, status?: unknown): KubeObject => ({ apiVersion, kind, metadata: { name: "x", namespace: "shop" }, ...(status ? { status } : {}) });
  const readyCert = obj("cert-manager.io/v1", "Certificate", { conditions: [{ type: "Ready", status: "True", message: "Certificate is up to date" }] });

  it("maps the folder layout, with _ wildcards, and ignores test files", () => {
    assert.deepEqual([...folder.keys()].sort(), ["*.crossplane.io/*", "ConfigMap", "cert-manager.io/Certificate", "rds.aws.crossplane.io/*"]);
  });

  it("finds the exact folder script before a wildcard, and the most specific wildcard", () => {
    const checks = luaOverrides(vm, () => [folder]);
    assert.equal(assessHealth(readyCert, checks)?.message, "folder: exact");
    assert.equal(assessHealth(obj("rds.aws.crossplane.io/v1", "DBInstance"), checks)?.message, "folder: any rds");
    assert.equal(assessHealth(obj("s3.aws.crossplane.io/v1", "Bucket"), checks)?.message, "folder: any crossplane");
    assert.equal(assessHealth(obj("v1", "ConfigMap"), checks)?.message, "folder: core ConfigMap");
  });

  it("ConfigMap wins over the folder, which wins over the built-in check", () => {
    assert.equal(assessHealth(readyCert)?.status, "Healthy", "built-in check");
    const cm: ScriptTable = parseResourceCustomizations({
      "resource.customizations.health.cert-manager.io_Certificate": 'return { status = "Suspended", message = "from the ConfigMap" }',
    }).health;
    assert.deepEqual(assessHealth(readyCert, luaOverrides(vm, () => [folder])), { status: "Degraded", message: "folder: exact" });
    assert.deepEqual(assessHealth(readyCert, luaOverrides(vm, () => [cm, folder])), { status: "Suspended", message: "from the ConfigMap" });
    // A kind without a script keeps its built-in check.
    const rollout = obj("argoproj.io/v1alpha1", "Rollout");
    assert.equal(assessHealth(rollout, luaOverrides(vm, () => [cm, folder]))?.message, "Waiting for rollout spec update to be observed");
  });
});
