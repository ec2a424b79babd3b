/**
 * `plumb app create`: builds an Application from flags (Argo CD's `argocd app create` flags) or takes
 * manifests from a file (`-f`), checks each as the controller will read it, and server-side applies it.
 *
 * An existing Application is an error unless --upsert; with --upsert the CLI's field manager applies the
 * whole spec again, so a field left out this time (say --sync-policy) is removed, as Argo CD's upsert
 * replaces the spec.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { parseAllDocuments } from "yaml";
import { analyzeApplication, APPLICATION_API_VERSIONS, DEFAULT_PROJECT, LOCAL_SERVER } from "../../apps/index.js";
import { UsageError } from "../../core/errors.js";
import type { KubeObject } from "../../core/object.js";
import { printData } from "../output.js";
import { collect, sourceFromFlags } from "../source-flags.js";
import { addAppFlags, forPrinting, outputOf, withApps, type AppFlags } from "./app-common.js";

interface CreateFlags extends AppFlags {
  file?: string;
  repo?: string;
  path?: string;
  revision: string;
  destNamespace?: string;
  destServer?: string;
  destName?: string;
  project: string;
  syncPolicy?: string;
  autoPrune?: boolean;
  selfHeal?: boolean;
  allowEmpty?: boolean;
  syncOption: string[];
  helmSet: string[];
  helmSetString: string[];
  values: string[];
  releaseName?: string;
  directoryRecurse?: boolean;
  upsert?: boolean;
  dryRun?: boolean;
}

/** Application names are label values (the tracking label): DNS-1123, at most 63 characters. */
const APP_NAME = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The Application the flags describe. */
export function applicationFromFlags(name: string, f: CreateFlags, apiVersion: string): KubeObject {
  if (!APP_NAME.test(name)) throw new UsageError(`application name "${name}" is invalid`, "use at most 63 lower-case letters, digits, '-' or '.', starting and ending with a letter or digit");
  if (!f.repo) throw new UsageError("--repo is required (or -f FILE)");
  if (f.path === undefined) throw new UsageError("--path is required (use --path . for the repository root)");
  if (f.destServer && f.destName) throw new UsageError("--dest-server and --dest-name exclude each other");
  const policy = (f.syncPolicy ?? "none").toLowerCase();
  if (!["automated", "automatic", "auto", "none", "manual"].includes(policy)) throw new UsageError(`--sync-policy ${f.syncPolicy}: expected automated or none`);
  const automated = ["automated", "automatic", "auto"].includes(policy);
  if (!automated && (f.autoPrune || f.selfHeal || f.allowEmpty)) throw new UsageError("--auto-prune, --self-heal and --allow-empty need --sync-policy automated");
  const options = sourceFromFlags({ namespace: "", helmSet: f.helmSet, helmSetString: f.helmSetString, values: f.values, releaseName: f.releaseName, recurse: f.directoryRecurse });
  const syncPolicy = {
    ...(automated ? { automated: { prune: Boolean(f.autoPrune), selfHeal: Boolean(f.selfHeal), ...(f.allowEmpty ? { allowEmpty: true } : {}) } } : {}),
    ...(f.syncOption.length ? { syncOptions: f.syncOption } : {}),
  };
  return {
    apiVersion,
    kind: "Application",
    metadata: { name, namespace: f.appNamespace },
    spec: {
      project: f.project,
      source: { repoURL: f.repo, path: f.path, targetRevision: f.revision, ...options },
      destination: { ...(f.destName ? { name: f.destName } : { server: f.destServer ?? LOCAL_SERVER }), ...(f.destNamespace ? { namespace: f.destNamespace } : {}) },
      ...(Object.keys(syncPolicy).length ? { syncPolicy } : {}),
    },
  };
}

