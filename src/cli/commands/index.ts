/** Every sub-command, in the order `plumb --help` lists them. Add one line here per new command file. */
import type { Command } from "commander";

export type Register = (program: Command) => void;

export const commands: Register[] = [];
