/**
 * Repository credentials, declared the way Argo CD declares them
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#repositories):
 *
 * - a *repository* record holds the credentials of exactly one repository URL;
 * - a *repo-creds* record (a credential template) holds credentials for every repository whose URL starts
 *   with its `url`; the longest matching prefix wins.
 *
 * Lookup for a repository: its exact record if that one carries credentials; otherwise the longest matching
 * template — so a repository record with only a url inherits a template's credentials, as in Argo CD.
 * URLs are compared in normal form (host case, trailing `/` and `.git` ignored); the prefix test is a plain
 * string prefix, as Argo CD's, so `https://github.com/org` also matches `https://github.com/org-two/app`.
 *
 * The controller backs a `CredentialSource` with Kubernetes Secrets through `credentialsFromSecrets`.
 * Pure: no I/O.
 */
import type { KubeObject } from "../core/object.js";
import { recordsFromSecrets, secretData, truthy } from "../core/secret.js";
import { normalizeRepoURL } from "./url.js";

/** The credentials of one repository, or of all repositories under a URL prefix. */
export interface RepoCredentials {
  /** The repository URL (match "exact") or a URL prefix (match "prefix"). */
  url: string;
  /** "exact": this repository only (Argo CD's repository Secret); "prefix": a template (repo-creds). Default "exact". */
  match?: "exact" | "prefix";
  /** HTTPS basic-auth user. */
  username?: string;
  /** HTTPS basic-auth password (or a token used as password). */
  password?: string;
  /** An HTTPS access token, sent as the basic-auth password; the user defaults to "x-access-token" (GitHub, GitLab and Gitea accept it). */
  token?: string;
  /** A bearer token sent as `Authorization: Bearer …` (Bitbucket Data Center access tokens, as Argo CD's bearerToken). */
  bearerToken?: string;
  /** A PEM/OpenSSH private key for SSH URLs. */
  sshPrivateKey?: string;
  /** SSH: accept any host key (StrictHostKeyChecking=no). Insecure; for tests and trusted networks. */
  insecureIgnoreHostKey?: boolean;
  /** SSH: known_hosts lines for the server (overrides the global known hosts). */
  knownHosts?: string;
  /** HTTPS: do not verify the server's TLS certificate. Insecure. */
  insecureSkipTLSVerify?: boolean;
}

/** Where the mirrors get credentials: repository URL → credentials, or undefined for anonymous access. */
export type CredentialSource = (repoURL: string) => RepoCredentials | undefined | Promise<RepoCredentials | undefined>;

/** True if the record carries something to authenticate with (not just a URL or options). */
export function hasAuth(c: RepoCredentials | undefined): boolean {
  return !!c && !!(c.username || c.password || c.token || c.bearerToken || c.sshPrivateKey);
}

/** The record that applies to `repoURL` (see the module comment for the rule), or undefined. */
export function selectCredentials(records: readonly RepoCredentials[], repoURL: string): RepoCredentials | undefined {
  const target = normalizeRepoURL(repoURL);
  const exact = records.find((r) => (r.match ?? "exact") === "exact" && normalizeRepoURL(r.url) === target);
  if (exact && hasAuth(exact)) return exact;
  let best: RepoCredentials | undefined;
  let bestLen = -1;
  for (const r of records) {
    if (r.match !== "prefix") continue;
    const prefix = normalizeRepoURL(r.url);
    if (target.startsWith(prefix) && prefix.length > bestLen) {
      best = r;
      bestLen = prefix.length;
    }
  }
  if (!best || !exact) return best ?? exact;
  // A repository record without credentials inherits the template's, keeping its own url and options.
  const own = Object.fromEntries(
    (["url", "match", "insecureIgnoreHostKey", "knownHosts", "insecureSkipTLSVerify"] as const).filter((k) => exact[k] !== undefined).map((k) => [k, exact[k]]),
  );
  return { ...best, ...own, match: "exact" };
}

/** A CredentialSource over a fixed list of records. */
export function staticCredentials(records: readonly RepoCredentials[]): CredentialSource {
  const copy = [...records];
  return (repoURL) => selectCredentials(copy, repoURL);
}

