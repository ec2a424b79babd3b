/** Label selectors as the API server reads them: a table of selector × labels → match. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseSelector } from "../../../src/server/selector.js";
import { InvalidRequestError } from "../../../src/server/errors.js";

const labels = { app: "web", tier: "front", "team.example.com/owner": "a" };
const cases: Array<[string, Record<string, string> | undefined, boolean]> = [
  ["", labels, true],
  ["app=web", labels, true],
  ["app==web", labels, true],
  ["app=db", labels, false],
  ["app!=db", labels, true],
  ["missing!=x", labels, true],
  ["app=web,tier=back", labels, false],
  ["app=web, tier=front", labels, true],
  ["tier in (front,back)", labels, true],
  ["tier in (back)", labels, false],
  ["tier notin (back)", labels, true],
  ["missing notin (x)", labels, true],
  ["missing in (x)", labels, false],
  ["app", labels, true],
  ["!app", labels, false],
  ["!missing", labels, true],
  ["team.example.com/owner=a", labels, true],
  ["app=web", undefined, false],
  ["!app", undefined, true],
];

describe("server/selector", () => {
  for (const [sel, l, want] of cases) {
    it(`${JSON.stringify(sel)} ${want ? "matches" : "does not match"} ${JSON.stringify(l)}`, () => {
      assert.equal(parseSelector(sel)(l), want);
    });
  }
  for (const bad of ["app=we b", "=x", "app in (a b)", "bad key=x"]) {
    it(`refuses ${JSON.stringify(bad)} with a message that says the forms`, () => {
      assert.throws(() => parseSelector(bad), (err: unknown) => err instanceof InvalidRequestError && /key=value/.test(err.message));
    });
  }
});
