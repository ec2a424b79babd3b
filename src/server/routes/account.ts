/**
 * Accounts (Argo CD's `/api/v1/account…`): list and get (`accounts, get`), API tokens generated and revoked
 * (`accounts, update` on the account), password change (the current password is always asked), and
 * `can-i`. Project role tokens (`projects, update` on the project). Tokens are answered once, when made;
 * lists show their ids and times only.
 *
 * "Your own account" needs no RBAC grant, but only for a LOCAL principal — a session or API token of that
 * very account (`via`). An SSO user's subject is the identity provider's word and may equal a local
 * account's name; it never makes that account theirs (auth/local.ts refuses SSO password changes too).
 * Generating a token for yourself takes a login session: an API token that could mint more tokens (and
 * ones that never expire) for its account would outlive its own revocation. Revoking your own tokens is
 * allowed with either.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Api } from "../app.js";
import type { Principal } from "../auth/types.js";
import { ForbiddenError, InvalidRequestError, NotFoundError } from "../errors.js";
import { AccountName } from "../auth/accounts.js";
import { json, Name, type RouteDeps } from "./common.js";

/** An account as lists show it (auth/accounts.ts AccountInfo). */
export interface AccountView {
  name: string;
  enabled: boolean;
  capabilities: string[];
  tokens: Array<{ id: string; issuedAt: number; expiresAt?: number }>;
}

/** What the account routes call (auth/local.ts LocalAuth, auth/project-tokens.ts ProjectTokens). */
export interface AccountService {
  accounts(): AccountView[];
  generateToken(account: string, opts: { expiresInSeconds?: number; id?: string }): Promise<{ token: string; id: string }>;
  revokeToken(account: string, id: string): Promise<void>;
  updatePassword(account: string, currentPassword: string, newPassword: string, caller: Principal): Promise<void>;
}
export interface ProjectTokenService {
  create(project: string, role: string, opts: { expiresInSeconds?: number; id?: string }): Promise<{ token: string; id: string; issuedAt: number }>;
  revoke(project: string, role: string, idOrIat: string): Promise<void>;
}

export interface AccountRouteDeps extends RouteDeps {
  accounts: AccountService;
  projectTokens: ProjectTokenService;
}

const Account = z.object({ name: z.string(), enabled: z.boolean(), capabilities: z.array(z.string()), tokens: z.array(z.object({ id: z.string(), issuedAt: z.number(), expiresAt: z.number().optional() })) }).openapi("Account");
const TokenRequest = z.object({ expiresIn: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).optional(), id: z.string().min(1).max(128).optional(), name: z.string().optional() }).openapi("CreateTokenRequest");
const TokenResponse = z.object({ token: z.string() }).openapi("CreateTokenResponse");
const PasswordRequest = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024), name: z.string().optional() }).openapi("UpdatePasswordRequest");
const CanI = z.object({ value: z.enum(["yes", "no"]) }).openapi("CanIResponse");

