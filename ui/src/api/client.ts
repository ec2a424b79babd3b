/**
 * The UI's one way to call plumb's API: openapi-fetch over the generated `paths` (schema.d.ts), so every
 * path, parameter and answer is typed from the server's own schemas. Same origin: the HttpOnly
 * `plumb.token` cookie authenticates, no token is ever held by the page.
 *
 * `call` turns an answer that is not 2xx into an ApiError carrying the server's `{error, message}`; a 401
 * anywhere also tells the session (onUnauthenticated) so the page shows the login form.
 */
import createClient from "openapi-fetch";
import type { paths } from "./schema";

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });

/** A refused or failed call. `status` 401: log in; 403: not allowed (the message says which permission). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let unauthenticated: () => void = () => undefined;

/** Who to tell when any call answers 401 (the session provider). */
export function onUnauthenticated(listener: () => void): void {
  unauthenticated = listener;
}

/** Tells the session that nobody is logged in any more (what a 401 does; for answers that say so otherwise). */
export function reportUnauthenticated(): void {
  unauthenticated();
}

/** The data of an openapi-fetch answer, or an ApiError. */
export async function call<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await pending;
  if (response.ok) return data as T;
  const body = (error ?? {}) as { error?: string; message?: string };
  if (response.status === 401) reportUnauthenticated();
  throw new ApiError(response.status, body.message ?? `HTTP ${response.status} ${response.statusText}`, body.error);
}

/** A message for a person: what failed, and for a 403, that their role does not allow it. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError && err.status === 403) return `Not allowed: ${err.message}. Ask an administrator for a role that permits it.`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The key an app is held under: namespace/name. */
export function appKey(app: { metadata: { name: string; namespace?: string } }): string {
  return `${app.metadata.namespace ?? ""}/${app.metadata.name}`;
}
