/**
 * Output for people and scripts: aligned tables, colour only when stdout is a terminal, and `-o json|yaml`
 * for machines. Colour rule (https://no-color.org): NO_COLOR set and not empty → never; else FORCE_COLOR set
 * (and not 0 or false) → always; else only when stdout is a terminal that is not TERM=dumb.
 */
import { stringify } from "yaml";
import { UsageError } from "../core/errors.js";

export type Format = "text" | "json" | "yaml";

export function parseFormat(value: string, allowed: readonly Format[] = ["text", "json", "yaml"]): Format {
  if ((allowed as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`-o ${value}: expected one of ${allowed.join(", ")}`);
}

/** Whether output gets colour, by the rule of the module comment. */
export function colourWanted(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0" && force.toLowerCase() !== "false") return true;
  return isTTY && env.TERM !== "dumb";
}

const useColour = (): boolean => colourWanted(process.env, Boolean(process.stdout.isTTY));

/** An ANSI colour sequence (ESC [ ... m). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

const CODES: Record<string, string> = { red: "31", green: "32", yellow: "33", blue: "34", grey: "90", bold: "1" };

export function colour(name: keyof typeof CODES, text: string): string {
  return useColour() ? `\u001b[${CODES[name]}m${text}\u001b[0m` : text;
}

/** The colour of a status word (sync, health or change action). */
export function statusColour(word: string): string {
  switch (word) {
    case "Synced":
    case "Healthy":
    case "created":
    case "configured":
    case "pruned":
    case "Succeeded":
      return colour("green", word);
    case "OutOfSync":
    case "Missing":
    case "Extra":
    case "Progressing":
    case "skipped":
      return colour("yellow", word);
    case "Degraded":
    case "failed":
    case "Failed":
      return colour("red", word);
    case "unchanged":
      return colour("grey", word);
    default:
      return word;
  }
}

/** Aligned columns; the first row is the header. Colour codes do not count towards widths. */
export function table(rows: string[][]): string {
  const visible = (s: string): number => s.replace(ANSI, "").length;
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - visible(c)))).join("  ").trimEnd()).join("\n") + "\n";
}

/** Prints a value as JSON or YAML. */
export function printData(value: unknown, format: "json" | "yaml"): void {
  process.stdout.write(format === "json" ? `${JSON.stringify(value, null, 2)}\n` : stringify(value));
}

/** Colours a unified diff: removed lines red, added green, headers bold. */
export function colourDiff(diff: string): string {
  if (!useColour()) return diff;
  return diff
    .split("\n")
    .map((l) => (l.startsWith("---") || l.startsWith("+++") ? colour("bold", l) : l.startsWith("-") ? colour("red", l) : l.startsWith("+") ? colour("green", l) : l.startsWith("@@") ? colour("blue", l) : l))
    .join("\n");
}
