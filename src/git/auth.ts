/**
 * Handing credentials to one git process without putting them in its argv, a URL, a config file or a log.
 *
 * - Configuration goes through git's `GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n`
 *   environment variables (git ≥ 2.31): they live in the child's environment only.
 * - HTTPS user/password or token: the credential helpers of the user's git config are reset
 *   (`credential.helper=` with an empty value clears the list, so nothing is stored in, or taken from, a
 *   keychain), then one inline helper prints `username=$PLUMB_GIT_USERNAME` / `password=$PLUMB_GIT_PASSWORD`
 *   — it names the variables, the values stay in the environment.
 * - A bearer token becomes `http.extraHeader` through the same variables.
 * - SSH: the key is written to a file of mode 600 in a fresh folder of mode 700, named in `GIT_SSH_COMMAND`
 *   with `-i`, and removed when the process ends; host keys are checked strictly against `knownHosts` (the
 *   record's, else the global one, else ssh's default files) unless `insecureIgnoreHostKey` says otherwise;
 *   a server silent for `sshTimeoutSeconds` — while connecting (ConnectTimeout, which also bounds the banner
 *   exchange) or once connected (ServerAliveInterval × ServerAliveCountMax) — is given up on, as curl's
 *   low-speed limit does over HTTP.
 *
 * `secrets` lists every string that must be redacted from git's output.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RepoCredentials } from "./credentials.js";
import { UsageError } from "../core/errors.js";
import { isSshURL } from "./url.js";

/** What one git process needs for a repository's credentials. */
export interface GitAuth {
  /** Environment variables to add to the child's environment. */
  env: Record<string, string>;
  /** Strings to redact from anything git prints. */
  secrets: string[];
  /** True if credentials were configured (changes the advice on an auth failure). */
  hasCredentials: boolean;
  /** Removes temporary files (the SSH key); safe to call twice. */
  cleanup(): Promise<void>;
}

/** Options of prepareAuth. */
export interface AuthOptions {
  /** Where the temporary SSH key folder goes. Default: the OS temp folder. */
  tempDir?: string;
  /** known_hosts lines used when the record has none (Argo CD's argocd-ssh-known-hosts-cm). */
  knownHosts?: string;
  /** SSH: give up on a server silent this long (seconds). Default: ssh's own (none). */
  sshTimeoutSeconds?: number;
}

/** The inline credential helper: prints the values of two variables of its own environment. */
export const CREDENTIAL_HELPER =
  `!f() { test "$1" = get || return 0; printf 'username=%s\\npassword=%s\\n' "$PLUMB_GIT_USERNAME" "$PLUMB_GIT_PASSWORD"; }; f`;

