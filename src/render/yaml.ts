/**
 * Reading and writing manifests as Kubernetes does. The API machinery decodes YAML 1.1 (go-yaml v2):
 * `0644` is octal 420 and `yes`/`on` are booleans. The `yaml` package defaults to YAML 1.2, which would
 * turn `defaultMode: 0644` into 644, so manifests are parsed with the 1.1 schema, minus its two tags that
 * go-yaml does not resolve (timestamps and base-60 numbers stay strings). Writing uses 1.1 too, so that a
 * string "yes" comes out quoted and is read back as a string by kubectl.
 *
 * A stream splits into documents; empty ones are skipped; a `…List` with `items` is flattened, as Argo CD
 * does. Every object remembers the file and line it came from, for error messages.
 *
 * Pure: imports nothing that does I/O.
 */
import { Composer, Document, isScalar, LineCounter, Parser, parseAllDocuments, visit, type ScalarTag, type Tags } from "yaml";
import type { KubeObject } from "../core/object.js";
import type { RenderProblem } from "./errors.js";
import { Slicer } from "./limits.js";

/**
 * The `yaml` package's 1.1 float also matches `.` (and `-.`, `._`), which it reads as NaN: `path: .` would
 * not be a string. go-yaml needs a digit (its yamlStyleFloat), so this one does too.
 */
const FLOAT_WITH_DIGIT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;

const K8S_YAML = {
  version: "1.1" as const,
  customTags: (tags: Tags) =>
    tags
      .filter((t) =>
        typeof t === "string"
          ? !["timestamp", "intTime", "floatTime"].includes(t)
          : t.tag !== "tag:yaml.org,2002:timestamp" && !("format" in t && t.format === "TIME"),
      )
      .map((t): Tags[number] => {
        if (typeof t === "string" || t.tag !== "tag:yaml.org,2002:float" || t.format || !("resolve" in t) || t.test?.source !== "^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*$") return t;
        return { ...(t as ScalarTag), test: FLOAT_WITH_DIGIT };
      }),
};

/** An object read from a file, not yet checked: any JSON object, with where it came from. */
export interface SourcedObject {
  object: Record<string, unknown>;
  /** Repository-relative file (or a tool's output name). */
  file: string;
  /** 1-based line where the object's document starts. */
  line?: number;
}

/** Parses YAML text with the Kubernetes (YAML 1.1) rules; throws on a syntax error. */
export function parseYaml(text: string): unknown {
  const docs = parseAllDocuments(text, K8S_YAML);
  if (!Array.isArray(docs)) return null;
  if (docs.length > 1) throw new Error("expected a single YAML document");
  const doc = docs[0];
  if (!doc) return null;
  const err = doc.errors[0];
  if (err) throw err;
  return doc.toJS();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Splits a YAML (or JSON) stream into objects. `file` names the stream in results; `sourceOf` may map a
 * document's leading comment to a better file name (helm's `# Source: chart/templates/x.yaml`).
 * Syntax errors and documents that are not mappings are returned as problems, with their line.
 */
export function parseManifests(
  text: string,
  file: string,
  sourceOf?: (comment: string) => string | undefined,
): { objects: SourcedObject[]; problems: RenderProblem[] } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...K8S_YAML, lineCounter: lines });
  const out = { objects: [] as SourcedObject[], problems: [] as RenderProblem[] };
  if (!Array.isArray(docs)) return out; // only comments or whitespace
  for (const doc of docs) readDocument(doc, lines, file, sourceOf, out);
  return out;
}

/**
 * parseManifests, one document at a time, giving the event loop back whenever `slicer`'s slice of work is
 * spent (default 10 ms): a stream of 10,000 documents never blocks other apps' work for the whole parse.
 * yaml's Parser and Composer are generators, so documents are composed one by one, not all at once.
 */
export async function parseManifestsSliced(
  text: string,
  file: string,
  opts: { sourceOf?: (comment: string) => string | undefined; slicer?: Slicer } = {},
): Promise<{ objects: SourcedObject[]; problems: RenderProblem[] }> {
  const slicer = opts.slicer ?? new Slicer();
  const lines = new LineCounter();
  const composer = new Composer(K8S_YAML);
  const out = { objects: [] as SourcedObject[], problems: [] as RenderProblem[] };
  for (const doc of composer.compose(new Parser(lines.addNewLine).parse(text))) {
    readDocument(doc, lines, file, opts.sourceOf, out);
    await slicer.yieldIfDue();
  }
  return out;
}

/** One parsed document into `out`: its objects, or its problem. */
function readDocument(doc: Document.Parsed, lines: LineCounter, file: string, sourceOf: ((comment: string) => string | undefined) | undefined, out: { objects: SourcedObject[]; problems: RenderProblem[] }): void {
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    const reason = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    out.problems.push({ file, line: pos?.line, column: pos?.col, message: `invalid YAML: ${reason}` });
    return;
  }
  const start = doc.contents?.range[0] ?? doc.range[0];
  const line = lines.linePos(start).line;
  let value: unknown;
  try {
    // Resolving aliases and merge keys can still fail here: an alias to no anchor, a merge of a
    // scalar, or an alias bomb (more than 1,000 expansions).
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    out.problems.push({ file, line, message: `invalid YAML: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` });
    return;
  }
  if (value === null || value === undefined) return; // an empty document
  const comment = doc.contents?.commentBefore ?? doc.commentBefore ?? "";
  const where = (comment && sourceOf?.(comment)) || file;
  if (!isPlainObject(value)) {
    out.problems.push({ file: where, line, message: `not a Kubernetes object: the document is a ${Array.isArray(value) ? "list" : typeof value}, expected a mapping with apiVersion, kind and metadata` });
    return;
  }
  out.objects.push(...flattenList(value, where, line, out.problems));
}

/** `v1/List`, `ConfigMapList`, …: a kind ending in "List" with an `items` array stands for its items (`line` may be undefined). */
export function flattenList(value: Record<string, unknown>, file: string, line: number | undefined, problems: RenderProblem[]): SourcedObject[] {
  if (typeof value.kind !== "string" || !value.kind.endsWith("List") || !Array.isArray(value.items)) {
    return [line !== undefined ? { object: value, file, line } : { object: value, file }];
  }
  const out: SourcedObject[] = [];
  value.items.forEach((item: unknown, i) => {
    if (isPlainObject(item)) out.push(line !== undefined ? { object: item, file, line } : { object: item, file });
    else problems.push({ file, line, message: `${value.kind} item ${i} is not a Kubernetes object (expected a mapping)` });
  });
  return out;
}

/** Writes objects as a multi-document YAML stream (`---` between documents), readable by kubectl. */
export function toYamlStream(objects: readonly KubeObject[]): string {
  return objects.map((o) => toYaml(o)).join("---\n");
}

/**
 * Writes one value as YAML 1.1 (also for values files handed to helm). A key `<<` is written `!!str "<<"`:
 * plain, YAML 1.1 (and go-yaml, kubectl's reader) would take it for a merge key and drop it.
 */
export function toYaml(value: unknown): string {
  const doc = new Document(value, { version: "1.1" });
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === "<<") Object.assign(pair.key, { tag: "tag:yaml.org,2002:str", type: "QUOTE_DOUBLE" });
    },
  });
  return doc.toString({ lineWidth: 0 });
}
