/**
 * `plumb install [--kubeconfig] [--namespace] [--image] [--dir] [--timeout]`: installs plumb into the
 * cluster (src/install): builds deploy/ with kustomize, moves it to the namespace and image, server-side
 * applies it and waits until the controller's and the API server's Deployments are Available.
 */
import type { Command } from "commander";
import { install } from "../../install/install.js";
import { buildBase, DEFAULT_DEPLOY_DIR, DEFAULT_IMAGE, retarget } from "../../install/manifests.js";
import { addKubeFlags, connect, type KubeFlags } from "../kube-flags.js";
import { seconds } from "./controller.js";

interface InstallFlags extends KubeFlags {
  namespace: string;
  image: string;
  dir: string;
  timeout: string;
}

export function register(program: Command): void {
  const cmd = program.command("install").description("install plumb into the cluster (deploy/: CRDs, RBAC, controller, API server) and wait until it is available");
  addKubeFlags(cmd)
    .option("--namespace <ns>", "namespace to install into", "plumb")
    .option("--image <ref>", "plumb's container image", DEFAULT_IMAGE)
    .option("--dir <dir>", "the Kustomize base to install", DEFAULT_DEPLOY_DIR)
    .option("--timeout <seconds>", "how long the Deployments may take to become Available", "300")
    .action(async (f: InstallFlags) => {
      const timeoutMs = seconds(f.timeout, "--timeout");
      const objects = retarget(await buildBase(f.dir), { namespace: f.namespace, image: f.image });
      const resources = await connect(f);
      try {
        await install(resources, objects, { timeoutMs, progress: (line) => process.stdout.write(`${line}\n`) });
        process.stdout.write(`plumb is installed in namespace ${f.namespace}\n`);
      } finally {
        resources.client.close();
      }
    });
}
