-- test_api.lua: the object layer -- calls, numbers, multi-value, host
-- functions and their errors, traps, memory, globals, tables, linking,
-- coroutines and to-be-closed variables.
local keel = require "keel"
local U = require "util"
local eq, ok, fails_keel = U.eq, U.ok, U.fails_keel

local ARITH = [[(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "addf") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))
  (func (export "multi") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    local.get 3 local.get 2 local.get 1 local.get 0)
  (func (export "none"))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (unreachable))
      (else (call $deep (i32.sub (local.get 0) (i32.const 1)))))))]]

local function setup(src)
  local engine = keel.Engine()
  local store = keel.Store(engine)
  local module = keel.Module(engine, src)
  return engine, store, module
end

return {
  {"version", function()
    ok(type(keel.version) == "string" and #keel.version > 0, "version string")
    eq(keel.abi_version >> 16, 1, "ABI major")
  end},

  {"numbers_kept_apart", function()
    local _, store, m = setup(ARITH)
    local inst = keel.Instance(store, m)
    local add, add64, addf, half = inst:func("add"), inst:func("add64"), inst:func("addf"), inst:func("half")
    eq(add(40, 2), 42)
    eq(math.type(add(1, 2)), "integer", "i32 result type")
    eq(add(0x7fffffff, 1), -0x80000000, "i32 wraps, signed view")
    eq(add(0xffffffff, 0), -1, "unsigned i32 input")
    eq(add(3.0, 4), 7, "float with an integer value accepted for i32")
    eq(add64(math.maxinteger, 1), math.mininteger, "i64 wraps")
    eq(math.type(addf(1, 2)), "float", "f32 result is a float")
    eq(addf(1.5, 2), 3.5)
    eq(half(3), 1.5, "integer accepted for f64")
    eq(math.type(half(4)), "float")
    local nan = half(0 / 0)
    ok(nan ~= nan, "NaN result")
  end},

  {"multi_value", function()
    local _, store, m = setup(ARITH)
    local inst = keel.Instance(store, m)
    local a, b, c, d = inst.exports.multi(1, 2, 3.5, 4.25)
    eq(a, 4.25) eq(b, 3.5) eq(c, 2) eq(d, 1)
    eq(math.type(c), "integer") eq(math.type(b), "float")
    eq(select("#", inst.exports.none()), 0, "no results")
    eq(select("#", inst:call("multi", 0, 0, 0, 0)), 4)
  end},

  {"trap_error_value", function()
    local _, store, m = setup(ARITH)
    local inst = keel.Instance(store, m)
    local e = fails_keel("trap", "unreachable", inst.exports.deep, 3)
    eq(e.trap, "unreachable") eq(e.trap_code, 1) eq(e.kind_code, 5)
    ok(#e.frames >= 4, "frames for the recursion (" .. #e.frames .. ")")
    eq(e.frames[1].index, e.frames[2].index, "innermost frames are $deep")
    local s = tostring(e)
    ok(s:find("keel trap: unreachable", 1, true), "tostring: " .. s)
    ok(s:find("#0 func[", 1, true), "tostring lists frames: " .. s)
    -- the instance stays usable
    eq(inst.exports.add(1, 1), 2)
  end},

  {"host_function_same_error_value", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module
      (import "h" "f" (func $f (param i32) (result i32)))
      (func (export "call") (param i32) (result i32) (call $f (local.get 0))))]])
    local thrown = setmetatable({}, {__name = "MyError"})
    local fn = store:func({"i32"}, {"i32"}, function(x)
      if x == 1 then error(thrown) end
      if x == 2 then error("plain string", 0) end
      if x == 3 then keel.trap("custom trap") end
      if x == 4 then return "not a number" end
      if x == 5 then return 1, 2 end
      return x * 2
    end)
    local inst = keel.Instance(store, m, {h = {f = fn}})
    eq(inst.exports.call(21), 42)
    local e = U.fails(inst.exports.call, 1)
    ok(rawequal(e, thrown), "the very same error table")
    eq(U.fails(inst.exports.call, 2), "plain string")
    fails_keel("trap", "custom trap", inst.exports.call, 3)
    local e4 = U.fails(inst.exports.call, 4)
    ok(tostring(e4):find("result 1", 1, true), "bad result type reported: " .. tostring(e4))
    local e5 = U.fails(inst.exports.call, 5)
    ok(tostring(e5):find("returned 2 value", 1, true), "result count reported: " .. tostring(e5))
    eq(inst.exports.call(5 * 0 + 7), 14, "usable after errors")
  end},

  {"host_function_direct_call_and_nesting", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module
      (import "h" "up" (func $up (param i32) (result i32)))
      (func (export "down") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 100))
          (else (call $up (i32.sub (local.get 0) (i32.const 1)))))))]])
    local inst
    local up = store:func({"i32"}, {"i32"}, function(n) return inst.exports.down(n) + 1 end)
    inst = keel.Instance(store, m, {up})
    eq(inst.exports.down(5), 105, "wasm -> Lua -> wasm recursion")
    eq(up(0), 101, "host function called from Lua")
  end},

  {"caller", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module
      (import "h" "log" (func $log (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (global (export "g") i32 (i32.const 9))
      (data (i32.const 4) "hi there")
      (func (export "run") (result i32) (call $log (i32.const 4) (i32.const 8))))]])
    local seen, kept
    local log = store:func({"i32", "i32"}, {"i32"}, function(caller, ptr, len)
      seen = caller:memory():read(ptr, len)
      kept = caller
      return caller:export("g"):get()
    end, {caller = true})
    local inst = keel.Instance(store, m, {log})
    eq(inst.exports.run(), 9)
    eq(seen, "hi there")
    ok(tostring(U.fails(kept.memory, kept)):find("after its host function returned", 1, true),
       "a kept caller no longer works")
    fails_keel("invalid argument", nil, log, 0, 0) -- called from Lua: no calling instance
  end},

  {"coroutines", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module
      (import "h" "f" (func $f (param i32) (result i32)))
      (func (export "g") (param i32) (result i32) (call $f (local.get 0))))]])
    local threads = {}
    local f = store:func({"i32"}, {"i32"}, function(x)
      threads[#threads + 1] = coroutine.running()
      return x + 1
    end)
    local inst = keel.Instance(store, m, {f})
    local co = coroutine.create(function(v)
      local r = inst.exports.g(v)
      coroutine.yield(r)
      return inst.exports.g(r)
    end)
    local _, r1 = coroutine.resume(co, 1)
    eq(r1, 2)
    local _, r2 = coroutine.resume(co)
    eq(r2, 3)
    eq(threads[1], co, "callback ran on the calling coroutine")
    eq(inst.exports.g(10), 11)
    eq(threads[3], select(1, coroutine.running()), "and on the main thread after")
    -- a host function cannot yield across the wasm call: a clean error
    local y = store:func({"i32"}, {"i32"}, function(x) coroutine.yield(x) return x end)
    local inst2 = keel.Instance(store, m, {y})
    local co2 = coroutine.create(function() return inst2.exports.g(1) end)
    local okr, err = coroutine.resume(co2)
    ok(not okr and tostring(err):find("yield across", 1, true), "yield refused: " .. tostring(err))
    eq(inst2.exports.g ~= nil, true)
  end},

  {"externref_any_lua_value", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module
      (func (export "id") (param externref) (result externref) (local.get 0))
      (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0))))]])
    local inst = keel.Instance(store, m)
    local t = {}
    ok(rawequal(inst.exports.id(t), t), "table round trip")
    eq(inst.exports.id("s"), "s")
    eq(inst.exports.id(nil), nil)
    eq(inst.exports.is_null(nil), 1)
    eq(inst.exports.is_null(false), 0, "false is a value, not null")
  end},

  {"funcref_values", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module
      (type $ii (func (param i32) (result i32)))
      (table (export "t") 2 funcref)
      (func $inc (export "inc") (type $ii) (i32.add (local.get 0) (i32.const 1)))
      (elem declare func $inc)
      (func (export "get") (result funcref) (ref.func $inc))
      (func (export "call") (param funcref i32) (result i32)
        (table.set (i32.const 0) (local.get 0))
        (call_indirect (type $ii) (local.get 1) (i32.const 0))))]])
    local inst = keel.Instance(store, m)
    local f = inst.exports.get()
    eq(getmetatable(f), keel.Func)
    eq(f(41), 42, "funcref result callable")
    eq(inst.exports.call(f, 1), 2, "funcref argument")
    local host = store:func({"i32"}, {"i32"}, function(x) return x * 10 end)
    eq(inst.exports.call(host, 4), 40, "host function through a table")
    local t = inst.exports.t
    eq(t:size(), 2)
    eq(t:get(0)(5), 50)
    t:set(1, f)
    eq(t:get(1)(1), 2)
    t:set(1, nil)
    eq(t:get(1), nil)
    eq(t:grow(3, host), 2)
    eq(t:size(), 5)
    eq(t:get(4)(2), 20)
    fails_keel("invalid argument", "out of bounds", t.get, t, 5)
    local takes = store:func({"funcref"}, {"i32"}, function(g) return g(100) end)
    local m2 = keel.Module(engine, [[(module (import "h" "t" (func $t (param funcref) (result i32)))
      (func $k (param i32) (result i32) (i32.sub (local.get 0) (i32.const 1)))
      (elem declare func $k)
      (func (export "run") (result i32) (call $t (ref.func $k))))]])
    eq(keel.Instance(store, m2, {takes}).exports.run(), 99, "funcref argument of a host function")
  end},

  {"memory", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module (memory (export "memory") 1 3)
      (data (i32.const 8) "abc")
      (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))]])
    local inst = keel.Instance(store, m)
    local mem = inst.exports.memory
    eq(mem:read(8, 3), "abc")
    eq(mem:read(0, 0), "")
    mem:write(100, "\0\1\2\255")
    eq(inst.exports.load8(103), 255)
    eq(mem:size(), 65536) eq(mem:pages(), 1)
    eq(mem:grow(1), 1) eq(mem:pages(), 2)
    eq(mem:read(65536 * 2 - 1, 1), "\0")
    fails_keel("invalid argument", "out of bounds", mem.read, mem, 65536 * 2 - 1, 2)
    fails_keel("invalid argument", "out of bounds", mem.write, mem, 65536 * 2, "x")
    fails_keel("invalid argument", "out of bounds", mem.read, mem, 0, math.maxinteger)
    eq(mem:read(65536 * 2 - 1, 1), "\0", "failed write wrote nothing")
    local e = U.fails(mem.grow, mem, 5)
    ok(keel.is_error(e), "grow past the maximum: " .. tostring(e))
    local own = store:memory(1, 2)
    own:write(0, "zz")
    eq(own:read(0, 2), "zz")
  end},

  {"globals", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module
      (import "h" "g" (global $g (mut i64)))
      (global (export "f") (mut f64) (f64.const 1.5))
      (global (export "k") i32 (i32.const 7))
      (func (export "bump") (global.set $g (i64.add (global.get $g) (i64.const 1)))))]])
    local g = store:global("i64", true, 41)
    local inst = keel.Instance(store, m, {g})
    inst.exports.bump()
    eq(g:get(), 42)
    local f = inst.exports.f
    eq(f:get(), 1.5)
    f:set(2)
    eq(f:get(), 2.0) eq(math.type(f:get()), "float")
    eq(inst.exports.k:get(), 7)
    ok(keel.is_error(U.fails(inst.exports.k.set, inst.exports.k, 1)), "immutable global")
  end},

  {"linker_and_imports", function()
    local engine, store = setup("(module)")
    local a = keel.Module(engine, [[(module (memory (export "mem") 1)
      (func (export "five") (result i32) (i32.const 5)))]])
    local b = keel.Module(engine, [[(module (import "a" "five" (func $f (result i32)))
      (import "a" "mem" (memory 1))
      (import "env" "k" (func $k (result i32)))
      (func (export "sum") (result i32) (i32.add (call $f) (call $k))))]])
    local linker = keel.Linker(engine)
    linker:define_instance("a", linker:instantiate(store, a))
    linker:func(store, "env", "k", {}, {"i32"}, function() return 10 end)
    eq(linker:instantiate(store, b).exports.sum(), 15)
    local imports = b:imports()
    eq(#imports, 3) eq(imports[2].kind, "memory") eq(imports[3].name, "k")
    eq(#b:exports(), 1) eq(b:exports()[1].kind, "func")
    fails_keel("unlinkable", "unknown import", keel.Instance, store, b, {a = {}})
    local inst = keel.Instance(store, a)
    eq(table.concat(inst:export_names(), ","), "mem,five")
  end},

  {"module_from_bytes_and_validate", function()
    local engine = keel.Engine()
    local bytes = "\0asm\1\0\0\0"
    local m = keel.Module(engine, bytes)
    eq(#m:exports(), 0)
    ok(keel.Module.validate(engine, bytes), "validate")
    local okv, e = keel.Module.validate(engine, "\0asm\2\0\0\0")
    ok(not okv and keel.is_error(e) and e.kind == "malformed", "bad version")
    local e2 = fails_keel("malformed", nil, keel.Module, engine, "\0asm\1\0\0")
    ok(e2.offset ~= nil, "malformed error has an offset")
  end},

  {"to_be_closed", function()
    do
      local engine <close> = keel.Engine()
      local store <close> = keel.Store(engine)
      local m <close> = keel.Module(engine, ARITH)
      local inst <close> = keel.Instance(store, m)
      local f <close> = inst:func("add")
      eq(f(1, 2), 3)
    end
    U.no_live_handles("after <close> scope")
    local engine = keel.Engine()
    engine:close()
    engine:close() -- twice is harmless
    local e = U.fails(keel.Store, engine)
    ok(tostring(e):find("closed", 1, true), "closed handle reported: " .. tostring(e))
    local store = keel.Store(keel.Engine())
    local f = store:func({}, {}, function() end)
    f:close()
    ok(tostring(U.fails(f)):find("after close", 1, true), "closed Func")
  end},

  {"engine_options", function()
    do
      local e = keel.Engine({features = {simd = false}, max_call_depth = 50})
      local store = keel.Store(e)
      local inst = keel.Instance(store, keel.Module(e, ARITH))
      fails_keel("trap", "call stack exhausted", inst.exports.deep, 1000)
      ok(not pcall(keel.Engine, {features = {nope = true}}), "unknown feature")
    end
    U.no_live_handles("engine options") -- the config is freed on both paths
  end},

  {"interrupt", function()
    local engine, store = setup("(module)")
    local m = keel.Module(engine, [[(module (func (export "spin") (loop (br 0))))]])
    local inst = keel.Instance(store, m)
    store:interrupt()
    fails_keel("trap", "interrupted", inst.exports.spin)
  end},

  {"no_leaks", function() U.no_live_handles("after the API tests") end},
}
