/**
 * The CNCF distribution registry (built by hack/tools.sh `registry`) on a loopback port for tests:
 * filesystem storage in a temporary folder, optional htpasswd auth (bcrypt via bcryptjs). `push` runs the
 * real `helm package` + `helm push` to oci://<host>/charts with a temporary registry config.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { findBinary } from "../../src/tools/binaries.js";
import { helmRun } from "./chartrepo.js";
import { waitFor } from "./wait.js";

export interface Registry {
  /** host:port */
  host: string;
  /** oci://host:port/charts, where push puts charts. */
  ociURL: string;
  /** Packages a chart folder and pushes it to ociURL. */
  push(chartDir: string): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRegistry(opts: { username?: string; password?: string } = {}): Promise<Registry> {
  const root = await mkdtemp(join(tmpdir(), "plumb-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const auth = opts.username !== undefined;
  if (auth) await writeFile(join(root, "htpasswd"), `${opts.username}:${bcrypt.hashSync(opts.password ?? "", 8)}\n`);
  const config = [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${join(root, "data")}`,
    "http:",
    `  addr: ${host}`,
    `  secret: ${Math.random().toString(36).slice(2)}`,
    ...(auth ? ["auth:", "  htpasswd:", "    realm: plumb-test", `    path: ${join(root, "htpasswd")}`] : []),
  ].join("\n");
  await writeFile(join(root, "config.yml"), config);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("REGISTRY_") && !k.startsWith("OTEL_")) env[k] = v;
  env.OTEL_TRACES_EXPORTER = "none";
  env.OTEL_SDK_DISABLED = "true";
  const child: ChildProcess = spawn(findBinary("registry"), ["serve", join(root, "config.yml")], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  let exited = false;
  child.on("exit", () => (exited = true));
  try {
    await waitFor(
      `the registry on ${host}`,
      async () => {
        if (exited) throw new Error(`registry exited: ${stderr}`);
        const res = await fetch(`http://${host}/v2/`).catch(() => undefined);
        return res !== undefined && (res.status === 200 || res.status === 401);
      },
      20_000,
      100,
    );
  } catch (err) {
    child.kill("SIGKILL");
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  const home = join(root, "helm");
  let loggedIn = false;
  return {
    host,
    ociURL: `oci://${host}/charts`,
    async push(chartDir: string) {
      if (auth && !loggedIn) {
        await helmRun(["registry", "login", host, "--username", opts.username ?? "", "--password-stdin", "--plain-http"], home, opts.password ?? "");
        loggedIn = true;
      }
      const out = await mkdtemp(join(root, "pkg-"));
      await helmRun(["package", chartDir, "--destination", out], home);
      const [tgz] = await readdir(out);
      await helmRun(["push", join(out, tgz!), `oci://${host}/charts`, "--plain-http"], home);
      await rm(out, { recursive: true, force: true });
    },
    async close() {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (!exited) child.kill("SIGKILL");
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
