/**
 * Accounts (Argo CD's `/api/v1/account…`): list and get (`accounts, get`), API tokens generated and revoked
 * (`accounts, update` on the account — or your own account's, which anyone logged in as a local account
 * may do when it has the apiKey capability, as in Argo CD), password change (your own; the current
 * password is always asked), and `can-i`. Project role tokens (`projects, update` on the project). Tokens
 * are answered once, when made; lists show their ids and times only.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Api } from "../app.js";
import type { Principal } from "../auth/types.js";
import { ForbiddenError, InvalidRequestError, NotFoundError } from "../errors.js";
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
  /** A local account may manage its own tokens; anyone else needs `accounts, update, <name>`. */
  const mayManage = (p: Principal, name: string): boolean => ((p.via === "session" || p.via === "apiKey") && p.subject === name) || deps.rbac.enforce(p, "accounts", "update", name);
  const find = (name: string): AccountView => {
    const a = deps.accounts.accounts().find((x) => x.name === name);
    if (!a) throw new NotFoundError(`account "${name}" not found`);
    return a;
  };

  api.openapi(createRoute({ method: "get", path: "/api/v1/account", tags: ["account"], summary: "List local accounts", responses: json(z.object({ items: z.array(Account) }), "the accounts") }), (c) => {
    const p = c.get("principal");
    const items = deps.accounts.accounts().filter((a) => a.name === p.subject || deps.rbac.enforce(p, "accounts", "get", a.name));
    return c.json({ items } as never, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/account/can-i/{resource}/{action}/{subresource}", tags: ["account"], summary: "Whether the caller may do something", request: { params: z.object({ resource: z.string(), action: z.string(), subresource: z.string() }) }, responses: json(CanI, "yes or no") }), (c) => {
    const { resource, action, subresource } = c.req.valid("param");
    return c.json({ value: deps.rbac.enforce(c.get("principal"), resource, action, decodeURIComponent(subresource)) ? "yes" : "no" } as const, 200);
  });

  api.openapi(createRoute({ method: "put", path: "/api/v1/account/password", tags: ["account"], summary: "Change a password", request: { body: { content: { "application/json": { schema: PasswordRequest } }, required: true } }, responses: json(z.object({}), "changed") }), async (c) => {
    const p = c.get("principal");
    const body = c.req.valid("json");
    const name = body.name || p.subject;
    if (name !== p.subject && !deps.rbac.enforce(p, "accounts", "update", name)) throw new ForbiddenError(`permission denied: accounts, update, ${name}`);
    await deps.accounts.updatePassword(name, body.currentPassword, body.newPassword, p);
    return c.json({}, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/account/{name}", tags: ["account"], summary: "One account", request: { params: z.object({ name: Name }) }, responses: json(Account, "the account") }), (c) => {
    const { name } = c.req.valid("param");
    const p = c.get("principal");
    if (name !== p.subject && !deps.rbac.enforce(p, "accounts", "get", name)) throw new ForbiddenError(`permission denied: accounts, get, ${name}`);
    return c.json(find(name) as never, 200);
  });

  api.openapi(createRoute({ method: "post", path: "/api/v1/account/{name}/token", tags: ["account"], summary: "Generate an API token", request: { params: z.object({ name: Name }), body: { content: { "application/json": { schema: TokenRequest } }, required: false } }, responses: json(TokenResponse, "the token (shown once)") }), async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const p = c.get("principal");
    if (!mayManage(p, name)) throw new ForbiddenError(`permission denied: accounts, update, ${name}`);
    find(name);
    const expiresInSeconds = body.expiresIn === undefined ? undefined : Number(body.expiresIn);
    const { token } = await deps.accounts.generateToken(name, { ...(expiresInSeconds ? { expiresInSeconds } : {}), ...(body.id ? { id: body.id } : {}) });
    return c.json({ token }, 200);
  });

  api.openapi(createRoute({ method: "delete", path: "/api/v1/account/{name}/token/{id}", tags: ["account"], summary: "Revoke an API token", request: { params: z.object({ name: Name, id: z.string().min(1) }) }, responses: json(z.object({}), "revoked") }), async (c) => {
    const { name, id } = c.req.valid("param");
    if (!mayManage(c.get("principal"), name)) throw new ForbiddenError(`permission denied: accounts, update, ${name}`);
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
