/**
 * How long-running commands (controller, server, up, demo) learn that their user is gone: Ctrl-C (SIGINT),
 * SIGTERM, SIGHUP (the terminal or tmux pane closed), or stdout/stderr closed (`plumb up | head`, a `tee`
 * killed by the same Ctrl-C): a write to a closed pipe fails with EPIPE, which without a listener is an
 * uncaught exception that skips every cleanup. Here it is a stop like the others, and later write errors on
 * those streams are ignored (there is nobody left to read them) so the cleanup runs to its end.
 *
 * A closed pipe is noticed at the next write to it; what must go even if the process dies without its
 * cleanup (SIGKILL) is removed by the watchdogs of localcluster/processes.ts.
 */

/** The signals a terminal sends to end its programs. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Calls `onStop(reason)` on every stop signal and on the first write error of stdout and of stderr (each
 * stream's later errors are swallowed). Returns a function that removes the signal handlers; the stream
 * listeners stay, so that a write after the pipe closed never throws.
 */
export function onStopRequest(onStop: (reason: string) => void): () => void {
  const onSignal = (signal: NodeJS.Signals): void => onStop(signal);
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  for (const [name, stream] of [["stdout", process.stdout], ["stderr", process.stderr]] as const) {
    let told = false;
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (told) return;
      told = true;
      onStop(`${name} closed (${err.code ?? err.message})`);
    });
  }
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  };
}

/** Resolves with the reason on the first stop request (see onStopRequest); listen early, await later. */
export function untilStopped(): Promise<string> {
  return new Promise<string>((resolve) => {
    const off = onStopRequest((reason) => {
      off();
      resolve(reason);
    });
  });
}
