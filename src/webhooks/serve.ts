/**
 * Serving the receiver on its own port with @hono/node-server: for `plumb controller` running the webhook
 * endpoint without the API server, and for tests over real HTTP. The only I/O of this folder.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

/** Where to listen. */
export interface ServeWebhooksOptions {
  /** TCP port; 0 (the default) picks a free one, read back from the returned `url`. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. Use 0.0.0.0 to take webhooks from other machines. */
  host?: string;
}

/** A running receiver. */
export interface ServedWebhooks {
  /** The base URL, e.g. `http://127.0.0.1:41234` (append the app's path, `/api/webhook` by default). */
  url: string;
  /** Stops listening and closes open connections; resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * Serves a Hono app (usually `webhookApp(…)`) over HTTP. Resolves once listening; rejects when the port
 * cannot be bound.
 */
export function serveWebhooks(app: Hono, options: ServeWebhooksOptions = {}): Promise<ServedWebhooks> {
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    // Keep Node's own Request/Response globals: the receiver may share its process with other fetch users.
    const port = options.port ?? 0;
    const server = serve({ fetch: app.fetch, port, hostname: host, overrideGlobalObjects: false }) as Server;
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      const bound = (server.address() as AddressInfo).port;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${bound}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
