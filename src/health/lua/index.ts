/**
 * health/lua — Argo CD's Lua health checks, run by a Lua 5.4 WebAssembly VM (vm.ts), from a ConfigMap
 * (customizations.ts) and a folder (folder.ts), in Argo CD's precedence (lookup.ts).
 *
 * The health core stays pure and synchronous: this module gives assessHealth a `HealthOverrides`
 * function (group, kind → check), which callers pass along (EngineContext.health, the CLI). Where no
 * script exists for a kind, the override answers undefined and the built-in checks decide.
 *
 * Must not import cluster/, git/ or server/: the controller reads the ConfigMap (controller/customizations.ts).
 */
import type { HealthCheck, HealthOverrides } from "../types.js";
import type { LuaScript } from "./customizations.js";
import { findScript, type ScriptTable } from "./lookup.js";
import type { LuaHealthVM } from "./vm.js";

export { type KnownTypeField, type LuaScript, overrideKey, parseResourceCustomizations, type ResourceCustomizations } from "./customizations.js";
export { folderPattern, readScriptFolder } from "./folder.js";
export { findScript, type ScriptTable } from "./lookup.js";
export { DEFAULT_LUA_LIMITS, LuaHealthVM, type LuaLimits } from "./vm.js";

/** A health check that runs one script. */
export function luaCheck(vm: LuaHealthVM, s: LuaScript): HealthCheck {
  return (obj) => vm.run(s.script, obj, { openLibs: s.openLibs, name: "health.lua" });
}

/**
 * Overrides from script tables, highest precedence first (ConfigMap, then folder). `sources` is read on
 * every call, so a caller may swap the tables (a ConfigMap changed) without rebuilding the function.
 */
export function luaOverrides(vm: LuaHealthVM, sources: () => readonly ScriptTable[]): HealthOverrides {
  const checks = new WeakMap<LuaScript, HealthCheck>();
  return (group, kind) => {
    const s = findScript(sources(), group, kind);
    if (!s) return undefined;
    let check = checks.get(s);
    if (!check) {
      check = luaCheck(vm, s);
      checks.set(s, check);
    }
    return check;
  };
}
