/**
 * Running git with a time limit that really ends it. Real git, real loopback servers: a TCP server that
 * accepts connections and never says a word plays a Git server that hangs. A timed-out or aborted command
 * must settle, and take the helpers git started (git-remote-http) with it — they share git's pipes, and
 * killing git alone used to leave the fetch waiting on them forever.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { GitUnreachableError } from "../../src/git/index.js";
import { classifyFailure, GitCommandFailure, runGit } from "../../src/git/exec.js";
import { startHangingServer, type HangingServer } from "../helpers/hanging-server.js";
import { waitFor } from "../helpers/wait.js";

/** Live processes (not zombies: those have an empty cmdline) whose command line contains `text`. */
function processesWith(text: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
      continue; // ended meanwhile
    }
    if (cmdline.includes(text)) found.push({ pid: Number(name), cmdline });
  }
  return found;
}

/** The promise's outcome, or "pending" if it has not settled within `ms` (a generous bound, not a benchmark). */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown } | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), ms)));
  try {
    return await Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe("running git: a time limit that ends the command", { timeout: 90_000 }, () => {
  let silent: HangingServer;
  before(async () => {
    silent = await startHangingServer();
  });
  after(async () => {
    await silent?.close();
  });

  it("a timed-out command against a server that never answers settles, and no git-remote-http survives", async () => {
    const url = `${silent.url}/timeout-${process.pid}.git`;
    const run = runGit(["ls-remote", url], { timeoutMs: 1500 });
    // The helper is really there (else this test would prove nothing about it).
    await waitFor("git-remote-http to connect", async () => processesWith(url).some((p) => /remote-http/.test(p.cmdline)), 20_000, 50);
    const outcome = await settledWithin(run, 30_000);
    assert.notEqual(outcome, "pending", "the timed-out command never settled: a helper kept its pipes open");
    const { error } = outcome as { error?: unknown };
    assert.ok(error instanceof GitCommandFailure, String(error));
    assert.equal(error.timedOut, true);
    assert.match(error.message, /^git ls-remote failed \(timed out\)/);
    const classified = classifyFailure(error, url, false);
    assert.ok(classified instanceof GitUnreachableError && classified.timedOut, String(classified));
    await waitFor("git and git-remote-http to be gone", async () => processesWith(url).length === 0 || undefined, 10_000, 50).catch(() => {
      assert.fail(`still running: ${JSON.stringify(processesWith(url))}`);
    });
  });

  it("an aborted command ends the same way", async () => {
    const url = `${silent.url}/abort-${process.pid}.git`;
    const abort = new AbortController();
    const run = runGit(["ls-remote", url], { signal: abort.signal });
    await waitFor("git-remote-http to connect", async () => processesWith(url).some((p) => /remote-http/.test(p.cmdline)), 20_000, 50);
    abort.abort();
    const outcome = await settledWithin(run, 30_000);
    assert.notEqual(outcome, "pending", "the aborted command never settled");
    const { error } = outcome as { error?: unknown };
    assert.ok(error instanceof GitCommandFailure, String(error));
    assert.match(error.stderr, /aborted/);
    await waitFor("git and git-remote-http to be gone", async () => processesWith(url).length === 0 || undefined, 10_000, 50).catch(() => {
      assert.fail(`still running: ${JSON.stringify(processesWith(url))}`);
    });
  });

  it("settles when git exits, even if a process it started in another session keeps the pipes open", async () => {
    // `setsid` puts the sleep outside git's process group, out of reach of the group kill: only closing the
    // pipes from our side lets the command settle before the sleep ends.
    const marker = `47.${process.pid}`;
    try {
      const outcome = await settledWithin(runGit(["-c", `alias.hold=!setsid sleep ${marker} &`, "hold"]), 20_000);
      assert.notEqual(outcome, "pending", "waited for the pipes instead of git's exit");
      assert.deepEqual(outcome, { value: "" });
      assert.ok(processesWith(`sleep ${marker}`).length > 0, "the detached sleep still runs (it held the pipes)");
    } finally {
      for (const p of processesWith(`sleep ${marker}`)) process.kill(p.pid, "SIGKILL");
    }
  });
});
