#!/usr/bin/env node
/** The `plumb` command: runs the program of program.ts and exits with its code. */
import { run } from "./program.js";

process.exitCode = await run(process.argv);
