/**
 * Properties of normalization, comparison and ignoreDifferences (src/diff) over random objects:
 *  - normalize is idempotent and does not change its input;
 *  - an object compared with itself is Synced with an empty diff, whatever it holds;
 *  - any two versions of one object compare without throwing, and Synced ⇔ empty diff;
 *  - a Secret's values (data, stringData, last-applied) never appear in a comparison's output, only masks;
 *  - a difference at a path an ignoreDifferences JSON pointer names is no difference (pointers escaped
 *    per RFC 6901: keys with "/" and "~" included), while one elsewhere still shows;
 *  - random rules are either refused with a UsageError naming the entry or used without a crash.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { UsageError } from "../../src/core/errors.js";
import type { KubeObject } from "../../src/core/object.js";
import { compareObject } from "../../src/diff/compare.js";
import { keepLiveAtIgnored, parseIgnoreDifferences } from "../../src/diff/ignore.js";
import { normalize } from "../../src/diff/normalize.js";
import { deepEqual, formatJsonPointer, getPath, isObject, type JsonPath } from "../../src/diff/paths.js";
import { check, jsonValue, text } from "./support.js";

const spec = fc.dictionary(text, jsonValue, { maxKeys: 5, noNullPrototype: true });

function deployment(s: unknown, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "app", ...extra }, spec: s } as KubeObject;
}

/** Server-side noise on a live object: fields normalize drops. */
const serverNoise = fc.record({ resourceVersion: fc.constant("42"), uid: fc.uuid(), generation: fc.nat(), creationTimestamp: fc.constant("2026-12-03T00:00:00Z"), annotations: fc.constantFrom(undefined, {}) }, { requiredKeys: [] });

/** Every path inside `v` (object keys and array indices), the path to `v` itself excluded. */
function pathsIn(v: unknown, prefix: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...prefix, i], ...pathsIn(x, [...prefix, i])));
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...pathsIn(x, [...prefix, k]));
  return out;
}

