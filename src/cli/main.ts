#!/usr/bin/env node
/**
 * The `plumb` command. Each sub-command lives in cli/commands/<name>.ts and exports `register(program)`;
 * this file wires them and maps errors to exit codes in one place:
 *   0 ok · 1 runtime failure · 2 usage error (bad flag or input) · 3 a required tool is missing
 *   (diff uses 1 for "out of sync", as `diff` and `kubectl diff` do).
 */
import { Command, CommanderError } from "commander";
import { PlumbError, ToolMissingError, UsageError } from "../core/errors.js";
import { commands } from "./commands/index.js";

export function buildProgram(): Command {
  const program = new Command("plumb")
    .description("GitOps continuous delivery for Kubernetes")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
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

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const code = exitCodeFor(err);
    if (!(err instanceof CommanderError)) {
      const msg = err instanceof PlumbError || !(err instanceof Error) ? String(err instanceof Error ? err.message : err) : err.stack ?? err.message;
      process.stderr.write(`plumb: ${msg}\n`);
    }
    process.exitCode = code;
  }
}

await main(process.argv);
