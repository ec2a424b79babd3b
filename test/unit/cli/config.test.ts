/** The contexts file: where it is, what it holds, how logins and logouts change it, and that it stays private. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configPath, contextNameFor, currentContext, loadConfig, parseConfig, saveConfig, serializeConfig, withContext, withCurrent, withoutToken, type Config } from "../../../src/cli/config.js";
import { UsageError } from "../../../src/core/errors.js";

describe("configPath", () => {
  const cases: Array<[string, NodeJS.ProcessEnv, string]> = [
    ["PLUMB_CONFIG wins", { PLUMB_CONFIG: "/etc/p.yaml", XDG_CONFIG_HOME: "/x" }, "/etc/p.yaml"],
    ["else $XDG_CONFIG_HOME/plumb/config", { XDG_CONFIG_HOME: "/x" }, "/x/plumb/config"],
    ["else ~/.config/plumb/config", {}, "/home/u/.config/plumb/config"],
    ["an empty XDG_CONFIG_HOME counts as unset", { XDG_CONFIG_HOME: "" }, "/home/u/.config/plumb/config"],
  ];
  for (const [name, env, want] of cases) it(name, () => assert.equal(configPath(env, "/home/u"), want));
});

describe("contexts", () => {
  const a = { name: "a", server: "https://a.example.com", user: "admin", token: "tok-a" };
  const b = { name: "b", server: "http://127.0.0.1:8080", token: "tok-b", plaintext: true };

  it("a login adds a context and makes it current; a second login of the same name replaces it", () => {
    let c: Config = { contexts: [] };
    c = withContext(c, a);
    c = withContext(c, b);
    assert.equal(currentContext(c)?.name, "b");
    c = withContext(c, { ...a, token: "tok-a2" });
    assert.deepEqual(c.contexts.map((x) => [x.name, x.token]), [["a", "tok-a2"], ["b", "tok-b"]]);
    assert.equal(c["current-context"], "a");
  });

  it("a logout forgets the token and keeps the context", () => {
    const c = withoutToken(withContext(withContext({ contexts: [] }, a), b), "a");
    assert.equal(c.contexts.find((x) => x.name === "a")?.token, undefined);
    assert.equal(c.contexts.find((x) => x.name === "a")?.server, a.server);
    assert.equal(c.contexts.find((x) => x.name === "b")?.token, "tok-b");
  });

  it("switching to an unknown context is a usage error naming the known ones", () => {
    const c = withContext({ contexts: [] }, a);
    assert.equal(withCurrent(c, "a")["current-context"], "a");
    assert.throws(() => withCurrent(c, "nope"), (e: Error) => e instanceof UsageError && /no context "nope"/.test(e.message) && /the contexts: a/.test(e.message));
  });

  it("a current-context naming a deleted context means none", () => {
    assert.equal(currentContext({ "current-context": "gone", contexts: [a] }), undefined);
  });

  it("the default name is the server's host:port", () => {
    assert.equal(contextNameFor("https://plumb.example.com"), "plumb.example.com");
    assert.equal(contextNameFor("http://127.0.0.1:8080"), "127.0.0.1:8080");
  });

  it("round-trips through YAML", () => {
    const c = withContext(withContext({ contexts: [] }, a), b);
    assert.deepEqual(parseConfig(serializeConfig(c)), c);
    assert.match(serializeConfig(c), /^current-context: b$/m);
  });

  it("a file that is not a contexts file is a usage error naming the file and the field", () => {
    assert.throws(() => parseConfig("contexts: [{name: x}]", "/tmp/cfg"), (e: Error) => e instanceof UsageError && /\/tmp\/cfg: contexts\.0\.server/.test(e.message));
    assert.throws(() => parseConfig("contexts: [", "/tmp/cfg"), (e: Error) => e instanceof UsageError && /not valid YAML/.test(e.message));
    assert.deepEqual(parseConfig(""), { contexts: [] });
  });
});

describe("saveConfig / loadConfig", () => {
  it("writes mode 0600 in a new 0700 folder, also over a file others could read", () => {
    const dir = mkdtempSync(join(tmpdir(), "plumb-cfg-"));
    try {
      const path = join(dir, "sub", "config");
      assert.deepEqual(loadConfig(path), { contexts: [] }, "no file: no contexts");
      saveConfig(withContext({ contexts: [] }, { name: "x", server: "https://x", token: "secret-token" }), path);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, "sub")).mode & 0o777, 0o700);
      assert.equal(loadConfig(path).contexts[0]?.token, "secret-token");

      writeFileSync(path, readFileSync(path), { mode: 0o644 });
      saveConfig(loadConfig(path), path);
      assert.equal(statSync(path).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