/** Git configuration as environment variables (GIT_CONFIG_COUNT and pairs). */
export function configEnv(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

/** Quotes a word for the POSIX shell that runs GIT_SSH_COMMAND. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The parts of an ssh command line. */
export interface SshCommandOptions {
  keyFile?: string;
  knownHostsFile?: string;
  insecureIgnoreHostKey?: boolean;
  /** Give up on a server silent this long, in seconds, connecting or connected. */
  timeoutSeconds?: number;
}

/** The GIT_SSH_COMMAND for these options: never interactive, strict host keys unless told otherwise. */
export function sshCommand(o: SshCommandOptions): string {
  const parts = ["ssh", "-o", "BatchMode=yes"];
  if (o.keyFile) parts.push("-i", shellQuote(o.keyFile), "-o", "IdentitiesOnly=yes");
  if (o.insecureIgnoreHostKey) parts.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR");
  else {
    parts.push("-o", "StrictHostKeyChecking=yes");
    if (o.knownHostsFile) parts.push("-o", `UserKnownHostsFile=${shellQuote(o.knownHostsFile)}`);
  }
  if (o.timeoutSeconds !== undefined && o.timeoutSeconds > 0) {
    const t = Math.ceil(o.timeoutSeconds);
    parts.push("-o", `ConnectTimeout=${t}`, "-o", `ServerAliveInterval=${Math.max(1, Math.ceil(t / 3))}`, "-o", "ServerAliveCountMax=3");
  }
  return parts.join(" ");
}

/** The basic-auth user and password of a record, if it has them. */
export function basicAuth(c: RepoCredentials | undefined): { username: string; password: string } | undefined {
  if (!c) return undefined;
  const password = c.token ?? c.password;
  if (!password && !c.username) return undefined;
  return { username: c.username || "x-access-token", password: password ?? "" };
}

/** Everything that must never be shown: passwords, tokens, and their URL-encoded and basic-auth forms. */
export function secretsOf(c: RepoCredentials | undefined): string[] {
  if (!c) return [];
  const out = new Set<string>();
  for (const s of [c.password, c.token, c.bearerToken]) {
    if (!s) continue;
    out.add(s);
    out.add(encodeURIComponent(s));
  }
  const basic = basicAuth(c);
  if (basic?.password) out.add(Buffer.from(`${basic.username}:${basic.password}`).toString("base64"));
  return [...out].filter((s) => s.length > 0);
}

/** Prepares the environment for git to use `creds` with `url`. Call `cleanup()` when the process has ended. */
export async function prepareAuth(url: string, creds: RepoCredentials | undefined, opts: AuthOptions = {}): Promise<GitAuth> {
  // Reset helpers from the user's config in every case: nothing stored in or read from a keychain.
  const config: Array<[string, string]> = [["credential.helper", ""]];
  const env: Record<string, string> = {};
  let tempFolder: string | undefined;
  const cleanup = async (): Promise<void> => {
    const dir = tempFolder;
    tempFolder = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  };

  const basic = basicAuth(creds);
  for (const [name, value] of [["username", basic?.username], ["password", basic?.password]] as const) {
    if (value && /[\r\n\0]/.test(value)) throw new UsageError(`the ${name} of the credentials for ${url} contains a line break`, "fix the repository Secret");
  }
  if (basic) {
    config.push(["credential.helper", CREDENTIAL_HELPER]);
    env.PLUMB_GIT_USERNAME = basic.username;
    env.PLUMB_GIT_PASSWORD = basic.password;
  }
  if (creds?.bearerToken) config.push(["http.extraHeader", `Authorization: Bearer ${creds.bearerToken}`]);
  if (creds?.insecureSkipTLSVerify) config.push(["http.sslVerify", "false"]);

  if (isSshURL(url)) {
    const knownHosts = creds?.knownHosts ?? opts.knownHosts;
    const needFiles = !!creds?.sshPrivateKey || (!!knownHosts && !creds?.insecureIgnoreHostKey);
    const ssh: SshCommandOptions = { insecureIgnoreHostKey: !!creds?.insecureIgnoreHostKey, ...(opts.sshTimeoutSeconds ? { timeoutSeconds: opts.sshTimeoutSeconds } : {}) };
    if (needFiles) {
      tempFolder = await mkdtemp(join(opts.tempDir ?? tmpdir(), "plumb-ssh-"));
      await chmod(tempFolder, 0o700);
      try {
        if (creds?.sshPrivateKey) {
          ssh.keyFile = join(tempFolder, "key");
          const key = creds.sshPrivateKey.endsWith("\n") ? creds.sshPrivateKey : `${creds.sshPrivateKey}\n`;
          await writeFile(ssh.keyFile, key, { mode: 0o600 });
        }
        if (knownHosts && !creds?.insecureIgnoreHostKey) {
          ssh.knownHostsFile = join(tempFolder, "known_hosts");
          await writeFile(ssh.knownHostsFile, knownHosts.endsWith("\n") ? knownHosts : `${knownHosts}\n`, { mode: 0o600 });
        }
      } catch (err) {
        await cleanup();
        throw err;
      }
    }
    env.GIT_SSH_COMMAND = sshCommand(ssh);
    env.GIT_SSH_VARIANT = "ssh";
  }
  return { env: { ...env, ...configEnv(config) }, secrets: secretsOf(creds), hasCredentials: !!basic || !!creds?.bearerToken || !!creds?.sshPrivateKey, cleanup };
}
