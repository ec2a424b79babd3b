/**
 * Config management plugins for the controller's renders: reading them (a folder of ConfigManagementPlugin
 * files, `--plugins-dir`; the data keys of a ConfigMap, plumb-cmp-cm) and handing them, with the source's
 * build information (revision, repository URL, target revision, project), to every render request.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parsePlugins, type Plugin, type render, type RenderRequest } from "../render/index.js";

/** The plugins of a folder: every `*.yaml` / `*.yml` file in it (not sub-folders), each a stream of plugins. */
export async function loadPluginsDir(dir: string): Promise<Plugin[]> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const texts = await Promise.all(names.map(async (n) => ({ origin: join(dir, n), text: await readFile(join(dir, n), "utf8") })));
  return parsePlugins(texts);
}

/** The plugins of a ConfigMap's data (each key plugin YAML), named `<configmap>/<key>` in messages. */
export function pluginsOfConfigMap(name: string, data: Readonly<Record<string, string>>): Plugin[] {
  return parsePlugins(Object.keys(data).sort().map((k) => ({ origin: `${name}/${k}`, text: data[k]! })));
}

/** `first` and then those of `then` whose name `first` does not define. */
export function mergePlugins(first: readonly Plugin[], then: readonly Plugin[]): Plugin[] {
  const names = new Set(first.map((p) => p.key));
  return [...first, ...then.filter((p) => !names.has(p.key))];
}

/** What a render request gets from the controller beyond what the engine puts in it. */
export type RenderExtras = Pick<RenderRequest, "plugins" | "revision" | "repoURL" | "targetRevision" | "project" | "kustomizeBuildOptions">;

/**
 * A render function adding `extras` to each request: wrap the render the engine is given (reconcile.ts,
 * where the EngineContext's `render` is made from the render cache).
 */
export function renderWith(renderFn: typeof render, extras: RenderExtras): typeof render {
  const set = Object.fromEntries(Object.entries(extras).filter(([, v]) => v !== undefined)) as RenderExtras;
  return (req) => renderFn({ ...req, ...set });
}
