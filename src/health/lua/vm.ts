/**
 * The Lua VM health scripts run in: Lua 5.4 compiled to WebAssembly (the `wasmoon` package), created once
 * per process (`LuaHealthVM.create`, async because WebAssembly compiles asynchronously); after that every
 * call is synchronous, so health stays a plain function.
 *
 * - Scripts are compiled once and cached by their text; each run calls the cached function with a fresh
 *   environment holding `obj` (prelude.lua.ts), so globals a script sets do not leak into the next run.
 * - The live object is copied into Lua tables directly (JSON integers become Lua integers, so
 *   "Replicas: " .. obj.spec.replicas reads "Replicas: 3"; nulls are left out, as Argo CD's decoder does).
 * - Limits: a count hook checks a deadline every 1,000 instructions (the VM runs on the Node thread, so
 *   the hook is the only way to stop a loop; coroutines inherit it, Lua 5.4 copies a thread's hook to the
 *   threads it creates); allocations are counted and capped (wasmoon's traced allocator). A script error,
 *   a timeout or an exhausted memory budget is `Unknown` health with the error as message, never a throw.
 *   Known gap: a single C library call (a pathological string.find pattern on a long string) runs no
 *   instructions and cannot be interrupted; the memory cap bounds the strings it can work on.
 *
 * The only module here that loads WebAssembly; it reads no files and no network.
 */
import { LuaFactory, type LuaEngine, type LuaWasm } from "wasmoon";
import type { KubeObject } from "../../core/object.js";
import { isHealthStatus, type HealthResult } from "../types.js";
import { PRELUDE, TIMEOUT_PREFIX } from "./prelude.js";

const LUA_REGISTRYINDEX = -1000000 - 1000;
const LUA_MASKCOUNT = 8;
const HOOK_EVERY = 1000;
const LUA_TSTRING = 4;

export interface LuaLimits {
  /** Wall-clock budget of one run, in milliseconds (Argo CD: 1 s). */
  timeoutMs: number;
  /** Bytes one run may allocate on top of what the VM holds when it starts. */
  memoryBytes: number;
}

export const DEFAULT_LUA_LIMITS: LuaLimits = { timeoutMs: 1000, memoryBytes: 64 * 1024 * 1024 };

/** Bytes of the buffer strings are encoded into on their way to Lua. */
const SCRATCH_BYTES = 64 * 1024;

/** The WebAssembly exports the hot path calls directly (names as emscripten exports them). */
interface RawExports {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushnil(L: number): void;
  _lua_pushlstring(L: number, ptr: number, len: number): number;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_rawset(L: number, idx: number): void;
}

/** A compiled script, or the error that compiling it gave. */
type Compiled = { ref: number } | { error: string };

/** Maximum number of distinct scripts kept compiled (a ConfigMap edited in a loop must not grow memory forever). */
const MAX_CACHED = 1024;

export class LuaHealthVM {
  private readonly cache = new Map<string, Compiled>();
  private deadline = Number.POSITIVE_INFINITY;
  private readonly lua: LuaWasm;
  private readonly L: number;
  private readonly compileRef: number;
  private readonly runRef: number;
  private readonly raw: RawExports;
  private readonly scratch: number;
  private readonly encoder = new TextEncoder();

  private constructor(
    private readonly engine: LuaEngine,
    private readonly limits: LuaLimits,
  ) {
    this.lua = engine.global.lua;
    this.L = engine.global.address;
    this.raw = engine.global.lua.module as unknown as RawExports;
    this.scratch = this.raw._malloc(SCRATCH_BYTES);
    const lua = this.lua;
    const hook = lua.module.addFunction((L: number) => {
      if (Date.now() > this.deadline) {
        lua.lua_pushstring(L, `${TIMEOUT_PREFIX}it ran for more than ${this.limits.timeoutMs} ms`);
        lua.lua_error(L);
      }
    }, "vii");
    lua.lua_sethook(this.L, hook, LUA_MASKCOUNT, HOOK_EVERY);
    // The prelude returns (compile, run); keep both in the registry.
    this.check(lua.luaL_loadstring(this.L, PRELUDE), "loading the prelude");
    lua.lua_pushstring(this.L, TIMEOUT_PREFIX);
    this.check(lua.lua_pcallk(this.L, 1, 2, 0, 0, null), "running the prelude");
    this.runRef = lua.luaL_ref(this.L, LUA_REGISTRYINDEX);
    this.compileRef = lua.luaL_ref(this.L, LUA_REGISTRYINDEX);
  }

  /** Starts the VM (compiles the WebAssembly module once per call: create one VM per process). */
  static async create(limits: Partial<LuaLimits> = {}): Promise<LuaHealthVM> {
    const engine = await new LuaFactory().createEngine({ openStandardLibs: true, traceAllocations: true, enableProxy: false, injectObjects: false });
    return new LuaHealthVM(engine, { ...DEFAULT_LUA_LIMITS, ...limits });
  }

  /** Frees the VM. */
  close(): void {
    this.raw._free(this.scratch);
    this.engine.global.close();
  }

  /** How many distinct scripts are compiled and kept. */
  cachedScripts(): number {
    return this.cache.size;
  }

  /** Bytes the VM holds now (for the bench and tests). */
  memoryUsed(): number {
    return this.engine.global.getMemoryUsed();
  }

