/**
 * The one error type of rendering. A render collects every problem it can find (all bad files, all bad
 * objects, all duplicates) and throws them together, so that a user fixes a repository in one pass and
 * nothing half-rendered can ever reach the cluster.
 *
 * Pure: imports nothing that does I/O.
 */
import { UsageError } from "../core/errors.js";

/** One thing wrong with a source, named by the file (repository-relative) and/or object it concerns. */
export interface RenderProblem {
  /** What is wrong, and where possible what to do about it. */
  message: string;
  /** The file the problem is in, relative to the repository root (or a tool's name for tool output). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** 1-based column in `file`. */
  column?: number;
  /** The object concerned, in a short human form ("Deployment web/api"). */
  object?: string;
}

/** "file:line:col: Kind ns/name: message". */
export function formatProblem(p: RenderProblem): string {
  let where = p.file ?? "";
  if (where && p.line !== undefined) where += `:${p.line}${p.column !== undefined ? `:${p.column}` : ""}`;
  const parts = [where, p.object].filter((s): s is string => !!s);
  return parts.length ? `${parts.join(": ")}: ${p.message}` : p.message;
}

/**
 * A source could not be rendered. It is a UsageError (the repository, not plumb, must change: CLI exit
 * code 2) and carries every problem found, each naming its file or object.
 */
export class RenderError extends UsageError {
  readonly problems: readonly RenderProblem[];

  constructor(problems: RenderProblem[], hint?: string) {
    const list = problems.length ? problems : [{ message: "rendering failed" }];
    const message =
      list.length === 1
        ? `cannot render: ${formatProblem(list[0]!)}`
        : `cannot render, ${list.length} problems:\n${list.map((p) => `  - ${formatProblem(p)}`).join("\n")}`;
    super(message, hint);
    this.problems = list;
  }

  /** A RenderError with a single problem. */
  static of(message: string, where: Omit<RenderProblem, "message"> = {}, hint?: string): RenderError {
    return new RenderError([{ ...where, message }], hint);
  }
}

/**
 * Runs `fn` for each item and gathers the problems of every RenderError thrown, so that independent checks
 * (one per value file, one per manifest) are all reported. Other errors propagate at once.
 */
export async function collectProblems<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<{ results: R[]; problems: RenderProblem[] }> {
  const results: R[] = [];
  const problems: RenderProblem[] = [];
  for (const item of items) {
    try {
      results.push(await fn(item));
    } catch (err) {
      if (err instanceof RenderError) problems.push(...err.problems);
      else throw err;
    }
  }
  return { results, problems };
}
