/**
 * Setting an image tag in a GitOps repository's file, as a CI pipeline's "gitops update" stage does, by
 * changing only the bytes of the value: comments, key order, quoting style and every other byte of the
 * file stay as they were (a person reviews the commit; a reformatted file hides the change).
 *
 * The file is parsed with the `yaml` package only to find where a value lies (each node's source range);
 * the edit is a splice of the original text at that range. Three kinds of file:
 * - a Helm values file: the scalar at a key path (`image.tag` by default);
 * - a kustomization: the `newTag` of the `images:` entry named for the image (added when the entry has
 *   none, the entry added when the list has none, the list added when the file has none);
 * - a plain manifest (several documents allowed): every `image:` of a container, init container or
 *   ephemeral container whose repository is the image's.
 *
 * Pure: no I/O.
 */
import { isDeepStrictEqual } from "node:util";
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, parse, type Document, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";
import { PlumbError, UsageError } from "../core/errors.js";
import { splitImageRef } from "../core/image.js";

/** What an edit did: the new text, and whether anything changed (false: the tag was already set). */
export interface EditResult {
  text: string;
  changed: boolean;
  /** Where, for people: "image.tag", "images[web].newTag", "Deployment/web containers[app]". */
  where: string[];
}

/** A replacement of source[start, end) by `text`. */
interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Applies splices (non-overlapping) from the last to the first, so earlier offsets stay right. */
function applySplices(source: string, splices: readonly Splice[]): string {
  let out = source;
  for (const s of [...splices].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

/**
 * `value` written as a scalar in the style of the one it replaces: double- or single-quoted as it was; plain
 * when plain reads back as the same string (a plain `1.28` would read as a number, so it is quoted).
 */
export function scalarText(value: string, style: Scalar["type"]): string {
  if (style === "QUOTE_SINGLE") return `'${value.replace(/'/g, "''")}'`;
  if (style === "QUOTE_DOUBLE") return JSON.stringify(value);
  let readsBack = false;
  try {
    // Helm reads YAML 1.1, where yes/no/on/off/y/n are booleans: those are quoted too.
    readsBack = parse(value) === value && !/[\n#]|^\s|\s$/.test(value) && !/^(?:y|yes|n|no|on|off)$/i.test(value);
  } catch {
    readsBack = false;
  }
  return readsBack ? value : JSON.stringify(value);
}

function parsed(text: string, file: string): Document.Parsed {
  const doc = parseDocument(text, { keepSourceTokens: true });
  const [error] = doc.errors;
  if (error) throw new UsageError(`${file}: invalid YAML: ${error.message}`, "fix the file, or point --file at another");
  return doc;
}

/** The scalar's current value and the splice that writes `value` there (none when it is already `value`). */
function scalarSplice(node: Scalar, value: string, source: string, where: string): Splice | undefined {
  if (String(node.value) === value && typeof node.value === "string") return undefined;
  if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") throw new UsageError(`${where} is a block scalar (| or >)`, "write the tag on one line once; plumb keeps it there");
  if (node.anchor) throw new UsageError(`${where} has an anchor (&${node.anchor}): changing it would change every alias of it`, "set the tag where it is used, or remove the anchor");
  const [start, end] = node.range!;
  // An empty value ("tag:" with nothing after it): the new one needs the space after the colon.
  const empty = start === end || node.value === null;
  const space = empty && source[start - 1] === ":" ? " " : "";
  return { start, end, text: `${space}${scalarText(value, empty ? "PLAIN" : node.type)}` };
}

/**
 * The edit's result, checked: it parses, has as many documents as the original (`documents`), and reads the new value where it
 * was written — a splice that would break the file is refused rather than pushed.
 */
function checked(documents: number, text: string, file: string, expect: (docs: unknown[]) => boolean): string {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  const bad = list.find((d) => d.errors.length > 0);
  if (bad || documents !== list.length || !expect(list.map((d) => d.toJS()))) throw new PlumbError(`${file}: plumb's edit would not read back as intended; nothing was changed`, "please report this file's shape; set the tag by hand meanwhile");
  return text;
}

/** Sets the scalar at `path` (e.g. ["image", "tag"]) of a Helm values file. */
export function setValuesKey(text: string, path: readonly string[], value: string, file = "values.yaml"): EditResult {
  const doc = parsed(text, file);
  const where = [path.join(".")];
  const node = doc.getIn(path, true) as Node | undefined;
  if (node === undefined || node === null) throw new UsageError(`${file}: no key ${path.join(".")}`, `name the key with --key (e.g. --key web.tag), or add ${path.join(".")} to the file first`);
  if (!isScalar(node)) throw new UsageError(`${file}: ${path.join(".")} is not a single value (it is a ${isMap(node) ? "map" : isSeq(node) ? "list" : "node"})`, "name the tag's own key with --key");
  const splice = scalarSplice(node, value, text, `${file}: ${path.join(".")}`);
  if (!splice) return { text, changed: false, where };
  const edited = applySplices(text, [splice]);
  const want = doc.toJS() as unknown;
  setPath(want, path, value);
  return { text: checked(1, edited, file, ([got]) => isDeepStrictEqual(got, want)), changed: true, where };
}

function setPath(obj: unknown, path: readonly string[], value: unknown): void {
  let at = obj as Record<string, unknown>;
  path.slice(0, -1).forEach((k) => (at = at[k] as Record<string, unknown>));
  at[path[path.length - 1]!] = value;
}

/** The repository part of an image reference: without its tag or digest (a registry port is kept). */
export function imageRepository(ref: string): string {
  return splitImageRef(ref).name;
}

/** Sets `newTag` of the kustomization's `images:` entry named `image` (adding what is missing). */
export function setKustomizeImage(text: string, image: string, tag: string, file = "kustomization.yaml"): EditResult {
  const doc = parsed(text, file);
  const where = [`images[${image}].newTag`];
  const root = doc.contents;
  if (root !== null && !isMap(root)) throw new UsageError(`${file}: not a kustomization (its top level is not a map)`);
  const images = root ? (root as YAMLMap).get("images", true) : undefined;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const tagOf = (t: string) => checked(1, t, file, ([k]) => ((k as { images?: Array<{ name?: string; newName?: string; newTag?: unknown }> }).images ?? []).some((e) => (e.name === image || e.newName === image) && String(e.newTag) === tag));
  if (images === undefined || images === null) {
    const sep = text === "" || text.endsWith("\n") ? "" : eol;
    return { text: tagOf(`${text}${sep}images:${eol}- name: ${scalarText(image, "PLAIN")}${eol}  newTag: ${scalarText(tag, "PLAIN")}${eol}`), changed: true, where };
  }
  if (!isSeq(images)) throw new UsageError(`${file}: images is not a list`, "see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/");
  for (const item of images.items) {
    if (!isMap(item)) continue;
    // The entry for the image: by the name the manifests use, or by the name it is rewritten to.
    if (item.get("name") !== image && item.get("newName") !== image) continue;
    if (item.get("digest")) throw new UsageError(`${file}: the images entry ${image} pins a digest, which wins over any tag`, "remove its digest to deploy by tag");
    const newTag = item.get("newTag", true);
    if (isScalar(newTag)) {
      const splice = scalarSplice(newTag, tag, text, `${file}: images[${image}].newTag`);
      return splice ? { text: tagOf(applySplices(text, [splice])), changed: true, where } : { text, changed: false, where };
    }
    // The entry has no newTag: a line after its name, at the same indentation as that key.
    const namePair = item.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === "name") as Pair<Scalar, Scalar> | undefined;
    if (!namePair || !isScalar(namePair.value) || item.flow) throw new UsageError(`${file}: the images entry ${image} is written in a form plumb cannot extend`, "add newTag to it by hand once");
    const keyStart = namePair.key.range![0];
    const lineStart = text.lastIndexOf("\n", keyStart - 1) + 1;
    const column = keyStart - lineStart;
    const valueEnd = namePair.value.range![1];
    const lineEnd = text.indexOf("\n", valueEnd);
    const at = lineEnd === -1 ? text.length : lineEnd + 1;
    const prefix = lineEnd === -1 ? eol : "";
    return { text: tagOf(`${text.slice(0, at)}${prefix}${" ".repeat(column)}newTag: ${scalarText(tag, "PLAIN")}${eol}${text.slice(at)}`), changed: true, where };
  }
  // No entry for the image: one more item, indented as the list's first.
  if (images.flow || images.items.length === 0) throw new UsageError(`${file}: images is written in a form plumb cannot extend`, `add "- name: ${image}" to it by hand once`);
  const first = images.items[0] as Node;
  const itemStart = first.range![0];
  const lineStart = text.lastIndexOf("\n", itemStart - 1) + 1;
  const dash = text.lastIndexOf("-", itemStart - 1);
  const indent = " ".repeat(Math.max(0, dash - lineStart));
  const end = images.range![1];
  const lineEnd = text.indexOf("\n", Math.max(0, end - 1));
  const insertAt = lineEnd === -1 ? text.length : lineEnd + 1;
  const prefix = lineEnd === -1 ? eol : "";
  return { text: tagOf(`${text.slice(0, insertAt)}${prefix}${indent}- name: ${scalarText(image, "PLAIN")}${eol}${indent}  newTag: ${scalarText(tag, "PLAIN")}${eol}${text.slice(insertAt)}`), changed: true, where };
}

const CONTAINER_LISTS = new Set(["containers", "initContainers", "ephemeralContainers"]);

/** Sets the tag of every container image of repository `image` in a manifest file (any number of documents). */
export function setManifestImage(text: string, image: string, tag: string, file = "manifest.yaml"): EditResult {
  const repo = imageRepository(image);
  const splices: Splice[] = [];
  const where: string[] = [];
  const docs = parseAllDocuments(text, { keepSourceTokens: true });
  if (!Array.isArray(docs)) throw new UsageError(`${file}: not YAML documents`);
  let found = 0;
  for (const doc of docs) {
    const [error] = doc.errors;
    if (error) throw new UsageError(`${file}: invalid YAML: ${error.message}`, "fix the file, or point --file at another");
    const kind = doc.get("kind");
    const name = doc.getIn(["metadata", "name"]);
    const walk = (node: unknown, inContainers: boolean): void => {
      if (isSeq(node)) {
        for (const item of node.items) walk(item, inContainers);
        return;
      }
      if (!isMap(node)) return;
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (inContainers && key === "image" && isScalar(pair.value) && typeof pair.value.value === "string" && imageRepository(pair.value.value) === repo && !pair.value.value.includes("@")) {
          found++;
          const wanted = `${repo}:${tag}`;
          const splice = scalarSplice(pair.value, wanted, text, `${file}: ${String(kind ?? "?")}/${String(name ?? "?")} image`);
          const container = node.get("name");
          where.push(`${String(kind ?? "?")}/${String(name ?? "?")} ${String(container ?? "container")}`);
          if (splice) splices.push(splice);
          continue;
        }
        walk(pair.value, CONTAINER_LISTS.has(key));
      }
    };
    walk(doc.contents, false);
  }
  if (found === 0) throw new UsageError(`${file}: no container uses the image ${repo}`, "check the image's repository (without its tag), or point --file at the manifest that runs it");
  if (splices.length === 0) return { text, changed: false, where };
  const edited = applySplices(text, splices);
  const images = (v: unknown, out: string[] = []): string[] => {
    if (Array.isArray(v)) v.forEach((x) => images(x, out));
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) {
        if (k === "image" && typeof x === "string") out.push(x);
        else images(x, out);
      }
    return out;
  };
  const before = images(docs.map((d) => d.toJS()));
  return { text: checked(docs.length, edited, file, (after) => images(after).filter((i) => i === `${repo}:${tag}`).length >= found && images(after).length === before.length), changed: true, where };
}

/** Which edit a file gets: a kustomization by its name; values when a key is given or the name says values; else a manifest. */
export function fileKind(path: string, key: string | undefined): "kustomize" | "values" | "manifest" {
  const base = path.split("/").pop() ?? path;
  if (/^kustomization\.ya?ml$|^Kustomization$/.test(base)) return "kustomize";
  if (key !== undefined || /^values.*\.ya?ml$/.test(base)) return "values";
  return "manifest";
}
