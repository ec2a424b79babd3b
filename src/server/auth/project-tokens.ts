/**
 * Project role tokens, as Argo CD's (https://argo-cd.readthedocs.io/en/stable/user-guide/projects/#project-roles):
 * an AppProject (plumb.dev or argoproj.io, v1alpha1) declares `spec.roles[]`, each with the policies RBAC
 * grants it and the tokens issued for it, `jwtTokens: [{iat, exp?, id?}]`. A token is a JWT of kind
 * "project" whose subject is `proj:<project>:<role>`; the project keeps only its id and times, never the
 * token itself.
 *
 * `create` signs a token and appends it to the role's list; `revoke` removes it; `verify` accepts a token
 * only while its project and role exist and the role still lists it — by id, or by issue time for tokens
 * listed without an id (older Argo CD tokens) — and it has not expired. Writes are read-modify-write of the
 * AppProject made conditional on its resourceVersion, retried when another writer got there first.
 *
 * The store is two callbacks so the server can read projects from its watch cache; `resourcesProjectStore`
 * is the plain implementation over Resources (a GET per read, a merge patch per write).
 */
import { randomUUID } from "node:crypto";
import { ApiError } from "../../cluster/client.js";
import { UnknownKindError, resourcePath } from "../../cluster/discovery.js";
import type { Resources } from "../../cluster/resources.js";
import { sleep as defaultSleep } from "../../core/concurrency.js";
import type { KubeObject } from "../../core/object.js";
import { API_GROUP, API_VERSION, ARGO_GROUP } from "../../apps/spec.js";
import { ConflictError, InvalidRequestError, NotFoundError, UnauthenticatedError } from "../errors.js";
import { TokenOptions, type IssuedToken } from "./accounts.js";
import { principalOf, type ProjectTokenVerifier } from "./authenticate.js";
import { signToken, type TokenClaims } from "./jwt.js";
import type { Principal } from "./types.js";

/** A token as a project role lists it (seconds since the epoch). */
export interface ProjectJwtToken {
  iat: number;
  exp?: number;
  id?: string;
}

export interface ProjectTokenStore {
  /** The AppProject named so in the server's namespace, or undefined. */
  getProject(name: string): KubeObject | undefined | Promise<KubeObject | undefined>;
  /** Sets the role's tokens; conditional on `project`'s resourceVersion (an ApiError 409 when it changed). */
  writeRoleTokens(project: KubeObject, role: string, tokens: ProjectJwtToken[]): Promise<void>;
}

export interface ProjectTokensOptions {
  /** Milliseconds since the epoch. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How often a write that lost a race is tried again. */
  writeAttempts: number;
}

export function defaultProjectTokensOptions(): ProjectTokensOptions {
  return { now: Date.now, sleep: defaultSleep, writeAttempts: 8 };
}

/** The RBAC subject of a project role (Argo CD's form). */
export function projectSubject(project: string, role: string): string {
  return `proj:${project}:${role}`;
}

/** The project and role a `proj:<project>:<role>` subject names, or undefined. */
export function parseProjectSubject(subject: string): { project: string; role: string } | undefined {
  const m = /^proj:([^:]+):([^:]+)$/.exec(subject);
  return m ? { project: m[1] ?? "", role: m[2] ?? "" } : undefined;
}

interface Role {
  name: string;
  jwtTokens: ProjectJwtToken[];
}

/** The roles of a project's spec, read leniently (entries without a name are skipped). */
export function projectRoles(project: KubeObject): Role[] {
  const roles = (project.spec as { roles?: unknown } | undefined)?.roles;
  if (!Array.isArray(roles)) return [];
  const out: Role[] = [];
  for (const r of roles as Array<{ name?: unknown; jwtTokens?: unknown }>) {
    if (!r || typeof r.name !== "string") continue;
    const tokens = Array.isArray(r.jwtTokens) ? (r.jwtTokens as Array<Record<string, unknown>>) : [];
    out.push({
      name: r.name,
      jwtTokens: tokens
        .filter((t) => t && typeof t.iat === "number")
        .map((t) => ({ iat: t.iat as number, ...(typeof t.exp === "number" && t.exp > 0 ? { exp: t.exp } : {}), ...(typeof t.id === "string" && t.id ? { id: t.id } : {}) })),
    });
  }
  return out;
}

const RELOGIN = "ask the project's owner for a new token: plumb proj role create-token";

/** Whether a listed token is the one the claims describe: by id, or by issue time when listed without one. */
function matches(t: ProjectJwtToken, claims: TokenClaims): boolean {
  return t.id ? t.id === claims.jti : t.iat === claims.iat;
}

/** What a verified project token (signature and times checked) must still satisfy; `now` in milliseconds. */
export function checkProjectToken(claims: TokenClaims, project: KubeObject | undefined, now: number): Principal {
  const named = parseProjectSubject(claims.sub);
  if (claims.kind !== "project" || !named) throw new UnauthenticatedError("the token is not a project token", RELOGIN);
  const role = project ? projectRoles(project).find((r) => r.name === named.role) : undefined;
  if (!role) throw new UnauthenticatedError("the token's project or role no longer exists", RELOGIN);
  const listed = role.jwtTokens.find((t) => matches(t, claims));
  if (!listed) throw new UnauthenticatedError("the project token has been revoked", RELOGIN);
  const exp = listed.exp ?? claims.exp;
  if ((exp !== undefined && exp * 1000 <= now) || (claims.exp !== undefined && claims.exp * 1000 <= now)) throw new UnauthenticatedError("the token has expired", RELOGIN);
  return principalOf(claims, "projectToken", claims.sub);
}

