/**
 * The few calls the UI makes to plumb's API (same origin; the HttpOnly session cookie authenticates, so no
 * token is ever held by the page). An answer that is not 2xx becomes an ApiError with the server's message.
 */

/** An Application as the list shows it: only the fields read here. */
export interface App {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: { project?: string };
  status?: { sync?: { status?: string }; health?: { status?: string } };
}

export interface AppList {
  metadata?: { resourceVersion?: string };
  items: App[] | null;
}

/** A refused or failed call; `status` 401 means: log in. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  if (!res.ok) {
    const message = (json as { message?: string }).message ?? `${method} ${path}: HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return json as T;
}

/** Logs in; the server sets the session cookie. */
export function login(username: string, password: string): Promise<unknown> {
  return call("POST", "/api/v1/session", { username, password });
}

/** Logs out (the server clears the cookie). */
export function logout(): Promise<unknown> {
  return call("DELETE", "/api/v1/session");
}

/** Who is logged in; an ApiError 401 when nobody is. */
export function userInfo(): Promise<{ loggedIn?: boolean; username?: string }> {
  return call("GET", "/api/v1/session/userinfo");
}

/** The Applications the caller may see. */
export function listApps(): Promise<AppList> {
  return call("GET", "/api/v1/applications");
}

/** The key an app is held under: namespace/name. */
export function appKey(app: App): string {
  return `${app.metadata.namespace ?? ""}/${app.metadata.name}`;
}
