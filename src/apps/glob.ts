/**
 * The glob dialect of Argo CD's AppProject rules (gobwas/glob), with optional separators:
 *   `*`   any run of characters that are not separators     `**`      any run of characters
 *   `?`   one character that is not a separator             `[abc]`, `[a-z]`, `[!a-z]`  classes
 *   `{a,b}` alternatives                                     `\x`      the character x literally
 * Argo CD matches sourceRepos with `/` as the separator (`https://github.com/org/*` matches the org's
 * repositories, not deeper paths) and destinations and group/kind lists without any. A malformed pattern
 * matches nothing, as a glob that fails to compile does in Argo CD.
 *
 * Pure: imports nothing that does I/O.
 */

function escapeRegExp(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

function compile(pattern: string, separators: string): RegExp {
  const chars = [...pattern];
  const notSep = separators ? `[^${separators.replace(/[\\\]^-]/g, "\\$&")}]` : "[\\s\\S]";
  let i = 0;
  const parseClass = (): string => {
    let out = "[";
    if (chars[i] === "!" || chars[i] === "^") {
      out += "^";
      i++;
    }
    const start = i;
    while (i < chars.length && (chars[i] !== "]" || i === start)) {
      const c = chars[i++]!;
      out += c === "\\" && i < chars.length ? `\\${chars[i++]!}` : c.replace(/[\\\]^]/g, "\\$&");
    }
    if (i >= chars.length) throw new Error(`unclosed "[" in "${pattern}"`);
    i++;
    return `${out}]`;
  };
  const parseSequence = (inBraces: boolean): string => {
    let out = "";
    while (i < chars.length) {
      const c = chars[i]!;
      if (inBraces && (c === "," || c === "}")) return out;
      i++;
      if (c === "\\") {
        if (i >= chars.length) throw new Error(`"${pattern}" ends with a lone "\\"`);
        out += escapeRegExp(chars[i++]!);
      } else if (c === "*") {
        if (chars[i] === "*") {
          while (chars[i] === "*") i++;
          out += "[\\s\\S]*";
        } else {
          out += `${notSep}*`;
        }
      } else if (c === "?") {
        out += notSep;
      } else if (c === "[") {
        out += parseClass();
      } else if (c === "{") {
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(parseSequence(true));
          if (i >= chars.length) throw new Error(`unclosed "{" in "${pattern}"`);
          if (chars[i++] === "}") break;
        }
        out += `(?:${alternatives.join("|")})`;
      } else {
        out += escapeRegExp(c);
      }
    }
    return out;
  };
  return new RegExp(`^${parseSequence(false)}$`, "u");
}

/** Whether `value` matches the glob `pattern`; `separators` are the characters a single `*` does not cross. */
export function globMatch(pattern: string, value: string, separators = ""): boolean {
  if (pattern === "*" && !separators) return true;
  try {
    return compile(pattern, separators).test(value);
  } catch {
    return false;
  }
}

/** A `!pattern` denies what it matches. */
export function isDenyPattern(pattern: string): boolean {
  return pattern.startsWith("!");
}

/** Argo CD's globMatch with negation: `!pattern` matches what `pattern` does not; `*` matches everything. */
export function globMatchWithNegation(pattern: string, value: string, separators = ""): boolean {
  if (isDenyPattern(pattern)) return !globMatch(pattern.slice(1), value, separators);
  if (pattern === "*") return true;
  return globMatch(pattern, value, separators);
}