export class ProjectTokens implements ProjectTokenVerifier {
  private readonly opts: ProjectTokensOptions;

  constructor(
    private readonly store: ProjectTokenStore,
    /** `server.secretkey` (LocalAuth.signingKey). */
    private readonly signingKey: () => string | undefined,
    opts: Partial<ProjectTokensOptions> = {},
  ) {
    this.opts = { ...defaultProjectTokensOptions(), ...opts };
  }

  /** Signs a token for `role` of `project` and lists it in the role; NotFoundError when either is missing. */
  async create(project: string, role: string, options: TokenOptions = {}): Promise<IssuedToken> {
    const parsed = TokenOptions.safeParse(options);
    if (!parsed.success) throw new InvalidRequestError(parsed.error.issues.map((i) => i.message).join("; "));
    const key = this.signingKey();
    if (!key) throw new ConflictError("the server has no token signing key yet", "wait until the server has started, then try again");
    const id = parsed.data.id ?? randomUUID();
    const { token, claims } = await signToken(key, { sub: projectSubject(project, role), kind: "project" }, { id, now: this.opts.now(), expiresInSeconds: parsed.data.expiresInSeconds });
    const entry: ProjectJwtToken = { iat: claims.iat ?? 0, ...(claims.exp ? { exp: claims.exp } : {}), id };
    await this.update(project, role, (tokens) => {
      if (tokens.some((t) => t.id === id)) throw new ConflictError(`role "${role}" of project "${project}" already has a token with id "${id}"`, "choose another id, or leave it out for a random one");
      return [...tokens, entry];
    });
    return { token, id, issuedAt: entry.iat, ...(entry.exp ? { expiresAt: entry.exp } : {}) };
  }

  /** Removes the token with this id (or, for a number, the tokens issued at that second) from the role. */
  async revoke(project: string, role: string, idOrIat: string): Promise<void> {
    await this.update(project, role, (tokens) => {
      let kept = tokens.filter((t) => t.id !== idOrIat);
      if (kept.length === tokens.length && /^\d+$/.test(idOrIat)) kept = tokens.filter((t) => t.iat !== Number(idOrIat));
      if (kept.length === tokens.length) throw new NotFoundError(`role "${role}" of project "${project}" has no token "${idOrIat}"`, "list the role's tokens: plumb proj role get");
      return kept;
    });
  }

  async verify(claims: TokenClaims): Promise<Principal> {
    const named = parseProjectSubject(claims.sub);
    const project = named ? await this.store.getProject(named.project) : undefined;
    return checkProjectToken(claims, project, this.opts.now());
  }

  /** Read-modify-write of one role's tokens, again from a fresh read when the write lost a race. */
  private async update(projectName: string, roleName: string, change: (tokens: ProjectJwtToken[]) => ProjectJwtToken[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const project = await this.store.getProject(projectName);
      if (!project) throw new NotFoundError(`project "${projectName}" does not exist`);
      const role = projectRoles(project).find((r) => r.name === roleName);
      if (!role) throw new NotFoundError(`project "${projectName}" has no role "${roleName}"`, "declare it in the AppProject's spec.roles");
      try {
        await this.store.writeRoleTokens(project, roleName, change(role.jwtTokens));
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409) || attempt >= this.opts.writeAttempts) throw err;
        await this.opts.sleep(25 * attempt);
      }
    }
  }
}

/** The store over the cluster: AppProjects of `namespace`, plumb.dev first, then argoproj.io. */
export function resourcesProjectStore(resources: Resources, namespace: string): ProjectTokenStore {
  return {
    async getProject(name) {
      for (const group of [API_GROUP, ARGO_GROUP]) {
        try {
          const p = await resources.get({ apiVersion: `${group}/${API_VERSION}`, kind: "AppProject", namespace, name });
          if (p) return p;
        } catch (err) {
          if (!(err instanceof UnknownKindError)) throw err;
        }
      }
      return undefined;
    },
    async writeRoleTokens(project, role, tokens) {
      const roles = ((project.spec as { roles?: Array<Record<string, unknown>> } | undefined)?.roles ?? []).map((r) => {
        if (r.name !== role) return r;
        const { jwtTokens: _old, ...rest } = r;
        return tokens.length > 0 ? { ...rest, jwtTokens: tokens } : rest;
      });
      const info = await resources.discovery.resourceFor(project.apiVersion, "AppProject");
      await resources.client.request({
        method: "PATCH",
        path: resourcePath(info, project.metadata.namespace ?? namespace, project.metadata.name),
        contentType: "application/merge-patch+json",
        body: { metadata: { resourceVersion: project.metadata.resourceVersion }, spec: { roles } },
      });
    },
  };
}
