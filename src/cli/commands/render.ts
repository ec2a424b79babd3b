/**
 * `plumb render <dir>`: renders a folder as plumb would for an Application (directory, kustomize or helm,
 * detected as Argo CD does) and prints the checked manifests: multi-document YAML, or a JSON `List`.
 * Flags give the source options a Application would carry; any helm flag makes the source a helm source,
 * any directory flag a directory source. Bad input is a RenderError/UsageError (exit 2).
 */
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { render, toYamlStream } from "../../render/index.js";
import { addSourceFlags, collect, resolveSource, type SourceFlags } from "../source-flags.js";

interface RenderFlags extends SourceFlags {
  kubeVersion?: string;
  apiVersions: string[];
  output: string;
}

async function run(dirArg: string, f: RenderFlags): Promise<void> {
  if (f.output !== "yaml" && f.output !== "json") throw new UsageError(`-o ${f.output}: expected yaml or json`);
  const { repoRoot, path, appName, source } = resolveSource(dirArg, f);
  const result = await render({
    repoRoot,
    path,
    source,
    appName,
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
  const cmd = program
    .command("render")
    .description("render a folder (plain manifests, Kustomize or Helm) to the manifests plumb would apply")
    .argument("<dir>", "the app folder");
  addSourceFlags(cmd)
    .option("--kube-version <version>", "Kubernetes version Helm templates see")
    .option("--api-versions <version>", "API version Helm templates see (repeatable)", collect, [])
    .option("-o, --output <format>", "yaml or json", "yaml")
    .action(async (dir: string, flags: RenderFlags) => run(dir, flags));
}
