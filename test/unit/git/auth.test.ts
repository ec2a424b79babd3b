/**
 * Credentials handed to one git process: through its environment only (never argv or a URL), SSH keys in
 * private temporary files, and git's messages redacted and classified. No SSH server here: the SSH command
 * and key handling are checked as built.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { CREDENTIAL_HELPER, prepareAuth, secretsOf, shellQuote, sshCommand } from "../../../src/git/auth.js";
import { GitAuthError, GitHostKeyError, GitUnreachableError, RepositoryNotFoundError } from "../../../src/git/errors.js";
import { classifyFailure, GitCommandFailure, redact } from "../../../src/git/exec.js";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";

/** The value of the ssh option -o NAME=… in a command line. */
const option = (cmd: string, name: string): string | undefined => new RegExp(`-o ${name}=(\\S+)`).exec(cmd)?.[1];

describe("SSH command", () => {
  it("is strict by default and never prompts", () => {
    const cmd = sshCommand({});
    assert.equal(option(cmd, "BatchMode"), "yes");
    assert.equal(option(cmd, "StrictHostKeyChecking"), "yes");
    assert.doesNotMatch(cmd, / -i /);
  });
  it("names the key file, quoted, with IdentitiesOnly, and a known-hosts file", () => {
    const cmd = sshCommand({ keyFile: "/tmp/it's/key", knownHostsFile: "/tmp/kh" });
    assert.match(cmd, / -i '\/tmp\/it'\\''s\/key' /);
    assert.equal(option(cmd, "IdentitiesOnly"), "yes");
    assert.equal(option(cmd, "UserKnownHostsFile"), "'/tmp/kh'");
  });
  it("insecureIgnoreHostKey turns host key checking off", () => {
    const cmd = sshCommand({ insecureIgnoreHostKey: true });
    assert.equal(option(cmd, "StrictHostKeyChecking"), "no");
    assert.equal(option(cmd, "UserKnownHostsFile"), "/dev/null");
  });
  it("gives up on a silent server after timeoutSeconds, connecting or connected; no limit unless asked", () => {
    const cmd = sshCommand({ timeoutSeconds: 30 });
    assert.equal(option(cmd, "ConnectTimeout"), "30");
    assert.equal(Number(option(cmd, "ServerAliveInterval")) * Number(option(cmd, "ServerAliveCountMax")), 30);
    assert.equal(option(cmd, "ConnectTimeout"), option(sshCommand({ timeoutSeconds: 29.2 }), "ConnectTimeout"), "whole seconds, rounded up");
    assert.equal(option(sshCommand({ timeoutSeconds: 1 }), "ServerAliveInterval"), "1");
    assert.equal(option(sshCommand({}), "ConnectTimeout"), undefined);
    assert.equal(option(sshCommand({ timeoutSeconds: 0 }), "ServerAliveInterval"), undefined);
  });
  it("quotes for the shell", () => {
    assert.equal(shellQuote("a b"), "'a b'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});

describe("prepareAuth", () => {
  it("SSH: writes the key to a 0600 file in a 0700 folder, removed by cleanup", async () => {
    const auth = await prepareAuth("git@git.example.com:org/app.git", { url: "git@git.example.com:org", sshPrivateKey: KEY, knownHosts: "git.example.com ssh-ed25519 AAAA" });
    const cmd = auth.env.GIT_SSH_COMMAND!;
    const keyFile = / -i '([^']+)'/.exec(cmd)?.[1];
    assert.ok(keyFile, cmd);
    assert.equal(readFileSync(keyFile, "utf8"), `${KEY}\n`, "the key ends with a newline, as ssh wants");
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(keyFile)).mode & 0o777, 0o700);
    const known = option(cmd, "UserKnownHostsFile")!.replace(/'/g, "");
    assert.equal(readFileSync(known, "utf8"), "git.example.com ssh-ed25519 AAAA\n");
    assert.equal(option(cmd, "StrictHostKeyChecking"), "yes");
    assert.doesNotMatch(JSON.stringify(auth.env), /b3BlbnNzaC1rZXktdjEAAAAA/, "the key itself is in no variable");
    assert.equal(auth.hasCredentials, true);
    await auth.cleanup();
    assert.equal(existsSync(dirname(keyFile)), false);
    await auth.cleanup();
  });

  it("SSH: the global known hosts apply when the record has none; insecure skips them", async () => {
    const a = await prepareAuth("ssh://git@h/app", undefined, { knownHosts: "h ssh-ed25519 BBBB" });
    assert.ok(option(a.env.GIT_SSH_COMMAND!, "UserKnownHostsFile"));
    assert.equal(a.hasCredentials, false);
    await a.cleanup();
    const b = await prepareAuth("ssh://git@h/app", { url: "ssh://git@h/app", insecureIgnoreHostKey: true }, { knownHosts: "h ssh-ed25519 BBBB" });
    assert.equal(option(b.env.GIT_SSH_COMMAND!, "StrictHostKeyChecking"), "no");
    await b.cleanup();
  });

  it("HTTPS: the password is in a variable of the child only; config resets helpers, then names the variables", async () => {
    const auth = await prepareAuth("https://h/app", { url: "https://h/app", username: "dev", password: "s3cret" });
    assert.equal(auth.env.PLUMB_GIT_USERNAME, "dev");
    assert.equal(auth.env.PLUMB_GIT_PASSWORD, "s3cret");
    assert.equal(auth.env.GIT_CONFIG_KEY_0, "credential.helper");
    assert.equal(auth.env.GIT_CONFIG_VALUE_0, "");
    assert.equal(auth.env.GIT_CONFIG_VALUE_1, CREDENTIAL_HELPER);
    assert.doesNotMatch(CREDENTIAL_HELPER, /s3cret/);
    assert.equal(auth.env.GIT_SSH_COMMAND, undefined);
    assert.deepEqual(auth.secrets.sort(), ["s3cret", Buffer.from("dev:s3cret").toString("base64")].sort());
  });

  it("HTTPS: a token is the password of x-access-token; a bearer token is a header", async () => {
    const t = await prepareAuth("https://h/app", { url: "https://h", token: "ghp_abc" });
    assert.equal(t.env.PLUMB_GIT_USERNAME, "x-access-token");
    assert.equal(t.env.PLUMB_GIT_PASSWORD, "ghp_abc");
    const b = await prepareAuth("https://h/app", { url: "https://h", bearerToken: "bt-123", insecureSkipTLSVerify: true });
    assert.equal(b.env.GIT_CONFIG_KEY_1, "http.extraHeader");
    assert.equal(b.env.GIT_CONFIG_VALUE_1, "Authorization: Bearer bt-123");
    assert.equal(b.env.GIT_CONFIG_KEY_2, "http.sslVerify");
    assert.ok(b.secrets.includes("bt-123"));
  });

  it("refuses a password with a line break (it would break git's credential protocol)", async () => {
    await assert.rejects(prepareAuth("https://h/app", { url: "https://h", username: "u", password: "a\nb" }), /line break/);
  });
});

describe("git's messages", () => {
  it("are redacted: secrets, their URL-encoded forms, passwords in URLs", () => {
    const secrets = secretsOf({ url: "https://h", username: "dev", password: "p@ss word" });
    const text = "fatal: could not use p@ss word or p%40ss%20word at https://dev:other@h/app";
    const out = redact(text, secrets);
    assert.equal(out, "fatal: could not use *** or *** at https://dev:***@h/app");
  });

  const failure = (stderr: string, timedOut = false) => new GitCommandFailure(["fetch"], stderr, timedOut ? null : 128, timedOut);
  const cases: Array<[string, string, new (...a: never[]) => Error, RegExp]> = [
    ["auth", "fatal: Authentication failed for 'https://h/app/'", GitAuthError, /^authentication failed for https:\/\/h\/app: check the repository credentials/],
    ["auth, no prompt", "fatal: could not read Username for 'https://h': terminal prompts disabled", GitAuthError, /check the repository credentials/],
    ["ssh key refused", "git@h: Permission denied (publickey).\nfatal: Could not read from remote repository.", GitAuthError, /authentication failed/],
    ["host key", "Host key verification failed.\nfatal: Could not read from remote repository.", GitHostKeyError, /host key verification failed/],
    ["not found", "remote: Repository not found.\nfatal: repository 'https://h/app/' not found", RepositoryNotFoundError, /not found/],
    ["refused", "fatal: unable to access 'https://h/app/': Failed to connect to h port 443: Connection refused", GitUnreachableError, /^cannot reach https:\/\/h\/app: unable to access/],
    ["dns", "fatal: unable to access 'https://h/app/': Could not resolve host: h", GitUnreachableError, /Could not resolve host/],
  ];
  for (const [name, stderr, type, message] of cases) {
    it(`classifies: ${name}`, () => {
      const err = classifyFailure(failure(stderr), "https://h/app", true);
      assert.ok(err instanceof type, `${err.name}: ${err.message}`);
      assert.match(err.message, message);
    });
  }
  it("classifies a timeout as unreachable, and says what to do", () => {
    const err = classifyFailure(failure("", true), "https://h/app", false);
    assert.ok(err instanceof GitUnreachableError);
    assert.match(err.message, /timed out[\s\S]*last fetched commit/);
  });
  it("classifies a full disk under the mirror as such, naming the repository and what to do", () => {
    const err = classifyFailure(failure("error: unable to write file objects/pack/tmp_pack_x: No space left on device\nfatal: unpack-objects failed"), "https://h/app", false);
    assert.match(err.message, /^cannot write the mirror of https:\/\/h\/app: no space left on device[\s\S]*free space on the volume of the cache folder/);
  });
  it("advises adding a Secret when no credentials were configured", () => {
    const err = classifyFailure(failure("fatal: Authentication failed for 'https://h/app/'"), "https://h/app", false);
    assert.match(err.message, /no credentials are configured/);
  });
});
