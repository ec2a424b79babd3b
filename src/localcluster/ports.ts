/** Loopback ports for a local cluster: free ones picked by the kernel, or requested ones checked first. */
import { createServer } from "node:net";
import { ClusterError } from "../core/errors.js";

/** Resolves when `port` can be bound on 127.0.0.1, rejects with a ClusterError naming it otherwise. */
export function checkPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new ClusterError(
          `${what}: port ${port} on 127.0.0.1 is ${err.code === "EADDRINUSE" ? "already in use" : `not usable (${err.code ?? err.message})`}`,
          `stop whatever listens there (ss -ltnp 'sport = :${port}'), or choose another port, or let plumb pick one`,
        ),
      );
    });
    srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve()));
  });
}

/**
 * Asks the kernel for `count` distinct free ports. They are held open together so none repeats, then
 * released; a process started right after can bind them (the usual small race is accepted: a clash shows
 * as a clear start-up error, never a hang).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const srv = createServer();
          srv.once("error", reject);
          srv.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    if (!addr || typeof addr === "string") throw new Error("no port assigned");
    return addr.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** Resolves once `port` can be bound again (a process just stopped may hold it briefly); rejects after `timeoutMs`. */
export async function waitPortFree(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await checkPortFree(port, "kube-apiserver");
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
