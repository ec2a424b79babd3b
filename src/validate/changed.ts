/**
 * `--changed-since REF`: which apps a change touches. The rule:
 *
 *   changed = files that differ between merge-base(REF, HEAD) and the working tree (committed, staged or
 *             not, deleted, renamed — both names), plus untracked files that are not ignored;
 *   an app is validated when one of its inputs is in `changed`: its Application manifest's file, or any
 *   input of its render (inputs.ts: the app folder, value files outside it, Kustomize references outside it).
 *
 * The merge base, not REF itself: in CI REF is the target branch, which may have moved on since the branch
 * was cut; what the change brings is what happened since they parted (`git diff REF...HEAD`, as a pull
 * request shows it), and the working tree is included so a local run checks what is about to be committed.
 * A parent (app-of-apps) is validated only when its own inputs changed: a change to a child's folder selects
 * the child alone. A child's Application manifest usually lies in its parent's folder, so changing it selects
 * both — as it should, since the parent's render changed.
 *
 * Runs git (the CLI, read-only) on the working tree. Must not import cluster/ or the controller.
 */
import { spawnSync } from "node:child_process";
import { UsageError } from "../core/errors.js";
import { isInput, type AppInputs } from "./inputs.js";

function git(root: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync("git", ["-C", root, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  return { ok: r.status === 0, out: r.stdout ?? "", err: (r.stderr ?? "").trim() };
}

const splitZ = (s: string): string[] => s.split("\0").filter((p) => p !== "");

/**
 * The repository-relative files changed since `ref` (see the module comment). `root` is the work tree's
 * top level. Throws UsageError when `root` is not a git work tree or `ref` names no commit.
 */
export function changedFiles(root: string, ref: string): Set<string> {
  if (!git(root, ["rev-parse", "--is-inside-work-tree"]).ok) {
    throw new UsageError(`--changed-since needs a git work tree; ${root} is not one`, "run it in a clone of the repository");
  }
  const commit = git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (!commit.ok) throw new UsageError(`--changed-since ${ref}: no such commit in ${root}`, "fetch it first (in CI: a clone deep enough to hold it, e.g. fetch-depth: 0)");
  const base = git(root, ["merge-base", commit.out.trim(), "HEAD"]);
  const from = base.ok ? base.out.trim() : commit.out.trim();
  const diff = git(root, ["diff", "--name-only", "--no-renames", "-z", from, "--"]);
  if (!diff.ok) throw new UsageError(`--changed-since ${ref}: git diff failed: ${diff.err}`);
  const untracked = git(root, ["ls-files", "--others", "--exclude-standard", "-z"]);
  return new Set([...splitZ(diff.out), ...splitZ(untracked.out)]);
}

/** What decides whether one app is selected. */
export interface AppChangeInputs {
  /** The repository-relative file of its Application manifest (none for the folder of `plumb validate DIR`). */
  manifestFile?: string;
  /** Its render's inputs; undefined when its source is another repository (then only the manifest counts). */
  inputs?: AppInputs;
}

/** Whether a change to `changed` touches the app. */
export function isChanged(app: AppChangeInputs, changed: ReadonlySet<string>): boolean {
  if (app.manifestFile && changed.has(app.manifestFile)) return true;
  if (!app.inputs) return false;
  for (const f of changed) if (isInput(app.inputs, f)) return true;
  return false;
}