export function mountAccount(api: Api, deps: AccountRouteDeps): void {
  /** Whether `p` is the local account `name` itself (never an SSO or project principal). */
  const isSelf = (p: Principal, name: string): boolean => (p.via === "session" || p.via === "apiKey") && p.subject === name;
  /** Revoking: the account itself (session or API token) or `accounts, update, <name>`. */
  const mayRevoke = (p: Principal, name: string): boolean => isSelf(p, name) || deps.rbac.enforce(p, "accounts", "update", name);
  /** Generating: the account's own login session, or `accounts, update, <name>`. */
  const mayGenerate = (p: Principal, name: string): boolean => (p.via === "session" && p.subject === name) || deps.rbac.enforce(p, "accounts", "update", name);
  const find = (name: string): AccountView => {
    const a = deps.accounts.accounts().find((x) => x.name === name);
    if (!a) throw new NotFoundError(`account "${name}" not found`);
    return a;
  };

  api.openapi(createRoute({ method: "get", path: "/api/v1/account", tags: ["account"], summary: "List local accounts", responses: json(z.object({ items: z.array(Account) }), "the accounts") }), (c) => {
    const p = c.get("principal");
    const items = deps.accounts.accounts().filter((a) => isSelf(p, a.name) || deps.rbac.enforce(p, "accounts", "get", a.name));
    return c.json({ items } as never, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/account/can-i/{resource}/{action}/{subresource}", tags: ["account"], summary: "Whether the caller may do something", request: { params: z.object({ resource: z.string(), action: z.string(), subresource: z.string() }) }, responses: json(CanI, "yes or no") }), (c) => {
    const { resource, action, subresource } = c.req.valid("param");
        // The router has decoded the path once already; decoding again would read `%25` as `%` (and a lone `%` would throw).
    return c.json({ value: deps.rbac.enforce(c.get("principal"), resource, action, subresource) ? "yes" : "no" } as const, 200);
  });

  api.openapi(createRoute({ method: "put", path: "/api/v1/account/password", tags: ["account"], summary: "Change a password", request: { body: { content: { "application/json": { schema: PasswordRequest } }, required: true } }, responses: json(z.object({}), "changed") }), async (c) => {
    const p = c.get("principal");
    const body = c.req.valid("json");
    const name = body.name || p.subject;
    if (!isSelf(p, name) && !deps.rbac.enforce(p, "accounts", "update", name)) throw new ForbiddenError(`permission denied: accounts, update, ${name}`);
    await deps.accounts.updatePassword(name, body.currentPassword, body.newPassword, p);
    return c.json({}, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/account/{name}", tags: ["account"], summary: "One account", request: { params: z.object({ name: AccountName }) }, responses: json(Account, "the account") }), (c) => {
    const { name } = c.req.valid("param");
    const p = c.get("principal");
    if (!isSelf(p, name) && !deps.rbac.enforce(p, "accounts", "get", name)) throw new ForbiddenError(`permission denied: accounts, get, ${name}`);
    return c.json(find(name) as never, 200);
  });

  api.openapi(createRoute({ method: "post", path: "/api/v1/account/{name}/token", tags: ["account"], summary: "Generate an API token", request: { params: z.object({ name: AccountName }), body: { content: { "application/json": { schema: TokenRequest } }, required: false } }, responses: json(TokenResponse, "the token (shown once)") }), async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const p = c.get("principal");
    if (!mayGenerate(p, name)) throw new ForbiddenError(`permission denied: accounts, update, ${name}`, p.via === "apiKey" && p.subject === name ? "an API token cannot generate tokens for its account; log in (plumb login) and generate it with that session" : undefined);
    find(name);
    const expiresInSeconds = body.expiresIn === undefined ? undefined : Number(body.expiresIn);
    const { token } = await deps.accounts.generateToken(name, { ...(expiresInSeconds ? { expiresInSeconds } : {}), ...(body.id ? { id: body.id } : {}) });
    return c.json({ token }, 200);
  });

  api.openapi(createRoute({ method: "delete", path: "/api/v1/account/{name}/token/{id}", tags: ["account"], summary: "Revoke an API token", request: { params: z.object({ name: AccountName, id: z.string().min(1) }) }, responses: json(z.object({}), "revoked") }), async (c) => {
    const { name, id } = c.req.valid("param");
    if (!mayRevoke(c.get("principal"), name)) throw new ForbiddenError(`permission denied: accounts, update, ${name}`);
    find(name);
    await deps.accounts.revokeToken(name, id);
    return c.json({}, 200);
  });

  api.openapi(createRoute({ method: "post", path: "/api/v1/projects/{project}/roles/{role}/token", tags: ["projects"], summary: "Generate a project role token", request: { params: z.object({ project: Name, role: z.string().min(1).max(128) }), body: { content: { "application/json": { schema: TokenRequest } }, required: false } }, responses: json(TokenResponse, "the token (shown once)") }), async (c) => {
    const { project, role } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    if (!deps.rbac.enforce(c.get("principal"), "projects", "update", project)) throw new ForbiddenError(`permission denied: projects, update, ${project}`);
    const expiresInSeconds = body.expiresIn === undefined ? undefined : Number(body.expiresIn);
    if (expiresInSeconds !== undefined && !Number.isFinite(expiresInSeconds)) throw new InvalidRequestError("expiresIn must be a number of seconds");
    const { token } = await deps.projectTokens.create(project, role, { ...(expiresInSeconds ? { expiresInSeconds } : {}), ...(body.id ? { id: body.id } : {}) });
    return c.json({ token }, 200);
  });

  api.openapi(createRoute({ method: "delete", path: "/api/v1/projects/{project}/roles/{role}/token/{iat}", tags: ["projects"], summary: "Revoke a project role token (by id or iat)", request: { params: z.object({ project: Name, role: z.string().min(1).max(128), iat: z.string().min(1) }) }, responses: json(z.object({}), "revoked") }), async (c) => {
    const { project, role, iat } = c.req.valid("param");
    if (!deps.rbac.enforce(c.get("principal"), "projects", "update", project)) throw new ForbiddenError(`permission denied: projects, update, ${project}`);
    await deps.projectTokens.revoke(project, role, iat);
    return c.json({}, 200);
  });
}
