/**
 * The SSO settings, read the way Argo CD reads its `oidc.config`: a YAML document under the key
 * `oidc.config` of plumb-cm, naming the identity provider (`issuer`), the client registered there
 * (`clientID`, `clientSecret`) and what to ask it for (`requestedScopes`, `requestedIDTokenClaims`), plus
 * where plumb finds the user's groups in the ID token (`groupsClaim`; Argo CD reads this from the RBAC
 * `scopes`). A value of the form `$key` is replaced by that key of plumb-secret — Argo CD's
 * `clientSecret: $oidc.clientSecret` — so the secret never sits in a ConfigMap.
 * See https://argo-cd.readthedocs.io/en/stable/operator-manual/user-management/#existing-oidc-provider
 *
 * Parsing is pure: text and the Secret's data in, a typed config and warnings out, or one OidcConfigError
 * listing everything to fix. Keys plumb does not know are not dropped silently: each becomes a warning, as
 * does a client secret written in the ConfigMap. Messages name keys, never values (a YAML error could
 * otherwise quote the line holding a secret).
 */
import { X509Certificate } from "node:crypto";
import { parse as parseYaml, YAMLError } from "yaml";
import { z } from "zod";
import { PlumbError } from "../../core/errors.js";
import type { StringMap } from "../settings.js";

/** The key of plumb-cm holding the YAML. */
export const OIDC_CONFIG_KEY = "oidc.config";
/** The key of plumb-cm holding the server's external URL. */
export const URL_KEY = "url";
/** What is asked for when `requestedScopes` is not given (Argo CD's default). */
export const DEFAULT_SCOPES: readonly string[] = ["openid", "profile", "email", "groups"];
export const DEFAULT_GROUPS_CLAIM = "groups";

/** A claim asked for in the ID token through the `claims` request parameter (OIDC Core §5.5). */
export interface ClaimRequest {
  essential?: boolean;
  value?: string;
  values?: string[];
}

/** The SSO settings, secret references resolved. */
export interface OidcConfig {
  /** Shown on the login button ("Log in via <name>"). */
  name: string;
  /** The provider's issuer URL; its discovery document is at `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientID: string;
  /** Undefined: a public client (PKCE only). */
  clientSecret?: string;
  /** Always contains "openid". */
  requestedScopes: string[];
  /** Claims requested for the ID token, by name. */
  requestedIDTokenClaims?: Record<string, ClaimRequest>;
  /** The ID token claim holding the user's groups (an array of strings, or one string). */
  groupsClaim: string;
  /** PEM certificates trusted for the provider's TLS, instead of the system's. */
  rootCA?: string;
  /** Where to send the browser after logout; `{{logoutRedirectURL}}` is replaced by the server's URL. */
  logoutURL?: string;
}

export interface ParsedOidcConfig {
  config: OidcConfig;
  /** Things that work but should be changed (unknown keys, a secret in the ConfigMap), one sentence each. */
  warnings: string[];
}

/** The SSO settings together with the server's external URL (the redirect URI is `<externalURL>/auth/callback`). */
export interface OidcSettings extends ParsedOidcConfig {
  externalURL: string;
}

/** The SSO settings cannot be used; the message lists each problem and what to change. */
export class OidcConfigError extends PlumbError {
  constructor(readonly problems: string[]) {
    super(`plumb-cm ${OIDC_CONFIG_KEY} is not valid: ${problems.join("; ")}`, `fix ${OIDC_CONFIG_KEY} in ConfigMap plumb-cm`);
  }
}

const httpURL = (what: string) =>
  z.string({ error: `${what} must be a URL` }).refine((s) => {
    try {
      return ["http:", "https:"].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `${what} must be an http(s) URL`);

const ClaimRequestSchema = z.strictObject({
  essential: z.boolean().optional(),
  value: z.string().optional(),
  values: z.array(z.string()).optional(),
});

const OidcConfigSchema = z.object({
  name: z.string({ error: "name must be a string" }).min(1, "name must not be empty").default("SSO"),
  issuer: httpURL("issuer"),
  clientID: z.string({ error: "clientID is required: the client's id at the provider" }).min(1, "clientID must not be empty"),
  clientSecret: z.string({ error: "clientSecret must be a string (or $key of plumb-secret)" }).optional(),
  requestedScopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "each scope must be one word"), { error: "requestedScopes must be a list of scopes" }).optional(),
  requestedIDTokenClaims: z.record(z.string(), ClaimRequestSchema, { error: "requestedIDTokenClaims must map claim names to {essential, value, values}" }).optional(),
  groupsClaim: z.string({ error: "groupsClaim must be a claim name" }).min(1).default(DEFAULT_GROUPS_CLAIM),
  rootCA: z.string({ error: "rootCA must be PEM text" }).optional(),
  logoutURL: z.string({ error: "logoutURL must be a URL" }).optional(),
});

const KNOWN_KEYS = new Set(Object.keys(OidcConfigSchema.shape));

/**
 * Parses `oidc.config`. `secret` is plumb-secret's data, for `$key` references in clientID and
 * clientSecret. Throws OidcConfigError naming every problem.
 */
