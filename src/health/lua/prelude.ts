/**
 * The Lua side of the health VM, run once when the VM starts, in the VM's real global environment (which
 * scripts never see). It returns two functions:
 *
 *   compile(text, name)   → the script's main function, or raises the syntax error
 *   run(fn, obj, open)    → status, message: runs `fn` in a fresh environment holding `obj`, with the
 *                           safe or the open set of libraries, and checks what it returned
 *
 * The environment a script gets follows Argo CD (util/lua): without useOpenLibs only the base functions,
 * `table` and a reduced `os` (time, date); with it also `string`, `math`, `coroutine` and `utf8`. Never
 * `io`, `debug` or `package`'s loaders. Library tables are seen through a per-run proxy, so a script that
 * adds to `table` or `string` does not change them for the next script.
 *
 * Lua 5.1 habits of Argo CD's scripts (gopher-lua is 5.1 with every number a float) are shimmed here:
 * `table.getn`, `unpack`, `loadstring`, `math.pow`, `math.mod`, and numbers that are whole floats print
 * without ".0" through tostring and string.format (integers from JSON are already Lua integers).
 *
 * The time limit is a count hook set from JavaScript (vm.ts) that raises TIMEOUT; pcall, xpcall and
 * coroutine.resume are wrapped so that a script cannot swallow that error, nor an out-of-memory one.
 */
export const TIMEOUT_PREFIX = "health script stopped: ";

export const PRELUDE = String.raw`
local TIMEOUT_PREFIX = ...
local rawpcall, rawxpcall, rawload, rawtostring, rawtype, rawerror = pcall, xpcall, load, tostring, type, error
local setupvalue, select, setmetatable, floor, math_type, tointeger = debug.setupvalue, select, setmetatable, math.floor, math.type, math.tointeger
local rawformat, tunpack, tpack = string.format, table.unpack, table.pack
local corocreate, cororesume = coroutine.create, coroutine.resume
local collectgarbage = collectgarbage
local sfind = string.find

local function whole(v)
  return math_type(v) == "float" and v == floor(v) and v > -9007199254740992 and v < 9007199254740992
end
local function tostring51(v)
  if whole(v) then return rawformat("%d", v) end
  return rawtostring(v)
end
local function format51(fmt, ...)
  local n = select("#", ...)
  local args = { ... }
  for i = 1, n do
    if whole(args[i]) then args[i] = tointeger(args[i]) end
  end
  return rawformat(fmt, tunpack(args, 1, n))
end
-- string methods ("x"):format(...) go through the string metatable: shim the real table too.
string.format = format51

local function fatal(err)
  return rawtype(err) == "string" and (sfind(err, TIMEOUT_PREFIX, 1, true) ~= nil or err == "not enough memory")
end
local function rethrow(ok, ...)
  if not ok and fatal((...)) then rawerror((...), 0) end
  return ok, ...
end
local function pcall51(f, ...) return rethrow(rawpcall(f, ...)) end
local function xpcall51(f, handler, ...)
  return rethrow(rawxpcall(f, function(e) if fatal(e) then return e end return handler(e) end, ...))
end
local function resume51(co, ...) return rethrow(cororesume(co, ...)) end

-- A finalizer runs with the debug hook off (Lua 5.4), so a __gc metamethod could loop past the time limit:
-- scripts may not set one. (Lua 5.4 marks an object for finalization only if __gc is there at setmetatable.)
local function setmetatable51(t, mt)
  if rawtype(mt) == "table" and rawget(mt, "__gc") ~= nil then rawerror("__gc metamethods are not allowed in health scripts", 2) end
  return setmetatable(t, mt)
end
-- Shared tables are reached only through metatables that scripts can neither read nor replace, so one run
-- cannot change what the next one sees (the string metatable included).
getmetatable("").__metatable = false

local function proxy(lib)
  local mt = { __index = lib, __metatable = false }
  return function() return setmetatable({}, mt) end
end
local T = {}
for k, v in pairs(table) do T[k] = v end
T.getn = function(t) return #t end
T.maxn = function(t) local m = 0 for k in pairs(t) do if rawtype(k) == "number" and k > m then m = k end end return m end
local M = {}
for k, v in pairs(math) do M[k] = v end
M.pow = function(a, b) return a ^ b end
M.mod = math.fmod
M.ldexp = function(m, e) return m * 2.0 ^ e end
local S = {}
for k, v in pairs(string) do S[k] = v end
local OS = { time = os.time, date = os.date, clock = os.clock, difftime = os.difftime }
local CO = {}
for k, v in pairs(coroutine) do CO[k] = v end
CO.resume = resume51
local newT, newM, newS, newOS, newCO, newU = proxy(T), proxy(M), proxy(S), proxy(OS), proxy(CO), proxy(utf8)

local BASE = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall51, xpcall = xpcall51,
  print = function() end, rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset, select = select,
  setmetatable = setmetatable51, getmetatable = getmetatable, tonumber = tonumber, tostring = tostring51, type = type,
  unpack = tunpack, _VERSION = "Lua 5.1",
}
local BASE_MT = { __index = BASE, __metatable = false }

local function environment(obj, open)
  local env = setmetatable({ obj = obj }, BASE_MT)
  env._G = env
  env.table = newT()
  env.os = newOS()
  local libs = { table = env.table, os = env.os }
  if open then
    env.string = newS(); env.math = newM(); env.coroutine = newCO(); env.utf8 = newU()
    libs.string, libs.math, libs.coroutine, libs.utf8 = env.string, env.math, env.coroutine, env.utf8
  end
  env.load = function(chunk, name, _, e) return rawload(chunk, name, "t", e or env) end
  env.loadstring = function(chunk, name) return rawload(chunk, name, "t", env) end
  env.require = function(name)
    local lib = libs[name]
    if lib == nil then rawerror("module '" .. rawtostring(name) .. "' not found", 2) end
    return lib
  end
  env.collectgarbage = function(what) if what == "count" then return collectgarbage("count") end return 0 end
  return env
end

local VALID = { Healthy = true, Progressing = true, Suspended = true, Degraded = true, Missing = true, Unknown = true }

local function compile(text, name)
  local fn, err = rawload(text, "=" .. name, "t", {})
  if not fn then rawerror(err, 0) end
  return fn
end

local function run(fn, obj, open)
  setupvalue(fn, 1, environment(obj, open))
  local ok, res = rawpcall(fn)
  setupvalue(fn, 1, nil)
  if not ok then
    if res == "not enough memory" then collectgarbage() end
    return "Unknown", rawtostring(res)
  end
  if rawtype(res) ~= "table" then
    return "Unknown", "expect table output from Lua script, not " .. rawtype(res)
  end
  local status, message = res.status, res.message
  if rawtype(status) ~= "string" or not VALID[status] then return "Unknown", "Lua returned an invalid health status" end
  if message == nil then message = "" end
  if rawtype(message) == "number" then message = tostring51(message) end
  if rawtype(message) ~= "string" then return "Unknown", "Lua returned a message that is not a string" end
  return status, message
end

return compile, run
`;
