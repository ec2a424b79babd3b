/**
 * Server-Sent Events, the I/O half: one EventSource per stream, messages parsed as JSON and handed on as
 * `result`s — and kept open.
 *
 * Reconnecting. After a dropped connection the browser reconnects by itself, resuming from Last-Event-ID.
 * But an answer that is not 2xx (a 401 once the session expired, a 502/503 while the server restarts)
 * makes the EventSource give up for good (readyState CLOSED). Then this module asks the server who is
 * logged in: nobody (a 401, or `loggedIn: false`) tells the session (client.ts onUnauthenticated: the
 * login page) and the stream stays closed; anyone else, or no answer, and the stream is opened again
 * after a delay growing 1 s, 2 s, 4 s … up to 30 s (back to 1 s once a connection opens) — from the last
 * event id received, passed as the `resumeParam` query parameter when the stream takes one (the apps
 * stream's `resourceVersion`).
 */
import { api, ApiError, call, reportUnauthenticated } from "./client";

export interface StreamHandlers<T> {
  /** Each message's `result`. */
  onResult: (result: T) => void;
  /** The server says: drop what you hold, the whole state follows. */
  onRelist?: () => void;
  /** The connection is open (again). */
  onOpen?: () => void;
  /** The connection was lost; it is being retried. */
  onError?: () => void;
}

export interface StreamOptions {
  /** The query parameter through which the stream resumes after an event id (apps: "resourceVersion"). */
  resumeParam?: string;
}

/** Opens `url` as an event stream, kept open as described above; returns the function that closes it. */
export function openStream<T>(url: string, on: StreamHandlers<T>, opts: StreamOptions = {}): () => void {
  return keepOpen(url, on, opts, { EventSource: globalThis.EventSource, loggedIn, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (t) => clearTimeout(t) });
}

/** What keepOpen uses of the page (parameters, so that its logic can be tested without a browser). */
export interface StreamEnvironment {
  EventSource: new (url: string, init?: EventSourceInit) => EventSource;
  /** Whether someone is logged in; undefined when the server could not say. */
  loggedIn: () => Promise<boolean | undefined>;
  setTimeout: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>;
  clearTimeout: (t: ReturnType<typeof setTimeout>) => void;
}

/** The delay before reopening a closed stream the `attempt`-th time in a row (1 s, 2 s, 4 s … 30 s). */
export function backoff(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
}

/** `url` with query parameter `param` set to `value` (others kept). */
export function withParam(url: string, param: string, value: string): string {
  const [path, search = ""] = url.split("?", 2) as [string, string?];
  const q = new URLSearchParams(search);
  q.set(param, value);
  return `${path}?${q.toString()}`;
}

/** openStream with its environment given. */
export function keepOpen<T>(url: string, on: StreamHandlers<T>, opts: StreamOptions, env: StreamEnvironment): () => void {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let attempts = 0;
  let lastId = "";

  const seen = (m: MessageEvent) => {
    if (m.lastEventId) lastId = m.lastEventId;
  };
  const open = () => {
    timer = undefined;
    if (closed) return;
    const es = new env.EventSource(lastId && opts.resumeParam ? withParam(url, opts.resumeParam, lastId) : url, { withCredentials: true });
    source = es;
    es.onmessage = (m: MessageEvent<string>) => {
      seen(m);
      let parsed: { result?: T } | undefined;
      try {
        parsed = JSON.parse(m.data) as { result?: T };
      } catch {
        return; // not JSON: nothing to apply
      }
      if (parsed?.result !== undefined) on.onResult(parsed.result);
    };
    es.addEventListener("relist", (m) => {
      seen(m as MessageEvent);
      on.onRelist?.();
    });
    es.onopen = () => {
      attempts = 0;
      on.onOpen?.();
    };
    es.onerror = () => {
      on.onError?.();
      if (es.readyState !== 2 /* CLOSED: the browser gave up */ || closed) return;
      es.close();
      void env.loggedIn().then((who) => {
        if (closed || source !== es) return;
        if (who === false) return; // the session has been told: the login page, and this stream stays shut
        timer = env.setTimeout(open, backoff(attempts++));
      });
    };
  };
  open();
  return () => {
    closed = true;
    if (timer !== undefined) env.clearTimeout(timer);
    source?.close();
  };
}

/**
 * Asks the server who is logged in. A 401 has told the session already (client.ts call); `loggedIn:
 * false` (the cookie is gone) tells it here. Undefined when the server could not say (down, restarting).
 */
async function loggedIn(): Promise<boolean | undefined> {
  try {
    const user = await call(api.GET("/api/v1/session/userinfo"));
    if (!user.loggedIn) reportUnauthenticated();
    return user.loggedIn;
  } catch (err) {
    return err instanceof ApiError && err.status === 401 ? false : undefined;
  }
}

/** A query string from the defined values (arrays repeat the parameter). */
export function query(params: Record<string, string | readonly string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === "") continue;
    for (const one of typeof v === "string" ? [v] : v) q.append(k, one);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}