function setAt(doc: unknown, path: JsonPath, value: unknown): void {
  const parent = getPath(doc, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
}

const secretValue = fc.stringMatching(/^[A-Za-z0-9]{16,24}$/);

describe("fuzz: normalize, compare, ignoreDifferences", () => {
  it("normalize is idempotent and leaves its input alone", () => {
    check("normalize idempotent", fc.tuple(spec, serverNoise), ([s, noise]) => {
      const obj = deployment(s, noise);
      const before = structuredClone(obj);
      const once = normalize(obj);
      assert.deepEqual(obj, before, "input unchanged");
      assert.ok(deepEqual(normalize(once), once), "normalize(normalize(x)) = normalize(x)");
    });
  });

  it("an object compared with itself is Synced, whatever it holds", () => {
    check("compare(x, x)", fc.tuple(spec, serverNoise), ([s, noise]) => {
      const desired = deployment(s);
      const live = deployment(structuredClone(s), noise);
      const r = compareObject({ desired, predicted: structuredClone(live), live });
      assert.equal(r.status, "Synced");
      assert.equal(r.diff, "");
    });
  });

  it("two versions of an object compare without throwing, and Synced means an empty diff", () => {
    check("compare(x, y)", fc.tuple(spec, spec, fc.boolean()), ([a, b, dryRun]) => {
      const r = compareObject(dryRun ? { desired: deployment(a), predicted: deployment(a), live: deployment(b) } : { desired: deployment(a), live: deployment(b) });
      assert.equal(r.status === "Synced", r.diff === "", `status ${r.status} with diff ${JSON.stringify(r.diff.slice(0, 200))}`);
    });
  });

  it("a Secret's values never appear in a comparison's output", () => {
    check("secret masking", fc.tuple(fc.dictionary(fc.stringMatching(/^[a-z.]{1,8}$/), secretValue, { minKeys: 1, maxKeys: 4, noNullPrototype: true }), fc.dictionary(fc.stringMatching(/^[a-z.]{1,8}$/), secretValue, { maxKeys: 3, noNullPrototype: true }), secretValue, fc.constantFrom("data", "stringData")), ([liveData, desiredData, applied, field]) => {
      const secret = (values: Record<string, string>, f: string, annotations?: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "app", ...(annotations ? { annotations } : {}) }, type: "Opaque", [f]: values }) as KubeObject;
      const live = secret(liveData, "data", { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ data: { k: applied } }) });
      const desired = secret(desiredData, field);
      const r = compareObject({ desired, predicted: desired, live });
      const shown = [r.diff, JSON.stringify(r.predicted ?? {}), JSON.stringify(r.live ?? {})].join("\n");
      for (const v of [...Object.values(liveData), ...Object.values(desiredData), applied]) {
        assert.ok(!shown.includes(v), `a Secret value was shown: ${v}`);
        assert.ok(!shown.includes(Buffer.from(v).toString("base64")), `a Secret value was shown base64-encoded: ${v}`);
      }
    });
  });

  it("a difference at an ignored JSON pointer is no difference; one elsewhere still shows", () => {
    const withPaths = spec.filter((s) => pathsIn(s).length > 0);
    check("ignoreDifferences jsonPointers", fc.tuple(withPaths, fc.nat(), jsonValue, fc.boolean()), ([s, pick, replacement, dryRun]) => {
      const paths = pathsIn(s);
      const path = paths[pick % paths.length]!;
      const desired = deployment(s);
      const live = deployment(structuredClone(s));
      setAt(live.spec, path, structuredClone(replacement));
      const pointer = formatJsonPointer(["spec", ...path]);
      const rules = parseIgnoreDifferences([{ group: "apps", kind: "Deployment", jsonPointers: [pointer] }]);
      const input = dryRun ? { desired, predicted: desired, live } : { desired, live };
      assert.equal(compareObject({ ...input, ignore: rules }).status, "Synced", `changed at ${pointer}`);
      // with a dry-run result (every field compared) the same change shows without the rule, unless the
      // replacement equals what was there (without one, only the fields desired sets are compared)
      if (dryRun && !deepEqual(getPath(s, path), replacement)) assert.equal(compareObject(input).status, "OutOfSync", `unchanged at ${pointer}?`);
      // RespectIgnoreDifferences: the desired object the sync would apply holds the live value there
      const kept = keepLiveAtIgnored(desired, live, [pointer]);
      assert.ok(deepEqual(getPath(kept, ["spec", ...path]), getPath(live, ["spec", ...path])), "the live value is kept");
    });
  });

  it("random ignoreDifferences rules are refused with a UsageError or used without a crash", () => {
    const rule = fc.record({ group: fc.oneof(fc.constantFrom("", "apps", "*"), jsonValue), kind: fc.oneof(fc.constantFrom("Deployment", "*", ""), jsonValue), name: fc.option(fc.constantFrom("web", "w*", "*"), { nil: undefined }), jsonPointers: fc.option(fc.array(fc.oneof(text.map((t) => `/${t}`), text, fc.constantFrom("/spec/~0~1", "/spec/-", "/spec/0", "/", "//")), { maxLength: 3 }), { nil: undefined }), managedFieldsManagers: fc.option(fc.array(text, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: [] });
    check("random ignore rules", fc.tuple(fc.oneof(fc.array(rule, { maxLength: 3 }), jsonValue), spec, spec), ([input, a, b]) => {
      let rules;
      try {
        rules = parseIgnoreDifferences(input);
      } catch (err) {
        assert.ok(err instanceof UsageError, `only UsageError: ${String(err)}`);
        assert.match((err as Error).message, /ignoreDifferences/);
        return;
      }
      try {
        const r = compareObject({ desired: deployment(a), predicted: deployment(a), live: deployment(b), ignore: rules });
        assert.equal(r.status === "Synced", r.diff === "");
      } catch (err) {
        assert.ok(err instanceof UsageError, `only UsageError: ${String(err)}`);
      }
    });
  });
});
