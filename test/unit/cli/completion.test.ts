/**
 * Shell completion scripts generated from the program tree: each names every command and sub-command;
 * bash's is valid (`bash -n`) and, sourced into bash, completes sub-commands, flags of the command typed
 * and files after a flag that takes a value; zsh's and fish's are checked by their shells when installed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { commandNodes, completionScript, editDistance, suggestions } from "../../../src/cli/completion.js";
import { buildProgram } from "../../../src/cli/program.js";
import { UsageError } from "../../../src/core/errors.js";

const program = buildProgram();
/** The fish script in a file (fish reads scripts from files), removed after the tests. */
const fishDir = mkdtempSync(join(tmpdir(), "plumb-fish-"));
after(() => rmSync(fishDir, { recursive: true, force: true }));
const fishFile = (): string => {
  const file = join(fishDir, "plumb.fish");
  writeFileSync(file, completionScript(program, "fish"));
  return file;
};
const has = (shell: string): boolean => spawnSync(shell, ["--version"], { stdio: "ignore" }).status === 0;

/** Completes `words` (the last one being typed) with the bash script; the candidates offered. */
function bashComplete(words: string[]): string[] {
  const script = `${completionScript(program, "bash")}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _plumb; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", cwd: "/" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

describe("completion scripts", () => {
  const nodes = commandNodes(program);

  it("the tree has every command, with aliases, and each command's flags", () => {
    const paths = nodes.map((n) => n.path);
    for (const p of ["plumb app sync", "plumb app ls", "plumb account can-i", "plumb proj get", "plumb login", "plumb completion", "plumb context", "plumb ctx"]) assert.ok(paths.includes(p), p);
    const sync = nodes.find((n) => n.path === "plumb app sync")!;
    assert.ok(sync.flags.some((f) => f.flag === "--revision" && f.takesValue));
    assert.ok(sync.flags.some((f) => f.flag === "--prune" && !f.takesValue));
  });

  for (const shell of ["bash", "zsh", "fish"]) {
    it(`${shell}: names every sub-command`, () => {
      const script = completionScript(program, shell);
      for (const n of nodes) for (const s of n.subcommands) assert.ok(script.includes(s.name), `${shell} script lacks ${n.path} ${s.name}`);
      // fish names long flags without their dashes (complete -l app-namespace).
      for (const word of ["terminate-op", "generate-token", "can-i", "--app-namespace", "--auth-token", "--show-secrets"]) {
        const written = shell === "fish" ? word.replace(/^--/, "-l ") : word;
        assert.ok(script.includes(written), `${shell}: ${written}`);
      }
    });
  }

  it("bash: the script is valid (bash -n)", () => {
    const r = spawnSync("bash", ["-n"], { input: completionScript(program, "bash"), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  it("zsh: the script is valid (zsh -n)", { skip: !has("zsh") && "zsh is not installed" }, () => {
    const r = spawnSync("zsh", ["-n"], { input: completionScript(program, "zsh"), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  it("fish: the script is valid (fish -n)", { skip: !has("fish") && "fish is not installed" }, () => {
    const r = spawnSync("fish", ["-n", fishFile()], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  const cases: Array<[string[], (got: string[]) => boolean, string]> = [
    [["plumb", ""], (g) => ["app", "login", "account", "proj", "completion"].every((c) => g.includes(c)), "top-level commands"],
    [["plumb", "app", "sy"], (g) => g.join(" ") === "sync", "a sub-command by prefix"],
    [["plumb", "app", "sync", "web", "--rev"], (g) => g.join(" ") === "--revision", "a flag of the command typed"],
    [["plumb", "app", "ls", "-"], (g) => g.includes("--all-namespaces") && !g.includes("--revision"), "an alias's flags, not another command's"],
    [["plumb", "app", "sync", "--timeout", "5", "--pr"], (g) => g.join(" ") === "--prune", "a flag's value is skipped"],
    [["plumb", "app", "-n", "plumb", "ge"], (g) => g.join(" ") === "get", "flags before the sub-command are skipped"],
    [["plumb", "app", "sync", "--kubeconfig", "et"], (g) => g.includes("etc"), "files after a flag that takes a value"],
    [["plumb", "account", "c"], (g) => g.join(" ") === "can-i", "account's sub-commands"],
  ];
  for (const [words, ok, what] of cases) {
    it(`bash completes ${what}: ${words.join(" ")}▮`, () => {
      const got = bashComplete(words);
      assert.ok(ok(got), `got ${JSON.stringify(got)}`);
    });
  }

  // zsh's completion system stubbed: _describe prints the candidates it is given, _files says FILES.
  const zshComplete = (words: string[]): string[] => {
    const stubs = `compdef() {}; _describe() { print -rl -- "\${(@P)4}"; }; _files() { print FILES; }`;
    const script = `${stubs}\n${completionScript(program, "zsh")}\nwords=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _plumb`;
    const r = spawnSync("zsh", ["-c", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n").filter(Boolean).map((l) => l.split(":")[0]!);
  };
  it("zsh: offers the sub-commands, the flags of the command typed, files after a flag's value", { skip: !has("zsh") && "zsh is not installed" }, () => {
    assert.ok(zshComplete(["plumb", "app", "sy"]).includes("sync"));
    const flags = zshComplete(["plumb", "app", "sync", "web", "--rev"]);
    assert.ok(flags.includes("--revision") && !flags.includes("--all-namespaces"), flags.join(" "));
    assert.deepEqual(zshComplete(["plumb", "app", "sync", "--kubeconfig", ""]), ["FILES"]);
    assert.ok(zshComplete(["plumb", "app", "-n", "plumb", ""]).includes("get"), "a flag's value is skipped");
  });

  it("fish: complete -C offers the sub-commands and the flags of the command typed", { skip: !has("fish") && "fish is not installed" }, () => {
    const fishComplete = (line: string): string[] => {
      const r = spawnSync("fish", ["-c", `source ${fishFile()}; complete -C ${JSON.stringify(line)}`], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]!);
    };
    assert.deepEqual(fishComplete("plumb app sy"), ["sync"]);
    assert.deepEqual(fishComplete("plumb app sync web --rev"), ["--revision"]);
    assert.deepEqual(fishComplete("plumb app -n plumb ge"), ["get"]);
    assert.ok(fishComplete("plumb ").includes("account"));
  });

  it("an unknown shell is a usage error naming the shells", () => {
    assert.throws(() => completionScript(program, "tcsh"), (e: Error) => e instanceof UsageError && /bash, zsh, fish/.test(e.message));
  });
});

describe("suggestions", () => {
  it("edit distance counts a swap as one", () => {
    assert.equal(editDistance("snyc", "sync"), 1);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
  });
  const cases: Array<[string, string[], string[]]> = [
    ["snyc", ["sync", "list", "get"], ["sync"]],
    ["lst", ["list", "get"], ["list"]],
    ["nosuch", ["app", "login", "proj"], []],
    ["acc", ["account", "app"], ["account"]],
    ["histroy", ["history", "rollback"], ["history"]],
  ];
  for (const [word, names, want] of cases) it(`${word} → ${want.join(", ") || "none"}`, () => assert.deepEqual(suggestions(word, names), want));
});
