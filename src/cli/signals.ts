/** Long-running commands (controller, server, up) run until the user stops them. */

/** Resolves on the first SIGINT (Ctrl-C) or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}
