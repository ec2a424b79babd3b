/**
 * `plumb cluster add CONTEXT | list | rm SERVER|NAME`: the destination clusters, as cluster Secrets in
 * Argo CD's format (src/clusters).
 *
 * - add reads CONTEXT from the kubeconfig (--kubeconfig, else $KUBECONFIG, else ~/.kube/config) and writes
 *   a Secret with its server and credentials into the cluster plumb runs in (the kubeconfig's current
 *   context, or --context), namespace --namespace. Unlike `argocd cluster add`, which creates an
 *   argocd-manager ServiceAccount in the added cluster and stores its token, plumb stores the context's own
 *   credentials: nothing is created in the added cluster, and what plumb may do there is exactly what the
 *   context may (docs/clusters.md says how to give it a ServiceAccount of its own). Exec-plugin
 *   credentials are refused (the controller cannot run the plugin).
 * - list shows every cluster with its connection state and server version as the controller recorded
 *   them: over the plumb server (GET /api/v1/clusters) after `plumb login`, or with --core from the Secrets.
 * - rm deletes the cluster's Secret (through the kubeconfig).
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import { ApiError } from "../../cluster/client.js";
import { Resources } from "../../cluster/resources.js";
import { NotFoundError, UsageError } from "../../core/errors.js";
import type { KubeObject } from "../../core/object.js";
import { clusterConfigFromKubeconfig, clusterSecret } from "../../clusters/kubeconfig.js";
import { IN_CLUSTER_SERVER, parseClusterSecret } from "../../clusters/secret.js";
import { findCluster, readClusters, type ClusterInfo } from "../../clusters/view.js";
import { KubeClient } from "../../cluster/client.js";
import { addKubeFlags, type KubeFlags } from "../kube-flags.js";
import { parseFormat, printData, table } from "../output.js";
import { addTargetFlags, type TargetFlags } from "../target.js";
import { apiClientOf, targetOf } from "./app-common.js";

const DEFAULT_CLUSTERS_NAMESPACE = "plumb";

interface AddFlags extends KubeFlags {
  name?: string;
  namespace: string;
  label: string[];
  upsert?: boolean;
  project?: string;
  namespaces?: string;
}

interface ListFlags extends TargetFlags, KubeFlags {
  output: string;
  namespace: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function labelsOf(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of flags) {
    const m = /^([A-Za-z0-9][-A-Za-z0-9_./]*)=([-A-Za-z0-9_.]*)$/.exec(l);
    if (!m) throw new UsageError(`--label ${l}: expected key=value (a Kubernetes label)`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** The kubeconfig's home cluster (where plumb runs): its current context, or --context. */
async function home(f: KubeFlags): Promise<Resources> {
  return new Resources(await KubeClient.fromKubeconfigFile(f.kubeconfig, f.context));
}

async function add(contextName: string, f: AddFlags): Promise<void> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  if (f.kubeconfig) kc.loadFromFile(f.kubeconfig);
  else kc.loadFromDefault();
  const ctx = kc.getContextObject(contextName);
  if (!ctx) throw new UsageError(`the kubeconfig has no context ${contextName}`, `list them with: kubectl config get-contexts${f.kubeconfig ? ` --kubeconfig ${f.kubeconfig}` : ""}`);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new UsageError(`context ${contextName} names cluster ${ctx.cluster}, which the kubeconfig does not have`);
  const user = ctx.user ? kc.getUser(ctx.user) : null;
  const base = f.kubeconfig ? dirname(resolve(f.kubeconfig)) : process.cwd();
  const { server, config } = clusterConfigFromKubeconfig(contextName, cluster, user ?? undefined, (p) => readFileSync(isAbsolute(p) ? p : resolve(base, p), "utf8"));
  if (server === IN_CLUSTER_SERVER) throw new UsageError(`${server} is the in-cluster destination: it needs no Secret`);
  const secret = clusterSecret({
    namespace: f.namespace,
    name: f.name ?? contextName,
    server,
    config,
    labels: labelsOf(f.label),
    ...(f.namespaces ? { namespaces: f.namespaces.split(",").map((s) => s.trim()).filter(Boolean) } : {}),
    ...(f.project ? { project: f.project } : {}),
  });
  const resources = await home(f);
  try {
    const existing = await resources.get({ apiVersion: "v1", kind: "Secret", namespace: f.namespace, name: secret.metadata.name });
    const same = existing && sameCluster(existing, secret);
    if (existing && !same && !f.upsert) {
      throw new UsageError(`cluster ${server} is already registered (Secret ${f.namespace}/${secret.metadata.name}) with other settings`, "add --upsert to replace them");
    }
    // One other Secret already using the name would make destination.name ambiguous.
    const clash = (await resources.list("v1", "Secret", { namespace: f.namespace })).items.find((s) => s.metadata.name !== secret.metadata.name && parseClusterSecret(s)?.cluster?.name === (f.name ?? contextName));
    if (clash) throw new UsageError(`another cluster (Secret ${f.namespace}/${clash.metadata.name}) is already named ${f.name ?? contextName}`, "choose another --name");
    if (!same) {
      if (existing) await resources.delete({ apiVersion: "v1", kind: "Secret", namespace: f.namespace, name: secret.metadata.name });
      await resources.create(secret);
    }
    process.stdout.write(`Cluster '${server}' added as ${f.name ?? contextName} (Secret ${f.namespace}/${secret.metadata.name})\n`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new UsageError(`namespace ${f.namespace} does not exist in the cluster plumb runs in`, "create it, or pass --namespace (the controller's --clusters-namespace)");
    throw err;
  } finally {
    resources.client.close();
  }
}

