/**
 * What `plumb diff` and `plumb apply` share: building the AppSpec and engine context from flags.
 */
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { UsageError } from "../../core/errors.js";
import { loadJqPathEvaluator, parseIgnoreDifferences } from "../../diff/index.js";
import { appSpec, type AppSpec } from "../../engine/app.js";
import type { EngineContext } from "../../engine/compare.js";
import { connect, type KubeFlags } from "../kube-flags.js";
import { resolveSource, type SourceFlags } from "../source-flags.js";

export interface EngineFlags extends SourceFlags, KubeFlags {
  ignoreDifferences?: string;
  syncOption: string[];
  prune?: boolean;
  allowEmpty?: boolean;
  output: string;
}

/** The application described by the flags. */
export async function appFromFlags(dir: string, f: EngineFlags): Promise<AppSpec> {
  const { repoRoot, path, appName, source } = resolveSource(dir, f);
  let ignoreDifferences: AppSpec["ignoreDifferences"] = [];
  if (f.ignoreDifferences) {
    let text: string;
    try {
      text = await readFile(f.ignoreDifferences, "utf8");
    } catch {
      throw new UsageError(`--ignore-differences ${f.ignoreDifferences}: cannot read the file`);
    }
    ignoreDifferences = parseIgnoreDifferences(parse(text));
  }
  return appSpec({
    name: appName,
    namespace: f.namespace,
    repoRoot,
    path,
    source,
    ignoreDifferences,
    syncOptions: f.syncOption,
    prune: Boolean(f.prune),
    allowEmpty: Boolean(f.allowEmpty),
  });
}

/** Connects to the cluster and loads jq only if a rule needs it. */
export async function engineFor(app: AppSpec, f: KubeFlags): Promise<EngineContext & { close(): void }> {
  const resources = await connect(f);
  const needsJq = app.ignoreDifferences.some((r) => (r.jqPathExpressions ?? []).length > 0);
  return { resources, ...(needsJq ? { jq: await loadJqPathEvaluator() } : {}), close: () => resources.client.close() };
}
