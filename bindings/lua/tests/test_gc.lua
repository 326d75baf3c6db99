-- test_gc.lua: GC torture. Handles released in random orders with
-- collections between steps, closures over instances held by host
-- functions (cycles through C), collections inside host callbacks, and
-- handles still alive at lua_close (scripts/alive_at_close.lua, run by
-- keel-lua --check-live). Each test ends with zero live Keel handles.
local keel = require "keel"
local U = require "util"
local eq, ok = U.eq, U.ok

local PLUGIN = [[(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "table") 2 funcref)
  (global (export "g") (mut i32) (i32.const 5))
  (func $f (export "f") (param i32) (result i32) (call $cb (local.get 0)))
  (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (elem (i32.const 0) $f))]]

local function shuffle(t, rng)
  for i = #t, 2, -1 do
    local j = rng(i)
    t[i], t[j] = t[j], t[i]
  end
end

local function collect(rng)
  local r = rng(3)
  if r == 1 then collectgarbage("collect")
  elseif r == 2 then collectgarbage("step", 0)
  else collectgarbage("step", 100) end
end

-- One round: build a world, then drop its objects one by one in a random
-- order (close() or just forgetting), using what is left after each step.
local function round(seed)
  math.randomseed(seed)
  local rng = math.random
  local objs = {}
  do
    local engine = keel.Engine()
    local module = keel.Module(engine, PLUGIN)
    local store = keel.Store(engine)
    local linker = keel.Linker(engine)
    local inst
    local cb = store:func({"i32"}, {"i32"}, function(x)
      -- the closure holds the instance: a cycle through the C store
      if inst and rng(2) == 1 then collectgarbage("collect") end
      return x + 1
    end)
    linker:define("env", "cb", cb)
    inst = linker:instantiate(store, module)
    objs = {engine = engine, module = module, store = store, linker = linker, inst = inst, cb = cb,
            f = inst.exports.f, twice = inst:func("twice"), memory = inst.exports.memory,
            table = inst.exports.table, g = inst:global("g"), tf = inst.exports.table:get(0)}
  end
  local names = {}
  for k in pairs(objs) do names[#names + 1] = k end
  table.sort(names)
  shuffle(names, rng)
  for _, name in ipairs(names) do
    if rng(2) == 1 then objs[name]:close() end
    objs[name] = nil
    collect(rng)
    -- whatever is left still works
    if objs.f then eq(objs.f(41), 42, "f after dropping " .. name) end
    if objs.twice then eq(objs.twice(4), 8) end
    if objs.tf then eq(objs.tf(1), 2, "table function after dropping " .. name) end
    if objs.cb then eq(objs.cb(1), 2) end
    if objs.memory then objs.memory:write(0, "x") eq(objs.memory:read(0, 1), "x") end
    if objs.table then eq(objs.table:size(), 2) end
    if objs.g then objs.g:set(objs.g:get() + 1) end
  end
end

return {
  {"random_release_orders", function()
    for seed = 1, 60 do round(seed) end
    U.no_live_handles("after random release orders")
  end},

  {"closure_over_instance_is_collected", function()
    do
      local engine = keel.Engine()
      local store = keel.Store(engine)
      local linker = keel.Linker(engine)
      local inst
      linker:func(store, "env", "cb", {"i32"}, {"i32"}, function(x)
        return inst.exports.twice(x) -- uses its own instance
      end)
      inst = linker:instantiate(store, keel.Module(engine, PLUGIN))
      eq(inst.exports.f(21), 42)
      -- every Lua reference is dropped here; only the cycle
      -- store -> host closure -> instance -> (C) store remains
    end
    U.no_live_handles("cycle through a host closure")
  end},

  {"host_function_drops_its_caller", function()
    do
      local engine = keel.Engine()
      local store = keel.Store(engine)
      local holder = {}
      local cb = store:func({"i32"}, {"i32"}, function(x)
        if holder.inst then
          holder.inst:close() -- the instance running this call loses its handle
          holder.inst = nil
        end
        collectgarbage("collect")
        return x * 3
      end)
      holder.inst = keel.Instance(store, keel.Module(engine, PLUGIN), {cb})
      local f = holder.inst:func("f")
      eq(f(5), 15, "call survives losing every instance handle")
      eq(f(2), 6, "and the function still works")
    end
    U.no_live_handles("drop during a call")
  end},

  {"lua_error_values_are_not_kept", function()
    local weak = setmetatable({}, {__mode = "k"})
    do
      local engine = keel.Engine()
      local store = keel.Store(engine)
      local inst = keel.Instance(store, keel.Module(engine, PLUGIN), {
        store:func({"i32"}, {"i32"}, function() local e = {} weak[e] = true error(e) end)})
      for _ = 1, 50 do
        local okc, e = pcall(inst.exports.f, 1)
        ok(not okc and weak[e], "the same error value")
      end
      local okc, e = pcall(keel.Instance, store, keel.Module(engine, [[(module
        (import "e" "cb" (func $cb (param i32) (result i32))) (start $s)
        (func $s (drop (call $cb (i32.const 0)))))]]), {
        store:func({"i32"}, {"i32"}, function() local e = {} weak[e] = true error(e) end)})
      ok(not okc and weak[e], "a start function's host error is the same value")
    end
    U.full_gc()
    eq(next(weak), nil, "error values were released from the registry")
    U.no_live_handles("error values")
  end},

  {"externrefs_die_with_their_store", function()
    local weak = setmetatable({}, {__mode = "k"})
    do
      local engine = keel.Engine()
      local store = keel.Store(engine)
      local inst = keel.Instance(store, keel.Module(engine, [[(module
        (global $g (mut externref) (ref.null extern))
        (func (export "keep") (param externref) (global.set $g (local.get 0)))
        (func (export "get") (result externref) (global.get $g)))]]))
      local v = {}
      weak[v] = true
      inst.exports.keep(v)
      v = nil
      U.full_gc()
      ok(next(weak) ~= nil, "wasm still holds the value")
      ok(next(weak) == inst.exports.get(), "and gives it back")
    end
    U.full_gc()
    eq(next(weak), nil, "the value is released when the store goes")
    U.no_live_handles("externrefs")
  end},

  {"alive_at_lua_close", function()
    local bin = os.getenv("KEEL_LUA_BIN")
    if not bin then return end -- run by run-tests.sh through keel-lua
    local script = U.here() .. "/scripts/alive_at_close.lua"
    local p = io.popen('"' .. bin .. '" --check-live "' .. script .. '" 2>&1; echo "status=$?"')
    local out = p:read("a")
    p:close()
    ok(out:find("status=0", 1, true) and out:find("0 live handles", 1, true), "keel-lua --check-live:\n" .. out)
  end},

  {"no_leaks", function() U.no_live_handles("after the GC torture") end},
}
