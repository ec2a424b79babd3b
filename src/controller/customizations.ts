/**
 * Resource customizations the controller applies: Lua health checks and system-wide ignoreDifferences,
 * from the settings ConfigMap (plumb-cm; also argocd-cm with --argo-compat, plumb-cm winning) and from a
 * folder laid out as Argo CD's resource_customizations (`--resource-customizations DIR`); and config
 * management plugins from plumb-cmp-cm (also argocd-cmp-cm with --argo-compat), each data key holding
 * ConfigManagementPlugin YAML as Argo CD's sidecar reads it; and `kustomize.buildOptions` (the settings
 * ConfigMaps' extra `kustomize build` flags, as far as render/kustomize.ts admits them).
 *
 * The ConfigMaps are watched (one informer of ConfigMaps in the settings namespace), so an edited script
 * applies at the next reconcile; `onChange` lets the controller compare every app again. Bad keys are
 * logged as warnings, never dropped silently.
 */
import { InformerFactory } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import type { IgnoreDifference } from "../diff/ignore.js";
import type { HealthOverrides } from "../health/index.js";
import { LuaHealthVM, luaOverrides, parseResourceCustomizations, readScriptFolder, type ResourceCustomizations, type ScriptTable } from "../health/lua/index.js";
import type { Plugin } from "../render/index.js";
import { parseKustomizeBuildOptions } from "../render/kustomize.js";
import { pluginsOfConfigMap } from "./plugins.js";
import type { Logger } from "./reconcile.js";

export const SETTINGS_CONFIGMAP = "plumb-cm";
export const ARGO_SETTINGS_CONFIGMAP = "argocd-cm";
export const PLUGINS_CONFIGMAP = "plumb-cmp-cm";
/** The settings key of Argo CD's extra `kustomize build` flags. */
export const BUILD_OPTIONS_KEY = "kustomize.buildOptions";
export const ARGO_PLUGINS_CONFIGMAP = "argocd-cmp-cm";

export interface CustomizationsOptions {
  resources: Resources;
  /** Namespace of plumb-cm (and argocd-cm). */
  namespace: string;
  /** Also read argocd-cm. */
  argoCompat: boolean;
  /** A resource_customizations folder, read once at start. */
  dir?: string;
  log: Logger;
}

export class Customizations {
  private vm?: LuaHealthVM;
  private folder: ScriptTable = new Map();
  private fromMaps: ResourceCustomizations[] = [];
  private buildOptions: string[] = [];
  /** The plugins of each plugin ConfigMap, by name: the last definitions that parsed (a broken edit keeps them). */
  private readonly pluginMaps = new Map<string, Plugin[]>();
  private readonly factory: InformerFactory;
  private readonly listeners: Array<() => void> = [];
  /** Lua checks that win over the built-in ones (EngineContext.health). */
  health?: HealthOverrides;

  constructor(private readonly opts: CustomizationsOptions) {
    this.factory = new InformerFactory(opts.resources, { namespace: opts.namespace });
  }

  async start(): Promise<void> {
    this.vm = await LuaHealthVM.create();
    if (this.opts.dir) {
      const { scripts, problems } = readScriptFolder(this.opts.dir);
      this.folder = scripts;
      for (const p of problems) this.opts.log.warn({ problem: p }, "resource customizations folder");
      this.opts.log.info({ dir: this.opts.dir, scripts: scripts.size }, "health scripts read");
    }
    const names = [SETTINGS_CONFIGMAP, ...(this.opts.argoCompat ? [ARGO_SETTINGS_CONFIGMAP] : [])];
    const pluginNames = [PLUGINS_CONFIGMAP, ...(this.opts.argoCompat ? [ARGO_PLUGINS_CONFIGMAP] : [])];
    const informer = await this.factory.ensure("v1", "ConfigMap");
    const get = (name: string) => informer.get({ group: "", kind: "ConfigMap", namespace: this.opts.namespace, name });
    const reload = (name: string): void => {
      if (pluginNames.includes(name)) {
        this.reloadPlugins(name, get(name)?.data as Record<string, string> | undefined);
        for (const l of this.listeners) l();
        return;
      }
      if (!names.includes(name)) return;
      this.fromMaps = names.map((n) => {
        const parsed = parseResourceCustomizations(get(n)?.data as Record<string, string> | undefined, n);
        for (const p of parsed.problems) this.opts.log.warn({ problem: p }, "resource customizations");
        return parsed;
      });
      // kustomize.buildOptions: plumb-cm's if it has the key, else argocd-cm's. Refused flags are logged.
      const options = names.map((n) => (get(n)?.data as Record<string, string> | undefined)?.[BUILD_OPTIONS_KEY]).find((v) => v !== undefined);
      const parsed = parseKustomizeBuildOptions(options ?? "");
      for (const p of parsed.problems) this.opts.log.warn({ problem: p }, "kustomize build options");
      this.buildOptions = parsed.flags;
      for (const l of this.listeners) l();
    };
    this.factory.on("add", (o) => reload(o.metadata.name));
    this.factory.on("update", (_old, o) => reload(o.metadata.name));
    this.factory.on("delete", (o) => reload(o.metadata.name));
    await this.factory.waitForSync();
    reload(SETTINGS_CONFIGMAP);
    for (const n of pluginNames) this.reloadPlugins(n, get(n)?.data as Record<string, string> | undefined);
    const vm = this.vm;
    this.health = luaOverrides(vm, () => [...this.fromMaps.map((m) => m.health), this.folder]);
  }

  /**
   * Reads one plugin ConfigMap. Definitions that do not parse are logged and the ConfigMap's previous
   * plugins kept, so a broken edit never takes a working plugin away from the apps that use it; a deleted
   * ConfigMap removes its plugins.
   */
  private reloadPlugins(name: string, data: Record<string, string> | undefined): void {
    if (!data) {
      this.pluginMaps.delete(name);
      return;
    }
    try {
      const plugins = pluginsOfConfigMap(name, data);
      this.pluginMaps.set(name, plugins);
      this.opts.log.info({ configMap: name, plugins: plugins.map((p) => p.key) }, "config management plugins read");
    } catch (err) {
      this.opts.log.warn({ configMap: name, error: (err as Error).message }, "config management plugins not read; the previous definitions stay");
    }
  }

  /** The plugins of the plugin ConfigMaps (plumb-cmp-cm first), one per name: the first definition wins. */
  plugins(): Plugin[] {
    const out = new Map<string, Plugin>();
    for (const n of [PLUGINS_CONFIGMAP, ARGO_PLUGINS_CONFIGMAP]) for (const p of this.pluginMaps.get(n) ?? []) if (!out.has(p.key)) out.set(p.key, p);
    return [...out.values()];
  }

  /** Calls `listener` whenever the ConfigMaps change. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The admitted flags of `kustomize.buildOptions` (render/kustomize.ts parseKustomizeBuildOptions). */
  kustomizeBuildOptions(): readonly string[] {
    return this.buildOptions;
  }

  /** System-level ignoreDifferences rules (resource.customizations.ignoreDifferences.*), for compare. */
  ignoreDifferences(): IgnoreDifference[] {
    return this.fromMaps.flatMap((m) => m.ignoreDifferences);
  }

  async stop(): Promise<void> {
    await this.factory.stop();
    this.vm?.close();
  }
}
