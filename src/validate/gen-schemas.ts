/**
 * Makes the schema file plumb ships (schemas/kubernetes-<version>.json.gz) from a running API server's
 * /openapi/v3: the index, then every group-version document it lists (api/v1, apis/apps/v1, …), compacted
 * by kube-openapi.ts. By default it starts the local control plane (src/localcluster) for the pinned
 * Kubernetes version, so the file is exactly what that version serves, with no CRD or aggregated API.
 *
 *     bash hack/gen-kube-schemas.sh                                    # build, start a control plane, write
 *     node dist/src/validate/gen-schemas.js --check                    # exit 1 if the shipped file differs
 *     node dist/src/validate/gen-schemas.js --kubeconfig FILE --out F  # from another API server, elsewhere
 *
 * The test test/e2e/validate-schemas.test.ts regenerates it and fails when the shipped file is stale.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { KubeClient } from "../cluster/client.js";
import { toolVersions } from "../tools/versions.js";
import { compactDocuments, type ShippedSchemas } from "./kube-openapi.js";
import { schemaFile } from "./schema.js";

interface OpenAPIIndex {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** The group-version documents (by their path in the index) and the server's version. */
export async function fetchKubeOpenAPI(client: KubeClient): Promise<{ version: string; docs: Record<string, unknown> }> {
  const { gitVersion } = await client.request<{ gitVersion: string }>({ path: "/version" });
  const index = await client.request<OpenAPIIndex>({ path: "/openapi/v3" });
  const docs: Record<string, unknown> = {};
  for (const [path, { serverRelativeURL }] of Object.entries(index.paths)) {
    if (!/^apis?\//.test(path)) continue; // api/v1 and apis/<group>/<version>, not /version or /.well-known
    const url = new URL(serverRelativeURL, "https://x");
    docs[path] = await client.request({ path: url.pathname, query: Object.fromEntries(url.searchParams), timeoutMs: 120_000 });
  }
  return { version: gitVersion.replace(/[-+].*$/, ""), docs };
}

/** The shipped form of a running API server's schemas. */
export async function generateSchemas(client: KubeClient): Promise<ShippedSchemas> {
  const { version, docs } = await fetchKubeOpenAPI(client);
  return compactDocuments(version, docs);
}

/** The bytes of the shipped file: compact JSON, gzip-compressed. */
export function encodeSchemas(s: ShippedSchemas): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(s)), { level: 9 });
}

export function decodeSchemas(bytes: Buffer): unknown {
  return JSON.parse(gunzipSync(bytes).toString("utf8"));
}

async function main(argv: string[]): Promise<number> {
  const opt = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const pinned = toolVersions().kubernetes;
  const kubeconfig = opt("--kubeconfig");
  let stop = async (): Promise<void> => {};
  let client: KubeClient;
  if (kubeconfig) {
    client = await KubeClient.fromKubeconfigFile(kubeconfig);
  } else {
    const { startLocalCluster } = await import("../localcluster/cluster.js");
    const cluster = await startLocalCluster({ name: "gen-schemas", nodes: 1, log: (l) => process.stderr.write(`${l}\n`) });
    stop = () => cluster.stop();
    client = await KubeClient.fromKubeConfig(cluster.kubeConfig);
  }
  try {
    const schemas = await generateSchemas(client);
    if (!kubeconfig && schemas.kubernetesVersion !== pinned) {
      throw new Error(`the control plane reports ${schemas.kubernetesVersion}, but hack/versions.env pins ${pinned}: rebuild the tools (bash hack/tools.sh kubernetes)`);
    }
    const out = resolve(opt("--out") ?? schemaFile(schemas.kubernetesVersion));
    if (argv.includes("--check")) {
      let current: unknown;
      try {
        current = decodeSchemas(readFileSync(out));
      } catch {
        current = undefined;
      }
      if (JSON.stringify(current) !== JSON.stringify(schemas)) {
        process.stderr.write(`${out} is out of date; run bash hack/gen-kube-schemas.sh\n`);
        return 1;
      }
      process.stdout.write(`${out} is up to date\n`);
      return 0;
    }
    mkdirSync(dirname(out), { recursive: true });
    const bytes = encodeSchemas(schemas);
    writeFileSync(out, bytes);
    process.stdout.write(`wrote ${out}: ${Object.keys(schemas.kinds).length} kinds, ${Object.keys(schemas.definitions).length} schemas, ${bytes.length} bytes\n`);
    return 0;
  } finally {
    await stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
