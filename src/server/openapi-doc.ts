/**
 * The API's OpenAPI document without a running server: the routes are mounted on a router whose
 * dependencies are never called (mounting only declares; handlers run per request), and the document is
 * read off it. `hack/gen-ui-api.sh` writes it to ui/src/api/openapi.json, from which the UI's types are
 * generated (openapi-typescript) — so the UI never hand-writes a response type, and a unit test fails when
 * the committed document no longer matches the routes.
 *
 * Run as a script, it prints the document.
 */
import { fileURLToPath } from "node:url";
import { createApp, openAPIConfig, type ApiDeps } from "./app.js";
import { mountApi, type AllRouteDeps } from "./routes/index.js";
import type { StreamRouteDeps } from "./routes/streams.js";

/** The document as `plumb server` serves it at /api/openapi.json (its version field set to `version`). */
export function openAPIDocument(version = "0.0.0"): unknown {
  const unused = new Proxy({}, { get: (_t, key) => (key === "namespace" ? "plumb" : key === "version" ? version : undefined) });
  const app = createApp(unused as ApiDeps, (api) => mountApi(api, unused as AllRouteDeps, { ...(unused as StreamRouteDeps), trees: { treeFor: async () => ({}), onTreeChange: () => () => undefined } }));
  return app.getOpenAPI31Document(openAPIConfig(version));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(openAPIDocument(), null, 2)}\n`);
}
