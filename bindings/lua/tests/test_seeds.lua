-- test_seeds.lua: SEEDS.md section 1 from Lua. Module B imports module A's
-- table, writes its own functions into it (a wasm function and a host
-- function), then traps in its start function -- or instantiates fine and
-- has every handle dropped. A's call_indirect through the table must keep
-- working, every time, whatever order handles are released and collected in.
local keel = require "keel"
local U = require "util"
local eq, ok, fails_keel = U.eq, U.ok, U.fails_keel

local A = [[(module
  (type $r (func (result i32)))
  (table (export "t") 4 funcref)
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))]]

local function B(start_traps)
  return [[(module
    (import "a" "t" (table 4 funcref))
    (import "host" "h" (func $h (result i32)))
    (func $f (result i32) (i32.const 42))
    (elem (i32.const 0) $f $h)
    ]] .. (start_traps and "(start $s) (func $s unreachable)" or "") .. ")"
end

local function scenario(seed, start_traps)
  math.randomseed(seed)
  local rng = math.random
  local callA
  do
    local objs = {}
    objs.engine = keel.Engine()
    objs.store = keel.Store(objs.engine)
    objs.modA = keel.Module(objs.engine, A)
    objs.instA = keel.Instance(objs.store, objs.modA)
    callA = objs.instA:func("call")
    objs.linker = keel.Linker(objs.engine)
    objs.linker:define("a", "t", objs.instA.exports.t)
    objs.linker:func(objs.store, "host", "h", {}, {"i32"}, function() return 7 end)
    objs.modB = keel.Module(objs.engine, B(start_traps))
    if start_traps then
      fails_keel("trap", "unreachable", objs.linker.instantiate, objs.linker, objs.store, objs.modB)
    else
      objs.instB = objs.linker:instantiate(objs.store, objs.modB)
    end
    -- drop every handle except A's call, in a random order, collecting between
    local names = {}
    for k in pairs(objs) do names[#names + 1] = k end
    table.sort(names)
    for i = #names, 2, -1 do local j = rng(i) names[i], names[j] = names[j], names[i] end
    for _, name in ipairs(names) do
      if rng(2) == 1 then objs[name]:close() end
      objs[name] = nil
      collectgarbage(rng(2) == 1 and "collect" or "step")
      eq(callA(0), 42, "B's wasm function through A's table after dropping " .. name)
      eq(callA(1), 7, "B's host function through A's table after dropping " .. name)
    end
  end
  for _ = 1, 3 do
    collectgarbage("collect")
    eq(callA(0), 42) eq(callA(1), 7)
  end
  fails_keel("trap", "uninitialized element", callA, 2)
  callA:close()
end

return {
  {"start_trap_table_stays_callable", function()
    for seed = 1, 40 do scenario(seed, true) end
    U.no_live_handles("seeds 1, start trap")
  end},
  {"released_instance_table_stays_callable", function()
    for seed = 1, 40 do scenario(seed, false) end
    U.no_live_handles("seeds 1, released instance")
  end},
  {"only_the_function_is_left", function()
    local f
    do
      local engine = keel.Engine()
      local store = keel.Store(engine)
      local instA = keel.Instance(store, keel.Module(engine, A))
      local linker = keel.Linker(engine)
      linker:define("a", "t", instA.exports.t)
      linker:func(store, "host", "h", {}, {"i32"}, function() return 7 end)
      pcall(linker.instantiate, linker, store, keel.Module(engine, B(true)))
      f = instA.exports.t:get(1) -- the host function, as a Func
    end
    U.full_gc()
    eq(f(), 7, "a host function of a failed instance, held alone")
    f = nil
    U.no_live_handles("seeds 1, lone function")
  end},
}