function sameCluster(a: KubeObject, b: KubeObject): boolean {
  const pa = parseClusterSecret(a)?.cluster;
  const pb = parseClusterSecret(b)?.cluster;
  if (!pa || !pb) return false;
  const strip = (c: typeof pa): unknown => ({ name: c.name, server: c.server, config: c.config, namespaces: c.namespaces, project: c.project, labels: c.labels });
  return JSON.stringify(strip(pa)) === JSON.stringify(strip(pb));
}

async function list(f: ListFlags): Promise<ClusterInfo[]> {
  const target = targetOf(f);
  if (target.mode === "api") return (await apiClientOf(target).get<{ items?: ClusterInfo[] | null }>("/api/v1/clusters")).items ?? [];
  const resources = await home(f);
  try {
    return await readClusters(resources, f.namespace);
  } finally {
    resources.client.close();
  }
}

async function rm(serverOrName: string, f: KubeFlags & { namespace: string }): Promise<void> {
  const resources = await home(f);
  try {
    const clusters = await readClusters(resources, f.namespace);
    const c = findCluster(clusters, serverOrName);
    if (!c) throw new NotFoundError(`no cluster ${serverOrName} in namespace ${f.namespace}`, "list them with: plumb cluster list --core");
    if (!c.secret) throw new UsageError(`${c.server} is the in-cluster destination: it has no Secret to remove`);
    const [ns, name] = c.secret.split("/");
    await resources.delete({ apiVersion: "v1", kind: "Secret", namespace: ns!, name: name! });
    process.stdout.write(`Cluster '${c.server}' (${c.name}) removed\n`);
  } finally {
    resources.client.close();
  }
}

export function register(program: Command): void {
  const cmd = program.command("cluster").description("destination clusters: add one from a kubeconfig context, list them with their connection state, remove one");
  addKubeFlags(cmd.command("add").description("register the cluster of a kubeconfig context (writes a cluster Secret in the cluster plumb runs in: the current context, or --context)").argument("<context>", "the kubeconfig context whose server and credentials to register"))
    .option("--name <name>", "the name destination.name refers to (default: the context's name)")
    .option("--namespace <ns>", "namespace of the cluster Secrets (the controller's --clusters-namespace)", DEFAULT_CLUSTERS_NAMESPACE)
    .option("--label <key=value>", "a label on the Secret (for ApplicationSet cluster generators); repeatable", collect, [])
    .option("--project <name>", "scope the cluster to this AppProject")
    .option("--namespaces <list>", "comma-separated namespaces plumb may manage there (default: all, and cluster-scoped kinds)")
    .option("--upsert", "replace the settings of a cluster already registered")
    .action((context: string, f: AddFlags) => add(context, f));
  addTargetFlags(addKubeFlags(cmd.command("list").alias("ls").description("list the clusters, their connection state and server version")))
    .option("-o, --output <format>", "text, wide, json or yaml", "text")
    .option("--namespace <ns>", "with --core: namespace of the cluster Secrets", DEFAULT_CLUSTERS_NAMESPACE)
    .action(async (f: ListFlags) => {
      const wide = f.output === "wide";
      const format = wide ? "text" : parseFormat(f.output);
      const items = await list(f);
      if (format !== "text") return printData(items, format);
      const head = ["SERVER", "NAME", "VERSION", "STATUS", "MESSAGE", "PROJECT", ...(wide ? ["APPS", "WATCHED-KINDS", "LAST-CHECKED", "NAMESPACES", "LABELS"] : [])];
      const rows = [head];
      for (const c of items) {
        rows.push([
          c.server,
          c.name,
          c.serverVersion ?? "",
          c.connectionState.status,
          c.connectionState.message.split("\n")[0]!,
          c.project ?? "",
          ...(wide ? [String(c.info.applicationsCount), String(c.info.cacheInfo.apisCount), c.connectionState.attemptedAt ?? "", c.namespaces.join(",") || "*", Object.entries(c.labels).filter(([k]) => !k.endsWith("/secret-type")).map(([k, v]) => `${k}=${v}`).join(",")] : []),
        ]);
      }
      process.stdout.write(table(rows));
    });
  addKubeFlags(cmd.command("rm").alias("remove").description("remove a cluster (deletes its Secret through the kubeconfig)").argument("<server|name>"))
    .option("--namespace <ns>", "namespace of the cluster Secrets", DEFAULT_CLUSTERS_NAMESPACE)
    .action((serverOrName: string, f: KubeFlags & { namespace: string }) => rm(serverOrName, f));
}
