/**
 * A Server-Sent Events reader for tests and benchmarks, parsing the wire format by hand
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation): messages are
 * blocks of `field: value` lines ended by a blank line; lines starting with `:` are comments (keepalives).
 */

/** One message as sent: fields absent when the block had none. */
export interface SSEMessage {
  event?: string;
  id?: string;
  data?: string;
  /** When the block was parsed (performance.now()). */
  at: number;
}

export class SSEReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private readonly ready: SSEMessage[] = [];
  private done = false;
  private inflight: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> | undefined;
  /** Comment lines seen (`: keepalive`). */
  comments = 0;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** The next message, or undefined when the stream has ended. */
  async next(timeoutMs = 5000): Promise<SSEMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.ready.length === 0) {
      if (this.done) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SSE message within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      // A read outlives a timeout: the next call waits on the same one, so no chunk is lost.
      this.inflight ??= this.reader.read();
      const chunk = await Promise.race([this.inflight, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), left)))]);
      clearTimeout(timer);
      if (chunk === "timeout") throw new Error(`no SSE message within ${timeoutMs} ms`);
      this.inflight = undefined;
      if (chunk.done) this.done = true;
      else this.feed(this.decoder.decode(chunk.value, { stream: true }));
    }
    return this.ready.shift();
  }

  /** The next `n` messages; throws when the stream ends or stalls first. */
  async take(n: number, timeoutMs = 5000): Promise<SSEMessage[]> {
    const out: SSEMessage[] = [];
    while (out.length < n) {
      const m = await this.next(timeoutMs);
      if (!m) throw new Error(`the stream ended after ${out.length} of ${n} messages`);
      out.push(m);
    }
    return out;
  }

  /** True when the stream ends before any further message; false when a message comes first. */
  async end(timeoutMs = 5000): Promise<boolean> {
    return (await this.next(timeoutMs)) === undefined;
  }

  /** Stops reading (the client disconnects). */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  private feed(text: string): void {
    this.buffer += text.replace(/\r\n?/g, "\n");
    for (let end = this.buffer.indexOf("\n\n"); end >= 0; end = this.buffer.indexOf("\n\n")) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const m: SSEMessage = { at: performance.now() };
      let fields = 0;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        fields++;
        if (field === "data") data.push(value);
        else if (field === "id") m.id = value;
        else if (field === "event") m.event = value;
      }
      if (data.length > 0) m.data = data.join("\n");
      if (fields > 0) this.ready.push(m);
    }
  }
}
