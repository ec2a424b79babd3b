/**
 * The glob dialect Argo CD uses (gobwas/glob), compiled to a regular expression, with optional separators:
 *   `*`   any run of characters that are not separators     `**`      any run of characters
 *   `?`   one character that is not a separator             `[abc]`, `[a-z]`, `[!a-z]`  classes
 *   `{a,b}` alternatives (may nest)                          `\x`      the character x literally
 * Without separators (a directory source's include/exclude) `*` crosses `/` too; AppProject source
 * repositories use `/` as the separator.
 *
 * Pure: imports nothing that does I/O.
 */

function escapeRegExp(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

function escapeInClass(c: string): string {
  return c.replace(/[\\^\][-]/g, "\\$&");
}

/**
 * Compiles a glob to an anchored RegExp; throws Error with the reason on a malformed pattern.
 * `separators` are the characters a single `*` or `?` does not cross (`**` always does); none by default.
 */
export function compileGlob(pattern: string, separators = ""): RegExp {
  const chars = [...pattern];
  const notSep = separators ? `[^${separators.replace(/[\\\]^-]/g, "\\$&")}]` : "[\\s\\S]";
  let i = 0;

  const parseClass = (): string => {
    let out = "[";
    if (chars[i] === "!" || chars[i] === "^") {
      out += "^";
      i++;
    }
    let members = 0;
    while (i < chars.length && chars[i] !== "]") {
      let c = chars[i++]!;
      if (c === "\\" && i < chars.length) c = chars[i++]!;
      if (chars[i] === "-" && i + 1 < chars.length && chars[i + 1] !== "]") {
        const hi = chars[i + 1]!;
        i += 2;
        if (hi < c) throw new Error(`bad range ${c}-${hi} in "${pattern}"`);
        out += `${escapeInClass(c)}-${escapeInClass(hi)}`;
      } else {
        out += escapeInClass(c);
      }
      members++;
    }
    if (i >= chars.length) throw new Error(`unclosed "[" in "${pattern}"`);
    if (members === 0) throw new Error(`empty "[]" in "${pattern}"`);
    i++; // the closing ]
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
        let stars = 1;
        while (chars[i] === "*") {
          i++;
          stars++;
        }
        out += stars > 1 ? "[\\s\\S]*" : `${notSep}*`;
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

