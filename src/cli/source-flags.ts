/**
 * The flags that describe a source folder, shared by `plumb render`, `plumb diff` and `plumb apply`: the
 * source options an Application would carry (Helm values and parameters, directory globs) and where the
 * repository root is (nothing outside it is read).
 */
import { spawnSync } from "node:child_process";
import { basename, relative, resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import type { SourceOptions } from "../render/index.js";

export interface SourceFlags {
  app?: string;
  namespace: string;
  helmSet: string[];
  helmSetString: string[];
  values: string[];
  releaseName?: string;
  include?: string;
  exclude?: string;
  recurse?: boolean;
  repoRoot?: string;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds the source flags to a command. `appRequired` makes --app mandatory (diff, apply). */
export function addSourceFlags(cmd: Command, appRequired = false): Command {
  if (appRequired) cmd.requiredOption("--app <name>", "application name: the tracking label's value and Helm's default release name");
  else cmd.option("--app <name>", "application name: Helm's default release name (default: the folder's name)");
  return cmd
    .option("--namespace <ns>", "destination namespace for namespaced objects without one", "default")
    .option("--helm-set <name=value>", "Helm parameter (repeatable)", collect, [])
    .option("--helm-set-string <name=value>", "Helm string parameter (repeatable)", collect, [])
    .option("--values <file>", "Helm values file, relative to <dir> (repeatable)", collect, [])
    .option("--release-name <name>", "Helm release name")
    .option("--include <glob>", "directory source: only files matching this glob (e.g. '{a.yaml,b.yaml}')")
    .option("--exclude <glob>", "directory source: skip files matching this glob")
    .option("--recurse", "directory source: also read sub-folders")
    .option("--repo-root <dir>", "repository root; nothing outside it is read (default: the git top-level of <dir>, or <dir>)");
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
export function sourceFromFlags(f: SourceFlags): SourceOptions {
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

/** A valid label value (the app name is the tracking label's value): 63 characters, alphanumerics, - _ . inside. */
const LABEL_VALUE = /^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Where the source is and what it is called: repository root, path inside it, app name, source options. */
export function resolveSource(dirArg: string, f: SourceFlags): { repoRoot: string; path: string; appName: string; source: SourceOptions } {
  const dir = resolve(dirArg);
  const repoRoot = resolve(f.repoRoot ?? gitTopLevel(dir) ?? dir);
  const appName = f.app ?? basename(dir);
  if (!LABEL_VALUE.test(appName)) {
    throw new UsageError(`application name "${appName}" is not usable as a label value`, "use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (--app NAME)");
  }
  return { repoRoot, path: relative(repoRoot, dir) || ".", appName, source: sourceFromFlags(f) };
}
