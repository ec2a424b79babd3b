/**
 * What a list+watch loop tells the log: each outage once when it starts (warn, with the error), again every
 * `REPEAT_EVERY` failures while it lasts, every other retry at debug, and its end (info, with how many tries
 * failed) — so an API server restart shows as two lines per watched type, not one line per retry.
 *
 * Owns: the watch log policy. Must not import: controller, server.
 */
import type { ReflectorOptions } from "./watch.js";

/** The part of a pino logger the watch loops use. */
export interface WatchLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

/** While an outage lasts, every this many failures is logged at warn again. */
export const REPEAT_EVERY = 20;

/** The level a failure is logged at: warn for the first of a series and every REPEAT_EVERY-th, else debug. */
export function watchFailureLevel(failures: number): "warn" | "debug" {
  return failures === 1 || failures % REPEAT_EVERY === 0 ? "warn" : "debug";
}

/** The onError/onRecover hooks of the loop watching `watch` (e.g. "apps/deployments", with selector and namespace). */
export function watchLogHooks(log: WatchLogger, watch: Record<string, string>): Pick<ReflectorOptions, "onError" | "onRecover"> {
  return {
    onError: (err, failures) => {
      const fields = { ...watch, failures, error: err instanceof Error ? err.message : String(err) };
      if (watchFailureLevel(failures) === "warn") log.warn(fields, "watch failed; retrying");
      else log.debug?.(fields, "watch failed; retrying");
    },
    onRecover: (failures) => log.info({ ...watch, failures }, "watch resumed"),
  };
}
