-- plugins.lua: a plugin host in Lua (run with keel-lua, or lua5.4 with the
-- binding on LUA_PATH/LUA_CPATH):
--
--   keel-lua bindings/lua/examples/plugins.lua [plugin-dir]
--
-- Loads two plugins (.wat here; .wasm works the same), makes "mathlib"
-- available to other plugins as module "math", gives plugins host
-- functions written in Lua ("log" reads the caller's memory), and wires
-- everything together with a Linker. Errors come back as Lua errors:
-- a trap prints as a keel.Error with its frames.
local keel = require "keel"

local dir = arg and arg[1] or ((arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/plugins"

local engine <close> = keel.Engine()
local store <close> = keel.Store(engine)
local linker <close> = keel.Linker(engine)

-- 1. a plugin that only computes, shared with the others as "math"
local mathlib = keel.Instance(store, keel.Module.from_file(engine, dir .. "/mathlib.wat"))
linker:define_instance("math", mathlib)
print(string.format("mathlib: fib(10) = %d, hypot(3, 4) = %.1f",
                    mathlib.exports.fib(10), mathlib.exports.hypot(3, 4)))

-- 2. host functions in Lua. "log" reads the calling plugin's memory through
--    its caller object; "counter" is a closure over the greeter instance
--    (set once it exists) -- a cycle through C that Lua's GC still collects.
local greeter
local calls = 0
linker:func(store, "host", "log", {"i32", "i32"}, {}, function(caller, ptr, len)
  print("[greeter] " .. caller:memory():read(ptr, len))
end, {caller = true})
linker:func(store, "host", "counter", {}, {"i32"}, function()
  calls = calls + 1
  assert(greeter.exports.memory:read(0, 5) == "hello")
  return calls
end)

-- 3. the plugin that uses both
greeter = linker:instantiate(store, keel.Module.from_file(engine, dir .. "/greeter.wat"))
local result = greeter.exports.run(20)
print(string.format("greeter.run(20) = %d (%s), host counter = %d", result, math.type(result), calls))

-- 4. a trapping plugin is an ordinary Lua error
local ok, err = pcall(greeter.exports.fail)
print("greeter.fail: " .. (ok and "returned?" or tostring(err):match("^[^\n]*")))
assert(not ok and keel.is_error(err) and err.kind == "trap")
print("plugins: done")
