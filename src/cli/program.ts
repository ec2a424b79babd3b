/**
 * The `plumb` program: every sub-command wired (each lives in cli/commands/<name>.ts and exports
 * `register(program)`), the check for unknown commands, and the one mapping of errors to exit codes:
 *   0 ok · 1 runtime failure · 2 usage error (bad flag or input, unknown command) · 3 a required tool is missing
 *   (diff uses 1 for "out of sync", as `diff` and `kubectl diff` do).
 * main.ts runs it; tests build it without running anything.
 */
import { Command, CommanderError } from "commander";
import { PlumbError, ToolMissingError, UsageError } from "../core/errors.js";
import { commands } from "./commands/index.js";
import { unknownCommand } from "./completion.js";

export function buildProgram(): Command {
  const program = new Command("plumb")
    .description("GitOps continuous delivery for Kubernetes")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
    .showSuggestionAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** Exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof UsageError) return 2;
  if (err instanceof ToolMissingError) return 3;
  return 1;
}

/** What is printed for an error (commander prints its own): the message with its hint; a stack only for a bug. */
export function errorText(err: unknown): string {
  if (err instanceof PlumbError || !(err instanceof Error)) return String(err instanceof Error ? err.message : err);
  return err.stack ?? err.message;
}

/**
 * Runs the program on `argv` (process.argv's shape) and resolves to the exit code. A word that names no
 * command is a usage error with a suggestion, checked before commander parses — so `plumb nosuch --help`
 * does not print the top-level help and succeed.
 */
export async function run(argv: string[]): Promise<number> {
  try {
    const program = buildProgram();
    const unknown = unknownCommand(program, argv.slice(2));
    if (unknown) throw unknown;
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (!(err instanceof CommanderError)) process.stderr.write(`plumb: ${errorText(err)}\n`);
    return exitCodeFor(err);
  }
}
