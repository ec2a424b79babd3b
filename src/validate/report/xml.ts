/**
 * XML 1.0 text and attribute escaping. Characters XML 1.0 cannot carry at all (C0 controls other than tab,
 * newline and carriage return, U+FFFE, U+FFFF, lone surrogates) are written as a visible `\uXXXX` so the
 * document stays well-formed and the reader still sees what was there.
 *
 * Pure: imports nothing that does I/O.
 */

// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const visible = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** Escapes text for an element's content or an attribute value (quotes included, so either is safe). */
export function escapeXml(s: string): string {
  return s
    .replace(INVALID, visible)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}

/** Escapes an attribute value: as escapeXml, and newlines kept as character references (attribute normalisation would turn them into spaces). */
export function escapeAttr(s: string): string {
  return escapeXml(s).replace(/\n/g, "&#10;");
}
