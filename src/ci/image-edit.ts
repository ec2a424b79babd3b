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
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, parse, type Document, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";
import { UsageError } from "../core/errors.js";

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
    readsBack = parse(value) === value && !/[\n#]|^\s|\s$/.test(value);
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
function scalarSplice(node: Scalar, value: string): Splice | undefined {
  if (String(node.value) === value && typeof node.value === "string") return undefined;
  const [start, end] = node.range!;
  return { start, end, text: scalarText(value, node.type) };
}

/** Sets the scalar at `path` (e.g. ["image", "tag"]) of a Helm values file. */
export function setValuesKey(text: string, path: readonly string[], value: string, file = "values.yaml"): EditResult {
  const doc = parsed(text, file);
  const where = [path.join(".")];
  const node = doc.getIn(path, true) as Node | undefined;
  if (node === undefined || node === null) throw new UsageError(`${file}: no key ${path.join(".")}`, `name the key with --key (e.g. --key web.tag), or add ${path.join(".")} to the file first`);
  if (!isScalar(node)) throw new UsageError(`${file}: ${path.join(".")} is not a single value (it is a ${isMap(node) ? "map" : isSeq(node) ? "list" : "node"})`, "name the tag's own key with --key");
  const splice = scalarSplice(node, value);
  return { text: splice ? applySplices(text, [splice]) : text, changed: splice !== undefined, where };
}

/** The repository part of an image reference: without its tag or digest (a registry port is kept). */
export function imageRepository(ref: string): string {
  const noDigest = ref.split("@")[0]!;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** Sets `newTag` of the kustomization's `images:` entry named `image` (adding what is missing). */
export function setKustomizeImage(text: string, image: string, tag: string, file = "kustomization.yaml"): EditResult {
  const doc = parsed(text, file);
  const where = [`images[${image}].newTag`];
  const root = doc.contents;
  if (root !== null && !isMap(root)) throw new UsageError(`${file}: not a kustomization (its top level is not a map)`);
  const images = root ? (root as YAMLMap).get("images", true) : undefined;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  if (images === undefined || images === null) {
    const sep = text === "" || text.endsWith("\n") ? "" : eol;
    return { text: `${text}${sep}images:${eol}- name: ${scalarText(image, "PLAIN")}${eol}  newTag: ${scalarText(tag, "PLAIN")}${eol}`, changed: true, where };
  }
  if (!isSeq(images)) throw new UsageError(`${file}: images is not a list`, "see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/");
  for (const item of images.items) {
    if (!isMap(item)) continue;
    const name = item.get("name");
    if (name !== image) continue;
    const newTag = item.get("newTag", true);
    if (isScalar(newTag)) {
      const splice = scalarSplice(newTag, tag);
      return { text: splice ? applySplices(text, [splice]) : text, changed: splice !== undefined, where };
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
    return { text: `${text.slice(0, at)}${prefix}${" ".repeat(column)}newTag: ${scalarText(tag, "PLAIN")}${eol}${text.slice(at)}`, changed: true, where };
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
  return { text: `${text.slice(0, insertAt)}${prefix}${indent}- name: ${scalarText(image, "PLAIN")}${eol}${indent}  newTag: ${scalarText(tag, "PLAIN")}${eol}${text.slice(insertAt)}`, changed: true, where };
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
          const splice = scalarSplice(pair.value, wanted);
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
  return { text: splices.length ? applySplices(text, splices) : text, changed: splices.length > 0, where };
}

/** Which edit a file gets: a kustomization by its name; values when a key is given or the name says values; else a manifest. */
export function fileKind(path: string, key: string | undefined): "kustomize" | "values" | "manifest" {
  const base = path.split("/").pop() ?? path;
  if (/^kustomization\.ya?ml$|^Kustomization$/.test(base)) return "kustomize";
  if (key !== undefined || /^values.*\.ya?ml$/.test(base)) return "values";
  return "manifest";
}
