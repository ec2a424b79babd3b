/**
 * Chart repository credentials, declared as Argo CD declares a Helm repository: a Secret labelled
 * `argocd.argoproj.io/secret-type` (or `plumb.dev/secret-type`) = `repository` (one URL) or `repo-creds`
 * (every URL starting with its `url`; the longest prefix wins) whose `type` is `helm`
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#helm).
 *
 * A repository Secret without credentials inherits a template's, keeping its own options, as for Git.
 * URLs are compared in a normal form: host lower-cased, trailing `/` dropped, and `oci://` ignored, so an
 * OCI Secret may write `registry.example.com/charts` (with enableOCI) or `oci://registry.example.com/charts`.
 * Pure: no I/O.
 */
import type { KubeObject } from "../core/object.js";
import { recordsFromSecrets, secretData, truthy, type ParsedRecord } from "../core/secret.js";

/** Credentials for a chart repository, as Argo CD declares them in a repository Secret with `type: helm`. */
export interface ChartCredentials {
  username?: string;
  password?: string;
  /** PEM client certificate for TLS client authentication. */
  tlsClientCertData?: string;
  /** PEM private key of tlsClientCertData. */
  tlsClientCertKey?: string;
  /** PEM, extra CA certificates to trust (plumb; Argo CD takes them from argocd-tls-certs-cm). */
  caData?: string;
  /** Skip TLS verification. Insecure. */
  insecure?: boolean;
  /** A scheme-less `host/path` URL is an OCI registry. */
  enableOCI?: boolean;
  /** Argo CD: send basic auth without waiting for a 401 challenge — what plumb's client always does. */
  forceHttpBasicAuth?: boolean;
  /** OCI: speak plain HTTP to the registry (Argo CD's insecureOCIForceHttp; loopback hosts always do). */
  insecureOCIForceHttp?: boolean;
}

/** Looks up the credentials of a repository URL (repository Secret by exact URL, repo-creds by longest prefix). */
export type ChartCredentialSource = (repoURL: string) => Promise<ChartCredentials | undefined>;

const SECRET_TYPE_LABELS = ["plumb.dev/secret-type", "argocd.argoproj.io/secret-type"] as const;
const KNOWN_KEYS = new Set(["url", "type", "name", "project", "username", "password", "tlsClientCertData", "tlsClientCertKey", "caData", "insecure", "enableOCI", "forceHttpBasicAuth", "insecureOCIForceHttp"]);
const UNSUPPORTED_KEYS = ["proxy", "noProxy", "gcpServiceAccountKey", "useAzureWorkloadIdentity", "bearerToken"];

/** One parsed Secret. */
export interface ChartCredentialRecord extends ChartCredentials {
  url: string;
  match: "exact" | "prefix";
}

