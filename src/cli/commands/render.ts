/**
 * `plumb render <dir>`: renders a folder as plumb would for an Application (directory, kustomize or helm,
 * detected as Argo CD does) and prints the checked manifests: multi-document YAML, or a JSON `List`.
 * Flags give the source options a Application would carry; any helm flag makes the source a helm source,
 * any directory flag a directory source. Bad input is a RenderError/UsageError (exit 2).
 */
import { spawnSync } from "node:child_process";
import { basename, relative, resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { render, toYamlStream, type SourceOptions } from "../../render/index.js";

interface RenderFlags {
  app?: string;
  namespace: string;
  helmSet: string[];
  helmSetString: string[];
  values: string[];
  releaseName?: string;
  include?: string;
  exclude?: string;
  recurse?: boolean;
  kubeVersion?: string;
  apiVersions: string[];
  repoRoot?: string;
  output: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The git top-level folder containing `dir`, or undefined outside a git work tree (or without git). */
function gitTopLevel(dir: string): string | undefined {
  const r = spawnSync("git", ["-C", dir, "rev-parse", "--show-toplevel"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const top = r.status === 0 ? r.stdout.trim() : "";
  return top || undefined;
}

function parseParameter(flag: string, kv: string, forceString: boolean): { name: string; value: string; forceString?: boolean } {
  const eq = kv.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} "${kv}": expected name=value`, `e.g. ${flag} image.tag=1.2.3`);
  return { name: kv.slice(0, eq), value: kv.slice(eq + 1), ...(forceString ? { forceString: true } : {}) };
}

/** The source options the flags describe (only the blocks whose flags were given). */
export function sourceFromFlags(f: RenderFlags): SourceOptions {
  const source: SourceOptions = {};
  const parameters = [
    ...f.helmSet.map((kv) => parseParameter("--helm-set", kv, false)),
    ...f.helmSetString.map((kv) => parseParameter("--helm-set-string", kv, true)),
  ];
  if (parameters.length || f.values.length || f.releaseName) {
    source.helm = {
      ...(f.values.length ? { valueFiles: f.values } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(f.releaseName ? { releaseName: f.releaseName } : {}),
    };
  }
  if (f.include || f.exclude || f.recurse) {
    source.directory = {
      ...(f.recurse ? { recurse: true } : {}),
      ...(f.include ? { include: f.include } : {}),
      ...(f.exclude ? { exclude: f.exclude } : {}),
    };
  }
  return source;
}

async function run(dirArg: string, f: RenderFlags): Promise<void> {
  if (f.output !== "yaml" && f.output !== "json") throw new UsageError(`-o ${f.output}: expected yaml or json`);
  const dir = resolve(dirArg);
  const repoRoot = resolve(f.repoRoot ?? gitTopLevel(dir) ?? dir);
  const path = relative(repoRoot, dir) || ".";
  const result = await render({
    repoRoot,
    path,
    source: sourceFromFlags(f),
    appName: f.app ?? basename(dir),
    destinationNamespace: f.namespace,
    ...(f.kubeVersion ? { kubeVersion: f.kubeVersion } : {}),
    ...(f.apiVersions.length ? { apiVersions: f.apiVersions } : {}),
  });
  if (f.output === "json") {
    process.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: result.objects }, null, 2)}\n`);
  } else {
    process.stdout.write(toYamlStream(result.objects));
  }
}

/** Registers `plumb render`. */
export function register(program: Command): void {
  program
    .command("render")
    .description("render a folder (plain manifests, Kustomize or Helm) to the manifests plumb would apply")
    .argument("<dir>", "the app folder")
    .option("--app <name>", "application name: Helm's default release name (default: the folder's name)")
    .option("--namespace <ns>", "destination namespace for namespaced objects without one", "default")
    .option("--helm-set <name=value>", "Helm parameter (repeatable)", collect, [])
    .option("--helm-set-string <name=value>", "Helm string parameter (repeatable)", collect, [])
    .option("--values <file>", "Helm values file, relative to <dir> (repeatable)", collect, [])
    .option("--release-name <name>", "Helm release name")
    .option("--include <glob>", "directory source: only files matching this glob (e.g. '{a.yaml,b.yaml}')")
    .option("--exclude <glob>", "directory source: skip files matching this glob")
    .option("--recurse", "directory source: also read sub-folders")
    .option("--kube-version <version>", "Kubernetes version Helm templates see")
    .option("--api-versions <version>", "API version Helm templates see (repeatable)", collect, [])
    .option("--repo-root <dir>", "repository root; nothing outside it is read (default: the git top-level of <dir>, or <dir>)")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .action(async (dir: string, flags: RenderFlags) => run(dir, flags));
}
