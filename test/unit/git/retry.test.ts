/** Backoff by kind of Git failure: one table, each row a failure kind and its delays for attempts 0, 1, 2… */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  GitAuthError,
  GitError,
  GitHostKeyError,
  GitUnreachableError,
  RepositoryNotFoundError,
  RevisionPendingError,
  UnknownRevisionError,
  gitRetryDelayMs,
} from "../../../src/git/index.js";
import { GitCommandFailure } from "../../../src/git/exec.js";

const URL = "https://git.example.com/org/app.git";
const s = (n: number): number => n * 1000;
const m = (n: number): number => n * 60_000;

const table: Array<{ kind: string; error: unknown; delays: number[] }> = [
  { kind: "unreachable", error: new GitUnreachableError(URL, "connection refused"), delays: [s(5), s(10), s(20), s(40), s(80), s(160), m(3), m(3)] },
  { kind: "unreachable, timed out", error: new GitUnreachableError(URL, "timed out", true), delays: [s(5), s(10), s(20)] },
  { kind: "auth", error: new GitAuthError(URL, "401", true), delays: [m(1), m(2), m(4), m(8), m(10), m(10)] },
  { kind: "host key", error: new GitHostKeyError(URL, "no host key"), delays: [m(1), m(2), m(4), m(8), m(10)] },
  { kind: "not found", error: new RepositoryNotFoundError(URL, "404"), delays: [s(30), m(1), m(2), m(4), m(8), m(10), m(10)] },
  { kind: "unknown revision", error: new UnknownRevisionError(URL, "mian", ["main (branch)"]), delays: [s(30), m(1), m(2), m(4), m(5), m(5)] },
  { kind: "pending", error: new RevisionPendingError(URL, "main", "first-fetch"), delays: [s(2), s(2), s(2), s(2)] },
  { kind: "other git failure", error: new GitError("failed", URL, "git fetch failed"), delays: [s(5), s(10), s(20), s(40), s(80), s(160), m(3)] },
  { kind: "not a GitError", error: new Error("render failed"), delays: [s(5), s(10), s(20), s(40)] },
  { kind: "an unclassified git command failure", error: new GitCommandFailure(["fetch"], "boom", 1, false), delays: [s(5), s(10)] },
  { kind: "not even an Error", error: "a string", delays: [s(5), s(10)] },
];

describe("gitRetryDelayMs", () => {
  for (const row of table) {
    it(`${row.kind}: ${row.delays.map((d) => `${d / 1000}s`).join(", ")}`, () => {
      assert.deepEqual(
        row.delays.map((_, attempt) => gitRetryDelayMs(row.error, attempt)),
        row.delays,
      );
    });
  }

  it("stays at the cap however many attempts, and treats odd attempt numbers sanely", () => {
    const unreachable = new GitUnreachableError(URL, "refused");
    assert.equal(gitRetryDelayMs(unreachable, 1_000_000), m(3));
    assert.equal(gitRetryDelayMs(unreachable, Infinity), m(3));
    assert.equal(gitRetryDelayMs(unreachable, -3), s(5));
    assert.equal(gitRetryDelayMs(unreachable, Number.NaN), s(5));
    assert.equal(gitRetryDelayMs(unreachable, 1.7), s(10));
  });

  it("credentials wait longer than a network failure at every attempt (they do not fix themselves)", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      assert.ok(gitRetryDelayMs(new GitAuthError(URL, "401", true), attempt) >= gitRetryDelayMs(new GitUnreachableError(URL, "x"), attempt), `attempt ${attempt}`);
    }
  });
});