/** The comparison key of a chart repository URL (see the module comment). */
export function credentialKey(url: string): string {
  let s = url.trim().replace(/^oci:\/\//i, "");
  const m = /^(https?:\/\/)?([^/]*)(.*)$/i.exec(s);
  if (m) s = `${(m[1] ?? "").toLowerCase()}${(m[2] ?? "").toLowerCase()}${m[3] ?? ""}`;
  return s.replace(/\/+$/, "");
}


/**
 * Reads one Secret. Undefined if it is not a Helm repository Secret (no label, or `type` other than helm);
 * otherwise the record (if usable) and its problems. Problems never contain secret values.
 */
export function parseChartSecret(secret: KubeObject): ParsedRecord<ChartCredentialRecord> | undefined {
  const labels = secret.metadata?.labels ?? {};
  const kind = SECRET_TYPE_LABELS.map((l) => labels[l]).find((v) => v !== undefined);
  if (kind !== "repository" && kind !== "repo-creds") return undefined;
  const d = secretData(secret);
  if ((d.type ?? "git").trim().toLowerCase() !== "helm") return undefined;
  const problems: string[] = [];
  const url = d.url?.trim();
  if (!url) return { problems: ["has no url: add the key url (the chart repository URL or, for repo-creds, a URL prefix)"] };
  for (const key of UNSUPPORTED_KEYS) if (key in d) problems.push(`key ${key} is not supported for Helm repositories yet and is ignored`);
  for (const key of Object.keys(d)) if (!KNOWN_KEYS.has(key) && !UNSUPPORTED_KEYS.includes(key)) problems.push(`unknown key ${key} is ignored`);
  const r: ChartCredentialRecord = { url, match: kind === "repository" ? "exact" : "prefix" };
  if (d.username) r.username = d.username;
  if (d.password) r.password = d.password;
  if (d.tlsClientCertData) r.tlsClientCertData = d.tlsClientCertData;
  if (d.tlsClientCertKey) r.tlsClientCertKey = d.tlsClientCertKey;
  if (d.caData) r.caData = d.caData;
  if (truthy(d.insecure)) r.insecure = true;
  if (truthy(d.enableOCI)) r.enableOCI = true;
  if (truthy(d.forceHttpBasicAuth)) r.forceHttpBasicAuth = true;
  if (truthy(d.insecureOCIForceHttp)) r.insecureOCIForceHttp = true;
  if (r.password && !r.username) problems.push("has a password but no username: add username");
  if (!!r.tlsClientCertData !== !!r.tlsClientCertKey) problems.push("has only one of tlsClientCertData and tlsClientCertKey: TLS client authentication needs both, it is not used");
  if (r.tlsClientCertData && !/-----BEGIN CERTIFICATE-----/.test(r.tlsClientCertData)) problems.push("tlsClientCertData does not look like a PEM certificate");
  if (r.tlsClientCertKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(r.tlsClientCertKey)) problems.push("tlsClientCertKey does not look like a PEM private key");
  if (!!r.tlsClientCertData !== !!r.tlsClientCertKey) {
    delete r.tlsClientCertData;
    delete r.tlsClientCertKey;
  }
  return { record: r, problems };
}

const hasAuth = (r: ChartCredentials | undefined): boolean => !!r && !!(r.username || r.password || r.tlsClientCertData);
const OPTION_KEYS = ["caData", "insecure", "enableOCI", "forceHttpBasicAuth", "insecureOCIForceHttp"] as const;

/** The record that applies to `repoURL`: its exact record if it carries credentials, else the longest template. */
export function selectChartCredentials(records: readonly ChartCredentialRecord[], repoURL: string): ChartCredentials | undefined {
  const target = credentialKey(repoURL);
  const exact = records.find((r) => r.match === "exact" && credentialKey(r.url) === target);
  const strip = (r: ChartCredentialRecord): ChartCredentials => {
    const { url: _u, match: _m, ...rest } = r;
    return rest;
  };
  if (exact && hasAuth(exact)) return strip(exact);
  let best: ChartCredentialRecord | undefined;
  for (const r of records) {
    if (r.match !== "prefix") continue;
    const prefix = credentialKey(r.url);
    if (target.startsWith(prefix) && (!best || prefix.length > credentialKey(best.url).length)) best = r;
  }
  if (!best) return exact ? strip(exact) : undefined;
  const merged = strip(best);
  if (exact) for (const k of OPTION_KEYS) if (exact[k] !== undefined) (merged as Record<string, unknown>)[k] = exact[k];
  return merged;
}

/**
 * A ChartCredentialSource over Secrets labelled argocd.argoproj.io/secret-type (or plumb.dev/secret-type)
 * = repository | repo-creds whose data.type is "helm". Invalid Secrets are reported through onProblem
 * (as namespace/name and a problem), never thrown. Build a new source when the Secrets change.
 */
export function chartCredentialsFromSecrets(secrets: KubeObject[], opts: { onProblem?: (secret: string, problem: string) => void } = {}): ChartCredentialSource {
  const records = recordsFromSecrets(secrets, parseChartSecret, opts.onProblem);
  return (repoURL) => Promise.resolve(selectChartCredentials(records, repoURL));
}

/** A ChartCredentialSource over fixed records (tests, CLI). */
export function staticChartCredentials(records: readonly ChartCredentialRecord[]): ChartCredentialSource {
  const copy = [...records];
  return (repoURL) => Promise.resolve(selectChartCredentials(copy, repoURL));
}
