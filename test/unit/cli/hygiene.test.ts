/**
 * CLI hygiene, run as a user would (the built CLI in a child process): unknown commands are errors with a
 * suggestion (also under --help), colour only on a terminal and never with NO_COLOR, and `plumb context`
 * over a contexts file of its own.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { colourWanted } from "../../../src/cli/output.js";
import { fixture, repoRoot } from "../../helpers/paths.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");
const temp = mkdtempSync(join(tmpdir(), "plumb-hygiene-"));
const CONFIG = join(temp, "config");
/** The environment of every run: no colour settings of the caller's, a contexts file of our own. */
const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, PLUMB_CONFIG: CONFIG };
  for (const k of ["NO_COLOR", "FORCE_COLOR", "PLUMB_SERVER", "PLUMB_AUTH_TOKEN", "PLUMB_CONTEXT"]) delete env[k];
  return env;
};

function plumb(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...baseEnv(), ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const ESC = "\u001b[";
after(() => rmSync(temp, { recursive: true, force: true }));

describe("unknown commands", () => {
  const cases: Array<{ args: string[]; message: RegExp }> = [
    { args: ["nosuch", "--help"], message: /^plumb: unknown command 'nosuch'\n {2}→ run 'plumb --help' to see the commands\n$/ },
    { args: ["nosuch"], message: /unknown command 'nosuch'/ },
    { args: ["ap", "--help"], message: /unknown command 'ap'; did you mean 'app' or 'up' or 'apply'\?/ },
    { args: ["app", "snyc"], message: /unknown command 'snyc' for 'plumb app'; did you mean 'sync'\?/ },
    { args: ["app", "snyc", "--help"], message: /unknown command 'snyc' for 'plumb app'; did you mean 'sync'\?/ },
    { args: ["proj", "-h", "lst"], message: /unknown command 'lst' for 'plumb proj'; did you mean 'list'\?/ },
    { args: ["account", "generate-tokn"], message: /did you mean 'generate-token'\?/ },
    { args: ["help", "nosuch"], message: /unknown command 'nosuch'/ },
  ];
  for (const c of cases) {
    it(`plumb ${c.args.join(" ")} → exit 2, ${c.message.source}`, async () => {
      const r = await plumb(c.args);
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(r.stdout, "", "no help printed as if it had worked");
    });
  }
  it("known commands still show their help and exit 0", async () => {
    const [top, sync, leaf] = await Promise.all([plumb(["--help"]), plumb(["app", "sync", "--help"]), plumb(["app", "get", "nosuch-app-name", "--help"])]);
    for (const r of [top, sync, leaf]) assert.equal(r.code, 0, r.stderr);
    assert.match(top.stdout, /^Usage: plumb/);
    assert.match(sync.stdout, /^Usage: plumb app sync/);
    assert.match(leaf.stdout, /^Usage: plumb app get/, "a leaf's arguments are not commands");
  });
});

describe("colour", () => {
  const rule: Array<[string, NodeJS.ProcessEnv, boolean, boolean]> = [
    ["a pipe: none", {}, false, false],
    ["a terminal: colour", {}, true, true],
    ["a terminal with NO_COLOR: none", { NO_COLOR: "1" }, true, false],
    ["a terminal with an empty NO_COLOR: colour (no-color.org)", { NO_COLOR: "" }, true, true],
    ["a pipe with FORCE_COLOR: colour", { FORCE_COLOR: "1" }, false, true],
    ["FORCE_COLOR=0: not forced", { FORCE_COLOR: "0" }, false, false],
    ["NO_COLOR beats FORCE_COLOR", { NO_COLOR: "1", FORCE_COLOR: "1" }, true, false],
    ["TERM=dumb: none", { TERM: "dumb" }, true, false],
  ];
  for (const [name, env, tty, want] of rule) it(name, () => assert.equal(colourWanted(env, tty), want));

  const degraded = fixture("health", "deployment", "progress-deadline-exceeded.yaml");
  it("the CLI in a pipe prints no colour; FORCE_COLOR shows it would; NO_COLOR wins over FORCE_COLOR", async () => {
    const [pipe, forced, both] = await Promise.all([plumb(["health", degraded]), plumb(["health", degraded], { FORCE_COLOR: "1" }), plumb(["health", degraded], { FORCE_COLOR: "1", NO_COLOR: "1" })]);
    assert.equal(pipe.stdout, 'Degraded: Deployment "api" exceeded its progress deadline\n');
    assert.ok(forced.stdout.includes(`${ESC}31mDegraded`), `FORCE_COLOR colours the status: ${JSON.stringify(forced.stdout)}`);
    assert.ok(!both.stdout.includes(ESC), JSON.stringify(both.stdout));
  });

  // util-linux `script` runs the CLI on a pseudo-terminal, as a person's shell would.
  const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;
  it("on a pseudo-terminal: colour, unless NO_COLOR", { skip: !hasScript && "no util-linux script(1)" }, () => {
    const run = (env: NodeJS.ProcessEnv): string =>
      spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} health ${JSON.stringify(degraded)}`, "/dev/null"], { env: { ...baseEnv(), TERM: "xterm", ...env }, encoding: "utf8", timeout: 20_000 }).stdout;
    assert.ok(run({}).includes(`${ESC}31mDegraded`), "a terminal gets colour");
    assert.ok(!run({ NO_COLOR: "1" }).includes(ESC), "NO_COLOR is honoured on a terminal");
  });
});

describe("plumb context", () => {
  it("lists the contexts, switches, refuses an unknown one, deletes; the file stays 0600", async () => {
    writeFileSync(CONFIG, "current-context: a\ncontexts:\n  - {name: a, server: 'https://a.example.com', user: admin, token: tok-a}\n  - {name: b, server: 'http://127.0.0.1:1', token: tok-b}\n", { mode: 0o600 });
    const list = await plumb(["context"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^CURRENT\s+NAME\s+SERVER\s+USER\s+LOGGED IN\n\*\s+a\s+https:\/\/a\.example\.com\s+admin\s+yes\n\s+b\s+http:\/\/127\.0\.0\.1:1\s+yes\n$/);
    assert.doesNotMatch(list.stdout + (await plumb(["context", "-o", "json"])).stdout, /tok-/, "no token printed");
    assert.equal((await plumb(["context", "b"])).stdout, "switched to context 'b'\n");
    assert.match((await plumb(["context"])).stdout, /^\*\s+b/m);
    const bad = await plumb(["context", "nope"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no context "nope"[\s\S]*the contexts: a, b/);
    assert.equal((await plumb(["context", "a", "--delete"])).code, 0);
    assert.doesNotMatch((await plumb(["context"])).stdout, /a\.example\.com/);
    assert.equal(statSync(CONFIG).mode & 0o777, 0o600);
  });

  it("API-only commands say how to reach a server when there is none", async () => {
    rmSync(CONFIG, { force: true });
    const r = await plumb(["account", "list"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /plumb account list needs a plumb server[\s\S]*plumb login SERVER/);
  });
});
