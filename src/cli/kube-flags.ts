/** The flags that choose a cluster, read as kubectl reads them: --kubeconfig, else $KUBECONFIG, else ~/.kube/config. */
import type { Command } from "commander";
import { KubeClient } from "../cluster/client.js";
import { Resources } from "../cluster/resources.js";

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
}

export function addKubeFlags(cmd: Command): Command {
  return cmd.option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)").option("--context <name>", "kubeconfig context (default: the current one)");
}

/** A client for the chosen cluster; call `close()` on its client when done. */
export async function connect(f: KubeFlags): Promise<Resources> {
  return new Resources(await KubeClient.fromKubeconfigFile(f.kubeconfig, f.context));
}