export function parseOidcConfig(text: string, secret: StringMap): ParsedOidcConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    // The library's message quotes the offending line, which may hold a secret: position and code only.
    const at = err instanceof YAMLError && err.linePos?.[0] ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : "";
    throw new OidcConfigError([`it is not valid YAML${at}${err instanceof YAMLError ? ` (${err.code})` : ""}`]);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new OidcConfigError(["it must be a YAML mapping (name, issuer, clientID, …)"]);

  const warnings = Object.keys(raw)
    .filter((k) => !KNOWN_KEYS.has(k))
    .map((k) => `unknown key ${JSON.stringify(k)} is ignored (known: ${[...KNOWN_KEYS].join(", ")})`);

  const parsed = OidcConfigSchema.safeParse(raw);
  // A misspelt key often is why a required one is missing: name both.
  if (!parsed.success) throw new OidcConfigError([...parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)), ...warnings]);
  const input = parsed.data;
  const problems: string[] = [];

  const clientID = resolveSecretRef("clientID", input.clientID, secret, problems);
  let clientSecret: string | undefined;
  if (input.clientSecret !== undefined && input.clientSecret !== "") {
    if (input.clientSecret.startsWith("$")) clientSecret = resolveSecretRef("clientSecret", input.clientSecret, secret, problems);
    else {
      clientSecret = input.clientSecret;
      warnings.push("clientSecret is written in ConfigMap plumb-cm, which many can read: put it in Secret plumb-secret as oidc.clientSecret and write clientSecret: $oidc.clientSecret");
    }
  }

  const scopes = input.requestedScopes?.length ? [...new Set(input.requestedScopes)] : [...DEFAULT_SCOPES];
  if (!scopes.includes("openid")) scopes.unshift("openid");

  if (input.rootCA !== undefined) checkPem(input.rootCA, problems);
  if (input.logoutURL !== undefined) {
    const sample = input.logoutURL.replaceAll("{{logoutRedirectURL}}", "https://plumb.invalid/").replaceAll("{{token}}", "t");
    if (!URL.canParse(sample) || !["http:", "https:"].includes(new URL(sample).protocol)) problems.push("logoutURL must be an http(s) URL");
    if (input.logoutURL.includes("{{token}}")) warnings.push("logoutURL's {{token}} is not supported (plumb keeps no ID token) and is left empty");
  }
  if (new URL(input.issuer).protocol === "http:" && !isLoopback(new URL(input.issuer).hostname)) {
    warnings.push("issuer uses plain http: codes, tokens and the client secret cross the network unencrypted; use https");
  }
  if (problems.length) throw new OidcConfigError(problems);

  const config: OidcConfig = {
    name: input.name,
    issuer: input.issuer,
    clientID: clientID ?? "",
    requestedScopes: scopes,
    groupsClaim: input.groupsClaim,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(input.requestedIDTokenClaims ? { requestedIDTokenClaims: input.requestedIDTokenClaims } : {}),
    ...(input.rootCA !== undefined ? { rootCA: input.rootCA } : {}),
    ...(input.logoutURL !== undefined ? { logoutURL: input.logoutURL } : {}),
  };
  return { config, warnings };
}

/**
 * The server's external URL: `override` (a flag) or plumb-cm `url`, without a trailing slash. Throws
 * OidcConfigError when neither is set or it is not an http(s) URL without query or fragment.
 */
export function externalURLFrom(cm: StringMap, override?: string): string {
  const raw = (override ?? cm[URL_KEY] ?? "").trim();
  if (!raw) throw new OidcConfigError([`the server's external URL is not set: set ${URL_KEY} in plumb-cm (e.g. https://plumb.example.com); the provider must allow <url>/auth/callback as a redirect URI`]);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new OidcConfigError([`${URL_KEY} must be an absolute URL such as https://plumb.example.com`]);
  }
  if (!["http:", "https:"].includes(u.protocol) || u.search || u.hash || u.username || u.password) {
    throw new OidcConfigError([`${URL_KEY} must be an http(s) URL without credentials, query or fragment`]);
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
}

/**
 * The SSO settings from plumb-cm and plumb-secret: undefined when `oidc.config` is absent or empty (SSO
 * off). Throws OidcConfigError when it is set but unusable.
 */
export function oidcSettings(cm: StringMap, secret: StringMap, opts: { externalURL?: string } = {}): OidcSettings | undefined {
  const text = cm[OIDC_CONFIG_KEY];
  if (text === undefined || text.trim() === "") return undefined;
  const parsed = parseOidcConfig(text, secret);
  return { ...parsed, externalURL: externalURLFrom(cm, opts.externalURL) };
}

/** `logoutURL` with `{{logoutRedirectURL}}` replaced by the server's URL (and `{{token}}` emptied). */
export function expandLogoutURL(config: OidcConfig, externalURL: string): string | undefined {
  if (!config.logoutURL) return undefined;
  return config.logoutURL.replaceAll("{{logoutRedirectURL}}", encodeURIComponent(`${externalURL}/`)).replaceAll("{{token}}", "");
}

function resolveSecretRef(field: string, value: string, secret: StringMap, problems: string[]): string | undefined {
  if (!value.startsWith("$")) return value;
  const key = value.slice(1);
  if (!key) {
    problems.push(`${field}: "$" must be followed by a key of Secret plumb-secret`);
    return undefined;
  }
  if (key.includes(":")) {
    problems.push(`${field}: only keys of Secret plumb-secret can be referenced ($key), not other Secrets ($secret:key)`);
    return undefined;
  }
  const v = secret[key];
  if (v === undefined || v === "") {
    problems.push(`${field} refers to key ${JSON.stringify(key)} of Secret plumb-secret, which is missing or empty: add it there`);
    return undefined;
  }
  return v;
}

function checkPem(pem: string, problems: string[]): void {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    problems.push("rootCA must hold PEM certificates (-----BEGIN CERTIFICATE-----)");
    return;
  }
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(b);
    } catch {
      problems.push(`rootCA: certificate ${i + 1} cannot be read`);
    }
  });
}

/** Whether a hostname is this machine (http is acceptable there). */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
