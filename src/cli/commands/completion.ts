/**
 * `plumb completion bash|zsh|fish`: prints a completion script for the shell, generated from this build's
 * command tree (cli/completion.ts), so it completes every command, sub-command and flag there is.
 */
import type { Command } from "commander";
import { completionScript, SHELLS } from "../completion.js";

export function register(program: Command): void {
  program
    .command("completion")
    .description(`print a shell completion script (${SHELLS.join(", ")}), e.g. source <(plumb completion bash)`)
    .argument("<shell>", SHELLS.join(", "))
    .action((shell: string) => {
      process.stdout.write(completionScript(program, shell));
    });
}
