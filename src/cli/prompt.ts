/**
 * Asking the person at the terminal: a line (a user name), or a secret that is never echoed (a password:
 * the terminal is put in raw mode and nothing is written back but the newline). Off a terminal nothing
 * is asked — the caller says which flag to use instead — so a script never hangs on a prompt.
 */
import { createInterface } from "node:readline";
import { UsageError } from "../core/errors.js";

/** Whether there is a person to ask (stdin and stderr are terminals). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Asks for one line on stderr; UsageError naming `flag` off a terminal. */
export async function promptLine(question: string, flag: string): Promise<string> {
  if (!canPrompt()) throw new UsageError(`${question.replace(/:\s*$/, "")} is needed and there is no terminal to ask on`, `pass ${flag}`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
  }
}

/** Asks for a secret on stderr without echoing it; UsageError naming `flag` off a terminal. */
export async function promptSecret(question: string, flag: string): Promise<string> {
  if (!canPrompt()) throw new UsageError(`${question.replace(/:\s*$/, "")} is needed and there is no terminal to ask on`, `pass ${flag}`);
  const stdin = process.stdin;
  // Echo off before the question shows: a password typed the moment the prompt appears is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.resume();
  stdin.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            resolve(value);
            return;
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            reject(new UsageError("cancelled"));
            return;
          }
          if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
          else if (ch >= " ") value += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/** All of stdin, without the final newline (for --password-stdin). */
export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}
