/**
 * Server-Sent Events, the I/O half: one EventSource per stream (the browser reconnects by itself, resuming
 * from Last-Event-ID), messages parsed as JSON and handed on as `result`s.
 */

export interface StreamHandlers<T> {
  /** Each message's `result`. */
  onResult: (result: T) => void;
  /** The server says: drop what you hold, the whole state follows. */
  onRelist?: () => void;
  /** The connection is open (again). */
  onOpen?: () => void;
  /** The connection was lost; the browser is retrying. */
  onError?: () => void;
}

/** Opens `url` as an event stream; returns the function that closes it. */
export function openStream<T>(url: string, on: StreamHandlers<T>): () => void {
  const source = new EventSource(url, { withCredentials: true });
  source.onmessage = (m: MessageEvent<string>) => {
    let parsed: { result?: T } | undefined;
    try {
      parsed = JSON.parse(m.data) as { result?: T };
    } catch {
      return; // not JSON: nothing to apply
    }
    if (parsed?.result !== undefined) on.onResult(parsed.result);
  };
  source.addEventListener("relist", () => on.onRelist?.());
  source.onopen = () => on.onOpen?.();
  source.onerror = () => on.onError?.();
  return () => source.close();
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
