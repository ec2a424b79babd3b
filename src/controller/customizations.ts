/**
 * Resource customizations the controller applies: Lua health checks and system-wide ignoreDifferences,
 * from the settings ConfigMap (plumb-cm; also argocd-cm with --argo-compat, plumb-cm winning) and from a
 * folder laid out as Argo CD's resource_customizations (`--resource-customizations DIR`).
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
import type { Logger } from "./reconcile.js";

export const SETTINGS_CONFIGMAP = "plumb-cm";
export const ARGO_SETTINGS_CONFIGMAP = "argocd-cm";

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
    const informer = await this.factory.ensure("v1", "ConfigMap");
    const reload = (name: string): void => {
      if (!names.includes(name)) return;
      this.fromMaps = names.map((n) => {
        const cm = informer.get({ group: "", kind: "ConfigMap", namespace: this.opts.namespace, name: n });
        const parsed = parseResourceCustomizations(cm?.data as Record<string, string> | undefined, n);
        for (const p of parsed.problems) this.opts.log.warn({ problem: p }, "resource customizations");
        return parsed;
      });
      for (const l of this.listeners) l();
    };
    this.factory.on("add", (o) => reload(o.metadata.name));
    this.factory.on("update", (_old, o) => reload(o.metadata.name));
    this.factory.on("delete", (o) => reload(o.metadata.name));
    await this.factory.waitForSync();
    reload(SETTINGS_CONFIGMAP);
    const vm = this.vm;
    this.health = luaOverrides(vm, () => [...this.fromMaps.map((m) => m.health), this.folder]);
  }

  /** Calls `listener` whenever the ConfigMaps change. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
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
