/**
 * YAML syntax highlighting one line at a time, for the rows the virtualised views actually draw: highlight.js
 * (core + the YAML language only), memoised by line text. The result is highlight.js's HTML, which escapes
 * the text it is given — the only HTML the views insert.
 */
import hljs from "highlight.js/lib/core";
import yaml from "highlight.js/lib/languages/yaml";

hljs.registerLanguage("yaml", yaml);

const cache = new Map<string, string>();
const LIMIT = 20_000;

/** One YAML line as escaped, highlighted HTML (highlight.js's spans with hljs-* classes). */
export function highlightLine(line: string): string {
  const hit = cache.get(line);
  if (hit !== undefined) return hit;
  const html = hljs.highlight(line, { language: "yaml", ignoreIllegals: true }).value;
  if (cache.size >= LIMIT) cache.clear();
  cache.set(line, html);
  return html;
}