/** Labels that mark a Secret as repository credentials; the value is "repository" or "repo-creds". */
export const SECRET_TYPE_LABELS = ["plumb.dev/secret-type", "argocd.argoproj.io/secret-type"] as const;

/** Secret data keys plumb reads. */
const KNOWN_KEYS = new Set(["url", "type", "name", "project", "username", "password", "token", "bearerToken", "sshPrivateKey", "insecure", "insecureIgnoreHostKey", "knownHosts"]);

/** Argo CD keys that plumb does not support yet: reported, never silently ignored. */
const UNSUPPORTED_KEYS = ["tlsClientCertData", "tlsClientCertKey", "githubAppID", "githubAppInstallationID", "githubAppPrivateKey", "githubAppEnterpriseBaseUrl", "proxy", "noProxy", "gcpServiceAccountKey", "useAzureWorkloadIdentity", "enableLFS", "forceHttpBasicAuth", "enableOCI"];

/** The outcome of reading one Secret. */
export interface ParsedSecret {
  /** The credentials, if the Secret is a usable Git credential. */
  credentials?: RepoCredentials;
  /** What is wrong or ignored in it. */
  problems: string[];
}


/**
 * Reads one Secret in Argo CD's repository shape. Returns undefined if the Secret is not labelled as
 * repository credentials (or is a Helm/OCI repository); otherwise the credentials and any problems.
 */
export function parseCredentialSecret(secret: KubeObject): ParsedSecret | undefined {
  const labels = secret.metadata?.labels ?? {};
  const kind = SECRET_TYPE_LABELS.map((l) => labels[l]).find((v) => v !== undefined);
  if (kind !== "repository" && kind !== "repo-creds") return undefined;
  const d = secretData(secret);
  const type = (d.type ?? "git").trim().toLowerCase();
  if (type !== "git") return undefined;
  const problems: string[] = [];
  const url = d.url?.trim();
  if (!url) return { problems: ["has no url: add the key url (the repository URL or, for repo-creds, a URL prefix)"] };
  for (const key of UNSUPPORTED_KEYS) if (key in d) problems.push(`key ${key} is not supported yet and is ignored`);
  for (const key of Object.keys(d)) if (!KNOWN_KEYS.has(key) && !UNSUPPORTED_KEYS.includes(key)) problems.push(`unknown key ${key} is ignored`);
  const insecure = truthy(d.insecure);
  const c: RepoCredentials = { url, match: kind === "repository" ? "exact" : "prefix" };
  if (d.username) c.username = d.username;
  if (d.password) c.password = d.password;
  if (d.token) c.token = d.token;
  if (d.bearerToken) c.bearerToken = d.bearerToken;
  if (d.sshPrivateKey) c.sshPrivateKey = d.sshPrivateKey;
  if (d.knownHosts) c.knownHosts = d.knownHosts;
  if (insecure || truthy(d.insecureIgnoreHostKey)) c.insecureIgnoreHostKey = true;
  if (insecure) c.insecureSkipTLSVerify = true;
  if (c.password && !c.username) problems.push("has a password but no username: the username defaults to x-access-token");
  if (c.sshPrivateKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(c.sshPrivateKey)) problems.push("sshPrivateKey does not look like a PEM or OpenSSH private key");
  return { credentials: c, problems };
}

/** Options of credentialsFromSecrets. */
export interface SecretCredentialOptions {
  /** Called for each Secret with problems (bad or unsupported keys), naming it as namespace/name. */
  onProblem?: (secret: string, problem: string) => void;
}

/**
 * A CredentialSource over Kubernetes Secrets labelled `argocd.argoproj.io/secret-type` or
 * `plumb.dev/secret-type` with value `repository` or `repo-creds`, data keys url, username, password,
 * sshPrivateKey, type=git (plus bearerToken, insecure, and plumb's token and knownHosts). Other Secrets are
 * skipped. Build a new source when the Secrets change.
 */
export function credentialsFromSecrets(secrets: readonly KubeObject[], opts: SecretCredentialOptions = {}): CredentialSource {
  const records = recordsFromSecrets(
    secrets,
    (s) => {
      const p = parseCredentialSecret(s);
      return p && { record: p.credentials, problems: p.problems };
    },
    opts.onProblem,
  );
  return staticCredentials(records);
}
