/**
 * Plan-ordering tests over fixtures: every folder under test/fixtures/sync/ is one case, named for the case.
 *
 *     manifests.yaml   the desired objects (multi-document; may be empty)
 *     live.yaml        optional: the live objects. One equal to its desired object is Synced, a different one
 *                      OutOfSync; a desired object without one is Missing; a live object that is not desired
 *                      is to be pruned.
 *     options.yaml     optional: {prune, dryRun, allowEmpty, syncOptions: [...], namespace, namespaceExists};
 *                      defaults: defaultPlanOptions(), namespace "web" that exists.
 *     expected.txt     the flattened plan, one formatTask line per task (`phase wave action Kind ns/name`, then
 *                      any {options}, [hook delete policies] and (message)), SyncFail tasks last; or, for a case
 *                      that must fail, lines `error: <text>` each of which the PlanError's message contains.
 *                      Blank lines and lines starting with "#" are ignored.
 *
 * Adding a case is adding a folder.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments } from "yaml";
import { keyOf, keyString, type KubeObject } from "../../../src/core/object.js";
import {
  defaultPlanOptions,
  describePlan,
  flattenPlan,
  formatTask,
  PlanError,
  planSync,
  type PlanInput,
} from "../../../src/sync/index.js";
import { fixture } from "../../helpers/paths.js";

function readObjects(file: string): KubeObject[] {
  if (!existsSync(file)) return [];
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null && typeof o === "object");
}

/** Builds the planner's input the way the controller would from render, match and diff. */
function loadInput(dir: string): PlanInput {
  const desired = readObjects(join(dir, "manifests.yaml"));
  const live = new Map(readObjects(join(dir, "live.yaml")).map((o) => [keyString(keyOf(o)), o]));
  const optionsFile = join(dir, "options.yaml");
  const raw = existsSync(optionsFile)
    ? ((parseAllDocuments(readFileSync(optionsFile, "utf8"))[0]?.toJS() ?? {}) as Record<string, unknown>)
    : {};
  const { namespace = "web", namespaceExists = true, ...options } = raw;
  const input: PlanInput = {
    desired: desired.map((object) => {
      const id = keyString(keyOf(object));
      const l = live.get(id);
      live.delete(id);
      if (!l) return { object, status: "Missing" as const };
      return { object, live: l, status: isDeepStrictEqual(l, object) ? ("Synced" as const) : ("OutOfSync" as const) };
    }),
    toPrune: [...live.values()],
    namespace: String(namespace),
    namespaceExists: Boolean(namespaceExists),
    options: { ...defaultPlanOptions(), ...options },
  };
  return input;
}

function expectedLines(dir: string): string[] {
  return readFileSync(join(dir, "expected.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

const root = fixture("sync");
const cases = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
  .map((d) => d.name)
  .sort();

void describe("sync plan fixtures", () => {
  void it("has cases", () => assert.ok(cases.length > 0));

  for (const name of cases) {
    void it(name, () => {
      const dir = join(root, name);
      const input = loadInput(dir);
      const expected = expectedLines(dir);
      const errors = expected.filter((l) => l.startsWith("error:")).map((l) => l.slice("error:".length).trim());

      if (errors.length > 0) {
        assert.throws(
          () => planSync(input),
          (err: unknown) => {
            assert.ok(err instanceof PlanError, `expected a PlanError, got ${String(err)}`);
            for (const text of errors) {
              assert.ok(err.message.includes(text), `message lacks "${text}":\n${err.message}`);
            }
            return true;
          },
        );
        return;
      }

      const plan = planSync(input);
      const actual = flattenPlan(plan, { syncFail: true }).map(formatTask);
      assert.deepEqual(actual, expected, `plan:\n${describePlan(plan).join("\n")}`);
      // The plan is plain data: it survives a JSON round trip unchanged.
      assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
    });
  }
});
