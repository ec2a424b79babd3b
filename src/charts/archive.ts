/**
 * Unpacking a chart archive (.tgz) from an untrusted server with the system `tar`: the listing is checked
 * first — regular files and folders only (no links, devices), no absolute or `..` member, one top folder,
 * total unpacked size under a limit — then it is extracted without owners or modes from the archive.
 */
import { runTool, type ToolResult } from "../render/exec.js";
import { ChartError } from "./errors.js";

/** Runs the system tar; its listing is bounded like any tool output. */
function run(args: string[], timeoutMs: number): Promise<ToolResult> {
  return runTool("tar", args, { env: process.env, timeoutMs, maxOutputBytes: 64 * 1024 * 1024 });
}

/** Checks and unpacks `archive` into `dest` (an empty folder); returns the top folder's name (the chart's). */
export async function unpackChart(archive: string, dest: string, opts: { timeoutMs: number; maxBytes: number; what: string }): Promise<string> {
  const list = await run(["--numeric-owner", "-tvzf", archive], opts.timeoutMs);
  if (list.code !== 0) throw new ChartError("invalid", `${opts.what} is not a gzipped tar archive: ${list.stderr.trim().split("\n")[0] ?? ""}`);
  let total = 0;
  const tops = new Set<string>();
  for (const line of list.stdout.split("\n")) {
    if (!line.trim()) continue;
    // GNU tar: "-rw-r--r-- 0/0  123 2024-01-01 00:00 chart/Chart.yaml"
    const m = /^(\S)\S*\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
    if (!m) throw new ChartError("invalid", `${opts.what}: cannot read the archive listing`);
    const [, type, size, name] = m as unknown as [string, string, string, string];
    if (type !== "-" && type !== "d") throw new ChartError("invalid", `${opts.what} holds a link or special file (${name.split(" -> ")[0]}); charts may hold only files and folders`);
    if (name.startsWith("/") || name.split("/").includes("..")) throw new ChartError("invalid", `${opts.what} holds a path leading out of the chart (${name})`);
    total += Number(size);
    if (total > opts.maxBytes) throw new ChartError("invalid", `${opts.what} unpacks to more than ${opts.maxBytes} bytes`);
    const top = name.replace(/^\.\//, "").split("/")[0];
    if (top) tops.add(top);
  }
  if (tops.size !== 1) throw new ChartError("invalid", `${opts.what} must hold exactly one top folder (the chart), it holds ${tops.size}`);
  const x = await run(["--no-same-owner", "--no-same-permissions", "-xzf", archive, "-C", dest], opts.timeoutMs);
  if (x.code !== 0) throw new ChartError("invalid", `${opts.what}: unpacking failed: ${x.stderr.trim().split("\n")[0] ?? ""}`);
  return [...tops][0]!;
}
