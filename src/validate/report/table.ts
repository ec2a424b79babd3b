/**
 * The report for people: findings grouped by app, then object (kind namespace/name and the file it came
 * from), one line per finding `SEVERITY  check-id  path  message`, columns aligned within an object, and a
 * summary line. Colour (severity words, headings) only when asked: the caller decides from the terminal
 * (src/cli/output.ts colourWanted), this module stays pure.
 *
 * Pure: imports nothing that does I/O.
 */
import type { Severity, ValidateReport } from "../findings.js";
import { groupFindings, objectLabel, summarize } from "./summary.js";

const CODES = { red: "31", yellow: "33", blue: "34", grey: "90", bold: "1", green: "32" } as const;
type Paint = (c: keyof typeof CODES, s: string) => string;

const SEVERITY_COLOUR: Record<Severity, keyof typeof CODES> = { error: "red", warning: "yellow", info: "blue" };

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Strips characters that would move the cursor or recolour the terminal (a message carries user input). */
// eslint-disable-next-line no-control-regex
const safe = (s: string): string => s.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, "?").replace(/\n/g, " ");

export function formatTable(report: ValidateReport, opts: { colour?: boolean } = {}): string {
  const paint: Paint = opts.colour ? (c, s) => `\u001b[${CODES[c]}m${s}\u001b[0m` : (_c, s) => s;
  const lines: string[] = [];
  for (const g of groupFindings(report)) {
    const head = g.app !== undefined ? g.app : "(no app)";
    lines.push(paint("bold", safe(head)) + (g.file ? `  ${paint("grey", safe(g.file))}` : ""));
    for (const o of g.objects) {
      const where = o.file ? `${o.file}${o.line !== undefined ? `:${o.line}` : ""}` : "";
      const label = o.object ? objectLabel(o.object) : "";
      lines.push(`  ${safe(label || where || "(app)")}${label && where ? `  ${paint("grey", safe(where))}` : ""}`);
      const rows = o.findings.map((f) => [f.severity.toUpperCase(), f.check, f.path ?? "-", f.message].map(safe));
      const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
      o.findings.forEach((f, i) => {
        const r = rows[i]!;
        const sev = paint(SEVERITY_COLOUR[f.severity], r[0]!.padEnd(w[0]!));
        lines.push(`    ${sev}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}`.trimEnd());
      });
    }
    lines.push("");
  }
  const s = summarize(report);
  const counts = `${plural(s.error, "error")}, ${plural(s.warning, "warning")}, ${s.info} info`;
  const summary = s.findings === 0 ? `No findings in ${plural(s.apps, "app")} (${plural(s.objects, "object")}).` : `${counts} in ${s.appsWithFindings} of ${plural(s.apps, "app")} validated (${plural(s.objects, "object")}).`;
  lines.push(s.error > 0 ? paint("red", summary) : s.warning > 0 ? paint("yellow", summary) : paint("green", summary));
  return `${lines.join("\n")}\n`;
}