/** The Applications of a manifest file ("-" is stdin), namespaced into -n when they name no namespace. */
export async function applicationsFromFile(file: string, namespace: string): Promise<KubeObject[]> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch {
    throw new UsageError(`-f ${file}: cannot read the file`);
  }
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new UsageError(`-f ${file}: not valid YAML: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as KubeObject | null;
    if (obj === null || obj === undefined) continue;
    if (typeof obj !== "object" || obj.kind !== "Application" || !APPLICATION_API_VERSIONS.includes(obj.apiVersion)) {
      throw new UsageError(`-f ${file}: every document must be an Application (${APPLICATION_API_VERSIONS.join(" or ")}), found ${String(obj?.apiVersion)} ${String(obj?.kind)}`);
    }
    if (!obj.metadata?.name) throw new UsageError(`-f ${file}: an Application has no metadata.name`);
    out.push({ ...obj, metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? namespace } });
  }
  if (out.length === 0) throw new UsageError(`-f ${file}: no Application in the file`);
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Refuses an Application the controller could not use (before --dry-run prints it); warns about fields it will report as unsupported. */
function checkLocally(obj: KubeObject): void {
  const { problems } = analyzeApplication(obj);
  const invalid = problems.filter((p) => p.type === "InvalidSpecError");
  if (invalid.length) throw new UsageError(`application "${obj.metadata.name}" is invalid:\n${invalid.map((p) => `  ${p.message}`).join("\n")}`);
  for (const p of problems) process.stderr.write(`plumb: warning: ${obj.metadata.name}: ${p.message}\n`);
}

export function register(app: Command): void {
  addAppFlags(app.command("create").description("create an Application from flags or a manifest file, server-side applied").argument("[name]"), "text, json or yaml")
    .option("-f, --file <file>", "apply the Application(s) of this manifest file as they are ('-' for stdin)")
    .option("--repo <url>", "the Git repository URL")
    .option("--path <path>", "the app folder in the repository ('.' for the root)")
    .option("--revision <rev>", "branch, tag, commit or HEAD to track", "HEAD")
    .option("--dest-namespace <ns>", "namespace for namespaced objects that name none")
    .option("--dest-server <url>", `destination API server (default ${LOCAL_SERVER})`)
    .option("--dest-name <name>", "destination cluster by name (in-cluster)")
    .option("--project <name>", "the AppProject", DEFAULT_PROJECT)
    .option("--sync-policy <policy>", "automated or none (default none: sync only when asked)")
    .option("--auto-prune", "automated sync deletes objects no longer in Git")
    .option("--self-heal", "automated sync reverts changes made in the cluster")
    .option("--allow-empty", "automated sync may leave the app with no objects")
    .option("--sync-option <opt>", "sync option, e.g. CreateNamespace=true (repeatable)", collect, [])
    .option("--helm-set <name=value>", "Helm parameter (repeatable)", collect, [])
    .option("--helm-set-string <name=value>", "Helm string parameter (repeatable)", collect, [])
    .option("--values <file>", "Helm values file, relative to the app path (repeatable)", collect, [])
    .option("--release-name <name>", "Helm release name")
    .option("--directory-recurse", "directory source: also read sub-folders")
    .option("--upsert", "update the Application when it exists")
    .option("--dry-run", "print the Application; apply nothing")
    .action(async (name: string | undefined, f: CreateFlags) => {
      const { format } = outputOf(f);
      const apiVersion = `${f.argo ? "argoproj.io" : "plumb.dev"}/v1alpha1`;
      let objs: KubeObject[];
      if (f.file) {
        if (name || f.repo || f.path !== undefined) throw new UsageError("-f FILE takes the Applications from the file: give no name, --repo or --path with it");
        objs = await applicationsFromFile(f.file, f.appNamespace);
      } else {
        if (!name) throw new UsageError("an application name is required (or -f FILE)");
        objs = [applicationFromFlags(name, f, apiVersion)];
      }
      for (const o of objs) checkLocally(o);
      if (f.dryRun) return printData(objs.length === 1 ? objs[0] : objs, format === "json" ? "json" : "yaml");
      await withApps(f, async (apps) => {
        const applied: KubeObject[] = [];
        for (const o of objs) {
          const { result, live } = await apps.upsert(o, { upsert: Boolean(f.upsert) });
          applied.push(forPrinting(live));
          if (format === "text") process.stdout.write(`application "${o.metadata.name}" ${result}\n`);
        }
        if (format !== "text") printData(applied.length === 1 ? applied[0] : applied, format);
      });
    });
}
