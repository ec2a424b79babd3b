/**
 * A fault injector for Git over HTTP: a TCP server on loopback that accepts every connection and never
 * sends a byte — what a Git server that hangs looks like to git. Every repository URL under `url` hangs.
 */
import { createServer, type Socket } from "node:net";

export interface HangingServer {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Connections open now. */
  sockets: Set<Socket>;
  /** Connections accepted so far. */
  accepted: number;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

export async function startHangingServer(): Promise<HangingServer> {
  const sockets = new Set<Socket>();
  const state = { accepted: 0 };
  const server = createServer((s) => {
    state.accepted++;
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    sockets,
    get accepted() {
      return state.accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nobody listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
