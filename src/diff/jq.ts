/**
 * jq path expressions for ignoreDifferences (Argo CD's `jqPathExpressions`), evaluated by jq itself: the
 * `jq-wasm` package runs jq 1.8 compiled to WebAssembly, loaded from its own package directory (nothing
 * is downloaded). Loading is asynchronous and happens once, at the edge (`loadJqPathEvaluator()`); every
 * evaluation after that is synchronous, so the comparison stays a plain function.
 *
 * An expression selects what `path(expr)` yields, exactly as in jq
 * (https://jqlang.org/manual/#path). Every call of jq costs about two milliseconds whatever it does, so
 * all expressions for all documents of one comparison go into one jq program:
 *
 *     [ .[] | [ (try [path(E1)] catch {jqError: …}), (try [path(E2)] catch {jqError: …}), … ] ]
 *
 * run over the array of documents. An expression that fails at run time on a document (e.g.
 * `.spec.initContainers[]` where there are none) yields an error for that document only; a program that
 * does not compile is split up to find the expression at fault, reported as a UsageError.
 *
 * What jq can't do here: there is no time limit (a jq program that never ends blocks the caller; Argo CD
 * stops gojq after a second), and `env`/`$ENV` see the WebAssembly sandbox's empty environment, not ours.
 *
 * Pure apart from loading the WebAssembly module once.
 */
import { JqError, loadJq, type Jq } from "jq-wasm";
import { UsageError } from "../core/errors.js";
import type { JsonPath } from "./paths.js";

/** What one expression selected in one document: paths, or the run-time error jq raised. */
export type JqPathResult = { paths: JsonPath[] } | { error: string };

/** Evaluates jq path expressions synchronously. */
export interface JqPathEvaluator {
  /**
   * For each document, for each expression, the paths `path(expression)` yields in it: `result[d][e]`.
   * Throws UsageError when an expression is not valid jq.
   */
  paths(documents: readonly unknown[], expressions: readonly string[]): JqPathResult[][];
}

/** Loads jq (WebAssembly, from the installed package) and returns an evaluator; call once and pass it down. */
export async function loadJqPathEvaluator(): Promise<JqPathEvaluator> {
  return jqPathEvaluator(await loadJq());
}

/** An evaluator over an already loaded jq-wasm handle. */
export function jqPathEvaluator(jq: Jq): JqPathEvaluator {
  return {
    paths(documents, expressions) {
      if (expressions.length === 0) return documents.map(() => []);
      try {
        return run(jq, documents, expressions);
      } catch (e) {
        if (!(e instanceof JqError)) throw e;
        // The program did not compile: find the expression(s) at fault, one at a time.
        for (const expr of expressions) {
          try {
            run(jq, [null], [expr]);
          } catch (inner) {
            if (inner instanceof JqError) {
              throw new UsageError(
                `invalid jq path expression "${expr}": ${firstLine(inner.stderr || inner.message)}`,
                "fix the jqPathExpressions entry of ignoreDifferences (jq syntax: https://jqlang.org/manual/)",
              );
            }
            throw inner;
          }
        }
        throw new UsageError(`jq path expressions failed together: ${firstLine(e.stderr || e.message)}`);
      }
    },
  };
}

/** Builds and runs the one program for all documents and expressions (see the module comment). */
function run(jq: Jq, documents: readonly unknown[], expressions: readonly string[]): JqPathResult[][] {
  const catcher = 'catch {jqError: (if type == "string" then . else tojson end)}';
  const program = `[ .[] | [ ${expressions.map((e) => `(try [path(${e}\n)] ${catcher})`).join(", ")} ] ]`;
  const out = jq.first<unknown[][]>(documents, program);
  if (!Array.isArray(out)) throw new Error("jq returned no result for the path program");
  return out.map((perDoc) =>
    perDoc.map((r): JqPathResult => {
      if (Array.isArray(r)) return { paths: r as JsonPath[] };
      const err = (r as { jqError?: unknown }).jqError;
      return { error: typeof err === "string" ? err : "jq error" };
    }),
  );
}

function firstLine(s: string): string {
  const line = s.split("\n").find((l) => l.trim() !== "") ?? s;
  return line.replace(/^jq: error:\s*/, "").trim();
}
