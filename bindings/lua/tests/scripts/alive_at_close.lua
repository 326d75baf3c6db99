-- alive_at_close.lua: leaves Keel handles everywhere -- globals, upvalues,
-- cycles through host closures, to-be-closed-less locals, coroutines
-- suspended mid-use -- and returns. keel-lua --check-live then closes the
-- Lua state (every pending __gc runs, in Lua's order) and checks that no
-- Keel handle or store is left.
local keel = require "keel"

local SRC = [[(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "table") 1 funcref)
  (func $f (export "f") (param i32) (result i32) (call $cb (local.get 0)))
  (elem (i32.const 0) $f))]]

KEEP = {}
for i = 1, 20 do
  local engine = keel.Engine()
  local module = keel.Module(engine, SRC)
  local store = keel.Store(engine)
  local linker = keel.Linker(engine)
  local inst
  linker:func(store, "env", "cb", {"i32"}, {"i32"}, function(x)
    return x + (inst and 1 or 0) -- a closure over its own instance
  end)
  inst = linker:instantiate(store, module)
  assert(inst.exports.f(i) == i + 1)
  if i % 4 == 0 then KEEP[#KEEP + 1] = {engine, module} end
  if i % 4 == 1 then KEEP[#KEEP + 1] = inst.exports.table:get(0) end
  if i % 4 == 2 then KEEP[#KEEP + 1] = linker end
  if i % 4 == 3 then store:close() KEEP[#KEEP + 1] = inst.exports.memory end
  -- i % 4 == 0 also leaves the instance to the cycle alone
end

-- a coroutine suspended while holding handles
CO = coroutine.create(function(f)
  local mem = f
  coroutine.yield(mem)
end)
coroutine.resume(CO, KEEP[2])

-- an object whose own __gc drops Keel objects late
setmetatable(KEEP, {__gc = function(t) for k in pairs(t) do t[k] = nil end collectgarbage() end})
print("alive_at_close: " .. keel.live_handles() .. " handles alive before lua_close")
