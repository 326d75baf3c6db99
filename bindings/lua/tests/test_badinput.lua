-- test_badinput.lua: bad input for every entry point -- the raw keel_core
-- functions swept with hostile arguments, then each object-layer call with
-- wrong types, ranges, kinds and stores. Nothing may crash; every failure
-- is a Lua error (a keel.Error for what the ABI rejects).
local keel = require "keel"
local core = keel.core
local U = require "util"
local eq, ok, fails_keel = U.eq, U.ok, U.fails_keel

-- Raw functions that change process-wide state or drop references.
local SKIP = {keel_debug_flush_quarantine = true, keel_debug_set_guard = true}

local function sweep_raw()
  local engine = keel.Engine()
  local store = keel.Store(engine)
  local wrong = core.new_trap("a userdata of the wrong type")
  local arglists = {
    {}, {nil, nil, nil, nil, nil}, {0, 0, 0, 0, 0}, {-1, -1, -1, -1}, {math.maxinteger, math.mininteger},
    {1.5, 2.5}, {"x", "y", "z", "w"}, {{}, {}, {}}, {true, false}, {wrong, wrong, wrong, wrong},
    {print, print}, {engine._raw, 0, 0}, {store._raw, "", ""}, {store._raw, engine._raw, "", ""},
  }
  local names, calls = {}, 0
  for name, fn in pairs(core) do
    if type(fn) == "function" and not SKIP[name] and not name:find("release$") and
       not name:find("free$") and not name:find("^klua_disown") then
      names[#names + 1] = name
    end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    for _, args in ipairs(arglists) do
      -- results (owned handles, errors) are dropped and collected
      pcall(core[name], table.unpack(args, 1, 5))
      calls = calls + 1
    end
  end
  ok(#names > 100, "swept " .. #names .. " functions")
  -- release/free functions with nothing or the wrong thing
  for name, fn in pairs(core) do
    if type(fn) == "function" and (name:find("release$") or name:find("free$")) then
      pcall(fn) pcall(fn, nil) pcall(fn, wrong) pcall(fn, 1)
    end
  end
  return calls
end

return {
  {"raw_sweep", function()
    sweep_raw()
    U.no_live_handles("after the raw sweep")
  end},

  {"raw_released_handle_under_guard", function()
    keel.set_debug_guard(true)
    local ok_, err = pcall(function()
      local e, engine = core.keel_engine_new(nil)
      eq(e, nil)
      core.keel_engine_release(engine) -- the userdata still holds the stale pointer
      local err3, m = core.keel_module_new_wat(engine, "(module)")
      ok(err3 ~= nil and m == nil, "released engine refused")
      eq(core.keel_error_kind(err3), 13, "invalid handle")
      core.keel_error_free(err3)
      local s1, s2 = core.store_new(engine)
      ok(s1 ~= nil and s2 == nil, "store_new refuses a released engine")
    end)
    keel.set_debug_guard(false)
    core.keel_debug_flush_quarantine()
    if not ok_ then error(err, 0) end
  end},

  {"modules", function()
    local engine = keel.Engine()
    ok(tostring(U.fails(keel.Module, engine, 42)):find("string", 1, true), "non-string source")
    ok(tostring(U.fails(keel.Module, nil, "(module)")):find("Engine expected", 1, true), "no engine")
    fails_keel("malformed", nil, keel.Module, engine, "\0asm")
    fails_keel("malformed", nil, keel.Module, engine, "\0asm\1\0\0\0\1\255")
    fails_keel("malformed", nil, keel.Module, engine, "(module (func (i32.const)")
    fails_keel("malformed", nil, keel.Module, engine, "\0asm\1\0\0\0\10\5\1")
    fails_keel("invalid", "type mismatch", keel.Module, engine, "(module (func (result i32) (i64.const 1)))")
    ok(U.fails(keel.Module.from_file, engine, "/nonexistent/x.wat"), "missing file")
  end},

  {"calls", function()
    local engine = keel.Engine()
    local store = keel.Store(engine)
    local inst = keel.Instance(store, keel.Module(engine, [[(module
      (func (export "f") (param i32 i64 f32 f64 externref) (result i32) (i32.const 1)))]]))
    local f = inst.exports.f
    eq(f(1, 2, 3, 4, nil), 1)
    local function bad(pattern, ...)
      local e = tostring(U.fails(f, ...))
      ok(e:find(pattern, 1, true), "expected '" .. pattern .. "' in: " .. e)
    end
    bad("wrong number of arguments", 1, 2, 3)
    bad("wrong number of arguments", 1, 2, 3, 4, 5, 6)
    bad("integer expected for i32", "1", 2, 3, 4, nil)
    bad("no integer representation", 1.5, 2, 3, 4, nil)
    bad("out of range for i32", 0x100000000, 2, 3, 4, nil)
    bad("out of range for i32", -0x80000001, 2, 3, 4, nil)
    bad("integer expected for i64", 1, {}, 3, 4, nil)
    bad("number expected for f32", 1, 2, "3", 4, nil)
    bad("number expected for f64", 1, 2, 3, true, nil)
    ok(U.fails(inst.func, inst, "nope"), "unknown export")
    fails_keel("invalid argument", "unknown export", inst.func, inst, "nope")
    fails_keel("invalid argument", nil, inst.memory, inst, "f")
    ok(U.fails(function() return inst.exports.nope end), "unknown export via exports")
    ok(U.fails(inst.func, inst, 12), "non-string export name")
    -- raw call with kinds that do not match the function
    local e = core.call(f._raw, store._raw, "", "")
    ok(e ~= nil, "raw call with a wrong signature is an error")
    eq(core.keel_error_kind(e), 1)
  end},

  {"host_functions", function()
    local store = keel.Store(keel.Engine())
    ok(tostring(U.fails(store.func, store, {"i33"}, {}, print)):find("unknown value type", 1, true), "bad type")
    ok(U.fails(store.func, store, "i32", {}, print), "params not a list")
    ok(U.fails(store.func, store, {}, {}, 42), "not a function")
  end},

  {"memory_bounds", function()
    local store = keel.Store(keel.Engine())
    local mem = store:memory(1)
    ok(U.fails(mem.read, mem, -1, 1), "negative offset")
    ok(U.fails(mem.read, mem, 0, -1), "negative length")
    ok(U.fails(mem.read, mem, 0.5, 1), "fractional offset")
    ok(U.fails(mem.read, mem, "0", 1), "string offset")
    ok(U.fails(mem.write, mem, 0, {}), "table as bytes")
    fails_keel("invalid argument", "out of bounds", mem.write, mem, 65535, "ab")
    fails_keel("invalid argument", "out of bounds", mem.read, mem, math.maxinteger, 1)
    ok(U.fails(mem.grow, mem, -1), "negative grow")
    ok(U.fails(store.memory, store, 2, 1), "min > max")
  end},

  {"linking_errors", function()
    local engine = keel.Engine()
    local store, other = keel.Store(engine), keel.Store(engine)
    local m = keel.Module(engine, '(module (import "h" "f" (func (param i32))))')
    local mem = store:memory(1)
    fails_keel("unlinkable", "incompatible import type", keel.Instance, store, m, {mem})
    fails_keel("unlinkable", "incompatible import type", keel.Instance, store, m,
               {store:func({"i64"}, {}, function() end)})
    fails_keel("invalid argument", nil, keel.Instance, store, m, {})
    local foreign = other:func({"i32"}, {}, function() end)
    fails_keel("store mismatch", nil, keel.Instance, store, m, {foreign})
    local linker = keel.Linker(engine)
    linker:func(store, "h", "f", {"i32"}, {}, function() end)
    fails_keel("invalid argument", nil, linker.func, linker, store, "h", "f", {"i32"}, {}, function() end)
    linker:allow_shadowing(true)
    linker:func(store, "h", "f", {"i32"}, {}, function() end)
    fails_keel("store mismatch", nil, linker.instantiate, linker, other, m)
    ok(U.fails(linker.define, linker, "h", "g", {}), "not an extern")
    ok(U.fails(keel.Instance, store, m, {42}), "import not a handle")
  end},

  {"globals_and_tables", function()
    local engine = keel.Engine()
    local store = keel.Store(engine)
    ok(U.fails(store.global, store, "i32", true, "x"), "bad initial value")
    ok(U.fails(store.global, store, "nope", true, 1), "bad type")
    local g = store:global("i32", false, 1)
    fails_keel("invalid argument", nil, g.set, g, 2)
    local inst = keel.Instance(store, keel.Module(engine, '(module (table (export "t") 1 2 funcref))'))
    local t = inst.exports.t
    ok(U.fails(t.set, t, 0, 42), "number into a funcref table")
    fails_keel("invalid argument", nil, t.set, t, 5, nil)
    ok(U.fails(t.get, t, -1), "negative index")
    ok(keel.is_error(U.fails(t.grow, t, 10)), "grow past the maximum")
    local other = keel.Store(engine)
    local foreign = other:func({}, {}, function() end)
    fails_keel("store mismatch", nil, t.set, t, 0, foreign)
  end},

  {"no_leaks", function() U.no_live_handles("after the bad-input tests") end},
}
