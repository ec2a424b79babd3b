/**
 * `plumb validate [DIR]`: the CI check of a GitOps repository (src/validate/run.ts): every app rendered as
 * the controller renders it, its objects checked against Kubernetes' schemas and CRDs, the policy checks,
 * the Application checks. Prints the report (table, json, junit, sarif) on stdout.
 *
 * Exit codes: 0 no finding at or above --fail-on; 1 some; 2 a usage error (a bad flag, DIR missing, a
 * Kubernetes version with no schemas, an unknown --changed-since revision); 3 helm or kustomize missing.
 */
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { atLeast, isSeverity, type Severity } from "../../validate/findings.js";
import { POLICY_CHECKS } from "../../validate/policy.js";
import { formatReport, type ReportFormat } from "../../validate/report.js";
import { runValidate } from "../../validate/run.js";
import { connect } from "../kube-flags.js";
import { colour, colourWanted } from "../output.js";
import { collect } from "../source-flags.js";

/** The check ids of this command's own checks (the schema checks all start with `schema-`). */
export const APP_CHECKS = ["render", "app-spec", "app-repo", "app-path", "app-project", "app-destination", "app-value-files", "sync-wave", "hook-phase", "yaml-syntax"];

const FORMATS: readonly ReportFormat[] = ["table", "json", "junit", "sarif"];

interface ValidateFlags {
  output: string;
  failOn: string;
  skip: string[];
  kubeVersion?: string;
  kubeconfig?: string;
  context?: string;
  changedSince?: string;
  repoUrl: string[];
  cacheDir?: string;
  cache: boolean;
  concurrency?: string;
}

function skipIds(values: readonly string[]): Set<string> {
  const ids = new Set(values.flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean));
  const known = new Set([...APP_CHECKS, ...POLICY_CHECKS.map((c) => c.id)]);
  for (const id of ids) {
    if (!known.has(id) && !id.startsWith("schema-")) process.stderr.write(colour("grey", `plumb: warning: --skip ${id}: no check has this id\n`));
  }
  return ids;
}

async function run(dirArg: string | undefined, f: ValidateFlags): Promise<void> {
  if (!(FORMATS as readonly string[]).includes(f.output)) throw new UsageError(`-o ${f.output}: expected one of ${FORMATS.join(", ")}`);
  if (!isSeverity(f.failOn)) throw new UsageError(`--fail-on ${f.failOn}: expected error, warning or info`);
  const concurrency = f.concurrency !== undefined ? Number(f.concurrency) : undefined;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) throw new UsageError(`--concurrency ${f.concurrency}: expected a whole number from 1 to 64`);
  const failOn: Severity = f.failOn;
  const cluster = f.kubeconfig ? await connect({ kubeconfig: f.kubeconfig, ...(f.context ? { context: f.context } : {}) }) : undefined;
  try {
    const report = await runValidate({
      dir: dirArg ?? ".",
      skip: skipIds(f.skip),
      ...(f.kubeVersion ? { kubeVersion: f.kubeVersion } : {}),
      ...(cluster ? { cluster } : {}),
      ...(f.changedSince !== undefined ? { changedSince: f.changedSince } : {}),
      ...(f.repoUrl.length ? { repoURLs: f.repoUrl } : {}),
      cacheDir: f.cache ? f.cacheDir : false,
      ...(concurrency ? { concurrency } : {}),
    });
    const { stats: _stats, ...plain } = report;
    process.stdout.write(formatReport(plain, f.output as ReportFormat, { colour: colourWanted(process.env, Boolean(process.stdout.isTTY)) }));
    if (report.findings.some((x) => atLeast(x.severity, failOn))) process.exitCode = 1;
  } finally {
    cluster?.client.close();
  }
}

/** Registers `plumb validate`. */
export function register(program: Command): void {
  program
    .command("validate")
    .description("validate a GitOps repository as the controller would sync it: render every app, schemas, policies, Application checks")
    .argument("[dir]", "the repository (or one app folder)", ".")
    .option("-o, --output <format>", "table, json, junit or sarif", "table")
    .option("--fail-on <severity>", "exit 1 when a finding is at or above: error, warning or info", "error")
    .option("--skip <id>", "switch a check off for the run (repeatable, or comma-separated)", collect, [])
    .option("--kube-version <version>", "Kubernetes version of the schemas and of Helm's .Capabilities (default: the pinned one)")
    .option("--kubeconfig <file>", "also use the live cluster's CRDs and AppProjects")
    .option("--context <name>", "kubeconfig context (with --kubeconfig)")
    .option("--changed-since <ref>", "only the apps whose inputs changed between the merge base of <ref> and HEAD (and the working tree)")
    .option("--repo-url <url>", "a URL the apps use for this repository (repeatable; default: its git remotes)", collect, [])
    .option("--cache-dir <dir>", "render cache folder (default: $XDG_CACHE_HOME/plumb/validate or ~/.cache/plumb/validate)")
    .option("--no-cache", "render every app, store nothing")
    .option("--concurrency <n>", "renders at once (default: the number of cores)")
    .action(async (dir: string | undefined, flags: ValidateFlags) => run(dir, flags));
}
