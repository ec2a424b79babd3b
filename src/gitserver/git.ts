/** Running the git CLI: one promise per command, stderr in the error, never an interactive prompt. */
import { execFile } from "node:child_process";
import { PlumbError } from "../core/errors.js";

export class GitError extends PlumbError {}

export interface GitOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default 60 s. */
  timeoutMs?: number;
}

/** Runs `git args...` and resolves with its stdout. */
export function git(args: string[], opts: GitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          ...opts.env,
          GIT_TERMINAL_PROMPT: "0",
          GIT_ASKPASS: "",
          SSH_ASKPASS: "",
          GIT_CONFIG_NOSYSTEM: "1",
        },
      },
      (err, stdout, stderr) => {
        if (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOENT") {
            reject(new GitError("git not found", "install git (apt-get install git) and put it on PATH"));
            return;
          }
          reject(new GitError(`git ${args[0]} failed: ${stderr.trim() || err.message}`));
          return;
        }
        resolve(stdout);
      },
    );
  });
}