  /**
   * Runs a health script on an object. `openLibs` is Argo CD's `useOpenLibs`: string, math, coroutine and
   * utf8 on top of the safe set. `name` names the script in error messages ("health.lua:3: ...").
   */
  run(script: string, obj: KubeObject, opts: { openLibs?: boolean; name?: string } = {}): HealthResult {
    const L = this.L;
    const lua = this.lua;
    const top = lua.lua_gettop(L);
    const global = this.engine.global;
    try {
      this.deadline = Date.now() + this.limits.timeoutMs;
      const compiled = this.compiled(script, opts.name ?? "health.lua");
      if ("error" in compiled) return { status: "Unknown", message: compiled.error };
      lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.runRef));
      lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(compiled.ref));
      this.push(obj);
      lua.lua_pushboolean(L, opts.openLibs ? 1 : 0);
      // The cap is set only now: an allocation failing outside a protected call would abort the VM.
      global.setMemoryMax(global.getMemoryUsed() + this.limits.memoryBytes);
      if (lua.lua_pcallk(L, 3, 2, 0, 0, null) !== 0) return { status: "Unknown", message: this.errorAt(-1) };
      if (lua.lua_tolstring(L, -1, null) === "not enough memory") {
        return { status: "Unknown", message: `health script stopped: not enough memory (limit ${Math.round(this.limits.memoryBytes / 1048576)} MiB)` };
      }
      const status = lua.lua_tolstring(L, -2, null);
      const message = lua.lua_tolstring(L, -1, null);
      return { status: isHealthStatus(status) ? status : "Unknown", message: message ?? "" };
    } catch (err) {
      return { status: "Unknown", message: `health script failed: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      this.deadline = Number.POSITIVE_INFINITY;
      global.setMemoryMax(undefined);
      lua.lua_settop(L, top);
    }
  }

  private compiled(script: string, name: string): Compiled {
    const hit = this.cache.get(script);
    if (hit) return hit;
    const L = this.L;
    const lua = this.lua;
    let out: Compiled;
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.compileRef));
    lua.lua_pushstring(L, script);
    lua.lua_pushstring(L, name);
    if (lua.lua_pcallk(L, 2, 1, 0, 0, null) !== 0) {
      out = { error: this.errorAt(-1) };
      lua.lua_settop(L, -2);
    } else {
      out = { ref: lua.luaL_ref(L, LUA_REGISTRYINDEX) };
    }
    if (this.cache.size >= MAX_CACHED) {
      const [oldestKey, oldest] = this.cache.entries().next().value as [string, Compiled];
      if ("ref" in oldest) lua.luaL_unref(L, LUA_REGISTRYINDEX, oldest.ref);
      this.cache.delete(oldestKey);
    }
    this.cache.set(script, out);
    return out;
  }

  private errorAt(index: number): string {
    if (this.lua.lua_type(this.L, index) === LUA_TSTRING) return this.lua.lua_tolstring(this.L, index, null) ?? "error";
    return "health script raised a non-string error";
  }

  private check(code: number, what: string): void {
    if (code !== 0) throw new Error(`Lua VM: ${what} failed: ${this.errorAt(-1)}`);
  }

  /**
   * Pushes a JSON value as Lua values (tables 1-based; null and undefined left out). This is the hot path
   * of a run, so it calls the WebAssembly exports directly (wasmoon's cwrap goes through emscripten's
   * generic ccall, ~10x slower) and writes strings through one scratch buffer.
   */
  private push(value: unknown): void {
    const L = this.L;
    const m = this.raw;
    switch (typeof value) {
      case "string":
        this.pushString(value);
        return;
      case "number":
        if (Number.isSafeInteger(value)) m._lua_pushinteger(L, BigInt(value));
        else m._lua_pushnumber(L, value);
        return;
      case "boolean":
        m._lua_pushboolean(L, value ? 1 : 0);
        return;
      case "object":
        if (value === null) break;
        if (Array.isArray(value)) {
          m._lua_createtable(L, value.length, 0);
          let i = 0;
          for (const item of value) {
            if (item === null || item === undefined) continue;
            this.push(item);
            m._lua_rawseti(L, -2, BigInt(++i));
          }
          return;
        }
        m._lua_createtable(L, 0, 8);
        for (const k in value) {
          const v = (value as Record<string, unknown>)[k];
          if (v === null || v === undefined) continue;
          this.pushString(k);
          this.push(v);
          m._lua_rawset(L, -3);
        }
        return;
      default:
        break;
    }
    m._lua_pushnil(L);
  }

  private pushString(s: string): void {
    const m = this.raw;
    // Worst case 3 bytes per UTF-16 unit.
    if (s.length * 3 <= SCRATCH_BYTES) {
      const { written } = this.encoder.encodeInto(s, m.HEAPU8.subarray(this.scratch, this.scratch + SCRATCH_BYTES));
      m._lua_pushlstring(this.L, this.scratch, written);
      return;
    }
    const bytes = this.encoder.encode(s);
    const ptr = m._malloc(bytes.length);
    try {
      m.HEAPU8.set(bytes, ptr);
      m._lua_pushlstring(this.L, ptr, bytes.length);
    } finally {
      m._free(ptr);
    }
  }
}
