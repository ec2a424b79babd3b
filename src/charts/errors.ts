/** The one error type of src/charts: a code for callers (conditions, retries) and a message for people. */

/** What went wrong, for callers that react differently (auth → check the Secret; unreachable → retry). */
export type ChartErrorCode = "auth" | "not-found" | "no-match" | "unreachable" | "invalid";

/** A chart repository or registry problem. The message names the repository (never its credentials) and what to do. */
export class ChartError extends Error {
  readonly code: ChartErrorCode;
  constructor(code: ChartErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ChartError";
    this.code = code;
  }
}
