/** Shared helpers of the render tests: rendering fixtures, catching RenderErrors, temporary copies. */
import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../../src/core/object.js";
import { render, RenderError, type RenderRequest, type RenderResult, type SourceOptions } from "../../../src/render/index.js";
import { fixture } from "../../helpers/paths.js";

/** The repository root of the render fixtures: test/fixtures/render. */
export const FIXTURES = fixture("render");

/** Renders a fixture folder as application "demo" for destination namespace "apps". */
export function renderFixture(path: string, source?: SourceOptions, extra: Partial<RenderRequest> = {}): Promise<RenderResult> {
  return render({ repoRoot: FIXTURES, path, source, appName: "demo", destinationNamespace: "apps", ...extra });
}

/** Awaits a render that must fail and returns its RenderError. */
export async function renderError(p: Promise<unknown>): Promise<RenderError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RenderError, `expected a RenderError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the render to fail");
}

/** The object of a kind and name; fails the test if absent. */
export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `no ${kind} ${name} among ${objects.map((x) => `${x.kind} ${x.metadata.name}`).join(", ")}`);
  return o;
}

/** "Kind name" of every object, in order. */
export function names(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => `${o.kind} ${o.metadata.name}`);
}

/** A temporary folder holding copies of the named fixture folders; removed by `cleanup`. */
export async function tempRepo(...folders: string[]): Promise<{ root: string; outside: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), "plumb-render-test-"));
  const root = join(base, "repo");
  const outside = join(base, "outside");
  for (const f of folders) await cp(join(FIXTURES, f), join(root, f), { recursive: true });
  await cp(join(FIXTURES, "dir-basic", "b.json"), join(outside, "secret.yaml"));
  return { root, outside, cleanup: () => rm(base, { recursive: true, force: true }) };
}
