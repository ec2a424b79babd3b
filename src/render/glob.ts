/**
 * Argo CD's glob syntax for a directory source's include/exclude. Argo CD matches the file's path relative
 * to the app folder with gobwas/glob compiled *without* separators, so `*` also crosses `/`: `*.yaml`
 * matches `a.yaml` and `sub/a.yaml` alike. Common JavaScript glob libraries treat `/` specially, hence this
 * small translation to a regular expression:
 *   `*`, `**`   any run of characters        `?`        one character
 *   `[abc]`, `[a-z]`, `[!a-z]`  classes       `{a,b}`    alternatives (may nest)
 *   `\x`        the character x literally
 *
 * Pure: imports nothing that does I/O.
 */

function escapeRegExp(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

function escapeInClass(c: string): string {
  return c.replace(/[\\^\][-]/g, "\\$&");
}

/** Compiles a glob to an anchored RegExp; throws Error with the reason on a malformed pattern. */
export function compileGlob(pattern: string): RegExp {
  const chars = [...pattern];
  let i = 0;

  const parseClass = (): string => {
    let out = "[";
    if (chars[i] === "!") {
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
        while (chars[i] === "*") i++;
        out += "[\\s\\S]*";
      } else if (c === "?") {
        out += "[\\s\\S]";
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

/** A matcher for a path relative to the app folder (always with `/` separators). */
export function globMatcher(pattern: string): (relPath: string) => boolean {
  const re = compileGlob(pattern);
  return (relPath) => re.test(relPath);
}
