/**
 * Rendering strings with parameters, in either of Argo CD's two dialects: fasttemplate (`{{path.basename}}`,
 * flat string parameters, unknown ones left as written) or Go's text/template with sprig (`goTemplate: true`,
 * through src/template's tool). Strings without `{{` are never sent to a template engine, and every string of
 * a reconcile goes in ONE Go batch (one process), whatever the number of Applications.
 *
 * Pure apart from the template tool src/template runs.
 */
import { renderFastTemplate, renderGoTemplates, type GoTemplateOptions, type TemplateResult } from "../template/index.js";
import { flatParams, type Params } from "./params.js";

/** One string to render with one parameter set. */
export interface RenderJob {
  text: string;
  params: Params;
}

/** Renders batches of strings in the set's dialect. */
export interface Renderer {
  goTemplate: boolean;
  render(jobs: readonly RenderJob[]): Promise<TemplateResult[]>;
}

/** The Go template options of `goTemplateOptions` (missingkey=…); others are reported as unsupported by the schema. */
export function goOptions(options: readonly string[] | undefined): GoTemplateOptions {
  let missingKey: GoTemplateOptions["missingKey"];
  for (const o of options ?? []) {
    const m = /^missingkey=(error|default|zero|invalid)$/.exec(o);
    if (m) missingKey = m[1] === "invalid" ? "default" : (m[1] as GoTemplateOptions["missingKey"]);
  }
  return { funcs: "appset", ...(missingKey ? { missingKey } : {}) };
}

/** A Renderer for the set's dialect. `go` replaces renderGoTemplates (tests). */
export function makeRenderer(goTemplate: boolean, opts: GoTemplateOptions = {}, go: typeof renderGoTemplates = renderGoTemplates): Renderer {
  return {
    goTemplate,
    async render(jobs) {
      const out: TemplateResult[] = new Array(jobs.length);
      const toGo: number[] = [];
      const flat = new Map<Params, Record<string, string>>();
      jobs.forEach((j, i) => {
        if (!j.text.includes("{{")) out[i] = { ok: true, output: j.text };
        else if (!goTemplate) {
          let f = flat.get(j.params);
          if (!f) flat.set(j.params, (f = flatParams(j.params)));
          out[i] = { ok: true, output: renderFastTemplate(j.text, f) };
        } else toGo.push(i);
      });
      if (toGo.length) {
        const results = await go(toGo.map((i) => ({ text: jobs[i]!.text, data: jobs[i]!.params })), opts);
        toGo.forEach((jobIndex, k) => (out[jobIndex] = results[k] ?? { ok: false, error: "the template tool returned no result" }));
      }
      return out;
    },
  };
}

/** The string leaves of a JSON value, with a setter for each (to write rendered strings back into a copy). */
export function stringLeaves(root: unknown): Array<{ text: string; set: (v: string) => void }> {
  const out: Array<{ text: string; set: (v: string) => void }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        if (typeof v === "string") out.push({ text: v, set: (s) => (node[i] = s) });
        else walk(v);
      });
    } else if (node !== null && typeof node === "object") {
      const obj = node as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) {
        if (typeof v === "string") out.push({ text: v, set: (s) => (obj[k] = s) });
        else walk(v);
      }
    }
  };
  walk(root);
  return out;
}

/**
 * Renders every string of `value` (a deep copy) with each parameter set: one copy per set, in one batch.
 * Per set: the rendered copy, or the first template error.
 */
export async function renderValues<T>(renderer: Renderer, value: T, sets: readonly Params[]): Promise<Array<{ ok: true; value: T } | { ok: false; error: string }>> {
  const copies = sets.map(() => structuredClone(value));
  const leaves = copies.map((c) => stringLeaves(c));
  const jobs: RenderJob[] = [];
  const owners: Array<{ set: number; leaf: number }> = [];
  leaves.forEach((ls, s) =>
    ls.forEach((l, i) => {
      if (!l.text.includes("{{")) return;
      jobs.push({ text: l.text, params: sets[s]! });
      owners.push({ set: s, leaf: i });
    }),
  );
  const results = await renderer.render(jobs);
  const errors = new Map<number, string>();
  results.forEach((r, k) => {
    const { set, leaf } = owners[k]!;
    if (r.ok) leaves[set]![leaf]!.set(r.output);
    else if (!errors.has(set)) errors.set(set, r.error);
  });
  return copies.map((c, s) => (errors.has(s) ? { ok: false as const, error: errors.get(s)! } : { ok: true as const, value: c }));
}
