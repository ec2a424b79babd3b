/**
 * Table of diff cases, one folder each under test/fixtures/diff/<case>/ — adding a case is adding a folder:
 *   predicted.yaml  the dry-run result (optional: absent for Extra, or to test the desired fallback)
 *   desired.yaml    the manifest from Git (optional)
 *   live.yaml       the live object (optional: absent for Missing)
 *   ignore.yaml     ignoreDifferences rules (optional)
 *   expected.yaml   status; optionally ignoreExtraneous, basis, appStatus (summarize of this one result),
 *                   warnings (how many), contains (substrings of the diff), notContains (substrings found
 *                   nowhere in the result: diff, both objects, warnings)
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import type { KubeObject } from "../../../src/core/object.js";
import {
  compareObject,
  loadJqPathEvaluator,
  parseIgnoreDifferences,
  summarize,
  type JqPathEvaluator,
} from "../../../src/diff/index.js";
import { fixture } from "../../helpers/paths.js";

interface Expected {
  status: string;
  ignoreExtraneous?: boolean;
  basis?: string;
  appStatus?: string;
  warnings?: number;
  contains?: string[];
  notContains?: string[];
}

const root = fixture("diff");
const cases = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function read<T>(dir: string, file: string): T | undefined {
  const p = join(dir, file);
  return existsSync(p) ? (parse(readFileSync(p, "utf8")) as T) : undefined;
}

describe("diff fixtures", () => {
  let jq: JqPathEvaluator;
  before(async () => {
    jq = await loadJqPathEvaluator();
  });

  it("has cases", () => assert.ok(cases.length >= 11, `found ${cases.length} cases in ${root}`));

  for (const name of cases) {
    it(name, () => {
      const dir = join(root, name);
      const expected = read<Expected>(dir, "expected.yaml");
      assert.ok(expected, `${name}: expected.yaml is missing`);
      const result = compareObject({
        desired: read<KubeObject>(dir, "desired.yaml"),
        predicted: read<KubeObject>(dir, "predicted.yaml"),
        live: read<KubeObject>(dir, "live.yaml"),
        ignore: parseIgnoreDifferences(read<unknown>(dir, "ignore.yaml")),
        jq,
      });
      const shown = `status ${result.status}\n${result.diff}\nwarnings: ${result.warnings.join("; ")}`;
      assert.equal(result.status, expected.status, shown);
      assert.equal(result.diff === "", result.status === "Synced", "a diff exactly when not Synced");
      if (expected.ignoreExtraneous !== undefined) assert.equal(result.ignoreExtraneous, expected.ignoreExtraneous);
      if (expected.basis !== undefined) assert.equal(result.basis, expected.basis);
      if (expected.appStatus !== undefined) assert.equal(summarize([result]).status, expected.appStatus);
      if (expected.warnings !== undefined) assert.equal(result.warnings.length, expected.warnings, shown);
      for (const s of expected.contains ?? []) assert.ok(result.diff.includes(s), `diff lacks ${JSON.stringify(s)}:\n${shown}`);
      const everything = JSON.stringify(result);
      for (const s of expected.notContains ?? []) {
        assert.ok(!everything.includes(s), `result contains ${JSON.stringify(s)}:\n${shown}`);
      }
    });
  }
});
