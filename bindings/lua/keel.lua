--[[
keel.lua -- the Lua face of Keel, over the SWIG-generated raw module
'keel_core' (keel.i + keel_lua.c).

  local keel = require "keel"
  local engine = keel.Engine()
  local module = keel.Module(engine, '(module (func (export "add") (param i32 i32) (result i32) ...))')
  local store  = keel.Store(engine)
  local inst   = keel.Instance(store, module)
  print(inst.exports.add(40, 2))          --> 42

Objects: Engine, Module, Store, Linker, Instance, Func, Memory, Table,
Global, Code (compiled code), Timer (store:interrupt_after,
engine:epoch_ticker), keel.wasi.Config and Wasi (keel.wasi: WASI preview 1). Each owns one reference to its C handle; it is released by close(),
by __close (local x <close> = ...) or by __gc, whichever comes first, and the
C ABI's reference counts make any order safe (lua_close included).

Errors: every failure raises a keel.Error table {kind, kind_code, message,
trap, trap_code, offset, exit_code, frames} that prints readably. A Lua error
raised inside a host function leaves the wasm call as the very same value.
Bad Lua arguments (wrong types, out-of-range integers) raise plain strings,
as Lua's own library does.

Values: i32/i64 take integers (floats with an exact integer value too, as
Lua 5.4 does) and return integers; f32/f64 take any number and return
floats; funcref is a Func or nil; externref is any Lua value (nil is null);
v128 is a 16-byte string. Multi-value results are multiple returns.
]]
local core = require "keel_core"

local keel = {}
keel.core = core
keel.version = core.keel_version()
keel.abi_version = core.keel_abi_version()

do -- the raw module must speak the ABI this file was written against (1.1:
     -- code cache and serialisation, WASI, execution control and sampling)
  local v = keel.abi_version
  if (v >> 16) ~= 1 or (v & 0xffff) < 1 then
    error(string.format("keel: libkeel ABI %d.%d, this binding needs 1.1 or later", v >> 16, v & 0xffff))
  end
end

local error, setmetatable, rawget, select, type = error, setmetatable, rawget, select, type
local core_call, core_call_bits = core.call, core.call_bits

-------------------------------------------------------------------------- errors

local Error = {__name = "keel.Error"}
Error.__index = Error
keel.Error = Error

function Error.__tostring(e)
  local parts = {"keel " .. e.kind .. ": " .. e.message}
  if e.offset then parts[1] = parts[1] .. string.format(" (at byte 0x%x)", e.offset) end
  for i, f in ipairs(e.frames or {}) do
    local name = f.name and (" " .. (f.module and (f.module .. ".") or "") .. f.name) or ""
    local at = f.offset and string.format(" @0x%x", f.offset) or ""
    parts[#parts + 1] = string.format("  #%d func[%d]%s%s", i - 1, f.index or -1, name, at)
  end
  return table.concat(parts, "\n")
end

--- Whether 'v' is a keel.Error.
function keel.is_error(v)
  return type(v) == "table" and getmetatable(v) == Error
end

-- Turns an owned keel_error userdata into a keel.Error table (and frees it).
local function make_error(err)
  local kind = core.keel_error_kind(err)
  local e = {
    kind = core.keel_error_kind_name(kind),
    kind_code = kind,
    message = core.keel_error_message(err),
    frames = {},
  }
  local tc = core.keel_error_trap_code(err)
  if tc ~= 0 then
    e.trap_code = tc
    e.trap = core.keel_trap_code_message(tc)
  end
  local off = core.keel_error_offset(err)
  if off >= 0 then e.offset = off end
  if kind == 11 then e.exit_code = core.keel_error_exit_code(err) end
  for i = 0, core.keel_error_frame_count(err) - 1 do
    local idx = core.keel_error_frame_func_index(err, i)
    local fo = core.keel_error_frame_offset(err, i)
    e.frames[#e.frames + 1] = {
      index = idx ~= 0xffffffff and idx or nil,
      offset = fo ~= 0xffffffff and fo or nil,
      name = core.keel_error_frame_func_name(err, i),
      module = core.keel_error_frame_module_name(err, i),
    }
  end
  core.keel_error_free(err)
  return setmetatable(e, Error)
end
keel.make_error = make_error

-- check(err, ...): raises err as a keel.Error, else returns the rest.
local function check(err, ...)
  if err ~= nil then
    if type(err) == "string" then
      error(setmetatable({kind = "invalid argument", kind_code = 1, message = err, frames = {}}, Error), 0)
    end
    error(make_error(err), 0)
  end
  return ...
end

local TrapMark = {__name = "keel.HostTrap", __tostring = function(t) return t.__keel_trap end}

--- Raises a wasm trap from a host function: the call fails with a keel.Error
--- of kind "trap" whose message is 'msg' (any other Lua error travels through
--- the wasm call unchanged instead).
function keel.trap(msg)
  error(setmetatable({__keel_trap = tostring(msg or "host trap")}, TrapMark), 2)
end

-------------------------------------------------------------------------- handles

-- A class of handle objects. 'kind' names the SWIG type, for disowning and
-- releasing: the object takes over the userdata's reference.
local function class(name, kind, release)
  local c = {__name = "keel." .. name}
  c.__index = c
  local disown = core["klua_disown_keel_" .. kind]
  local rel = core[release]
  function c.close(self)
    local raw = rawget(self, "_raw")
    if raw ~= nil then
      self._raw = nil
      rel(raw)
    end
    local sraw = rawget(self, "_sraw")
    if sraw ~= nil then -- the store reference of an object in a store
      self._sraw = nil
      core.keel_store_release(sraw)
    end
  end
  c.__close = c.close
  c.__gc = c.close
  -- wrap(raw, fields): a new object owning 'raw' (owned userdata or nil).
  function c._wrap(raw, fields)
    if raw == nil then return nil end
    disown(raw)
    fields = fields or {}
    fields._raw = raw
    return setmetatable(fields, c)
  end
  function c.__tostring(self)
    return string.format("keel.%s (%s)", name, rawget(self, "_raw") and "open" or "closed")
  end
  setmetatable(c, {__call = function(cls, ...) return cls.new(...) end})
  return c
end

-- KEEL_LUA_GC_EVERY=1: a full collection at every handle use, so a handle
-- freed too early shows up at once (the binding's GC-every-use test mode).
local gc_every = os.getenv("KEEL_LUA_GC_EVERY") == "1"
keel.gc_every_use = gc_every

local function raw_of(obj, what)
  if gc_every then collectgarbage("collect") end
  local raw = type(obj) == "table" and rawget(obj, "_raw")
  if not raw then
    error("keel: " .. what .. " expected (or it was closed)", 3)
  end
  return raw
end

local Engine = class("Engine", "engine", "keel_engine_release")
local Module = class("Module", "module", "keel_module_release")
local Store = class("Store", "store", "keel_store_release")
local Linker = class("Linker", "linker", "keel_linker_free")
local Instance = class("Instance", "instance", "keel_instance_release")
local Func = class("Func", "func", "keel_func_release")
local Memory = class("Memory", "memory", "keel_memory_release")
local Table = class("Table", "table", "keel_table_release")
local Global = class("Global", "global", "keel_global_release")
local Code = class("Code", "code", "keel_code_release")
local Wasi = class("Wasi", "wasi", "keel_wasi_free")
local WasiConfig = class("WasiConfig", "wasi_config", "keel_wasi_config_free")
keel.Code = Code
keel.Engine, keel.Module, keel.Store, keel.Linker, keel.Instance = Engine, Module, Store, Linker, Instance
keel.Func, keel.Memory, keel.Table, keel.Global = Func, Memory, Table, Global

-------------------------------------------------------------------------- types

local KIND = {i32 = 0, i64 = 1, f32 = 2, f64 = 3, v128 = 4, funcref = 5, externref = 6,
              anyref = 7, exnref = 8}
local KIND_NAME = {}
for k, v in pairs(KIND) do KIND_NAME[v] = k end
local EXTERN_NAME = {[0] = "func", "table", "memory", "global", "tag"}
local FEATURE = {simd = 1, threads = 2, gc = 3, exceptions = 4, tail_calls = 5, memory64 = 6,
                 multi_memory = 7, function_references = 8, extended_const = 9,
                 custom_page_sizes = 10, wide_arithmetic = 11}

-- {"i32", "f64"} -> "\0\3"
local function kinds_of(list, what)
  if type(list) ~= "table" then error("keel: " .. what .. " must be a list of type names", 3) end
  local out = {}
  for i, name in ipairs(list) do
    local k = KIND[name]
    if not k then error(string.format("keel: %s[%d]: unknown value type %q", what, i, tostring(name)), 3) end
    out[i] = string.char(k)
  end
  return table.concat(out)
end

local function names_of(kinds)
  local out = {}
  for i = 1, #kinds do out[i] = KIND_NAME[kinds:byte(i)] or "unknown" end
  return out
end

-- An object of a store: besides its own handle it holds a store handle
-- (the ABI's rule "every handle retains its store", made visible so calls
-- can name the store even after the Store object was closed) and the Store
-- object (which keeps the host functions' Lua functions alive).
-- 'owner' is the Store object or any object of the store.
local function store_obj(cls, raw, owner)
  if raw == nil then return nil end
  local sraw = rawget(owner, "_sraw") or rawget(owner, "_raw")
  if sraw == nil then error("keel: the Store was closed", 3) end
  return cls._wrap(raw, {_store = rawget(owner, "_store") or owner,
                         _sraw = core.keel_store_retain(sraw)})
end

-- Wraps raw func userdata among values (funcref results and arguments).
local function wrap_values(owner, n, ...)
  if n == 0 then return end
  local vals = {...}
  for i = 1, n do
    if type(vals[i]) == "userdata" and core.is_func(vals[i]) then
      vals[i] = store_obj(Func, vals[i], owner)
    end
  end
  return table.unpack(vals, 1, n)
end

-------------------------------------------------------------------------- Engine

--- Engine.new([opts]): opts.features = {simd = false, ...}, opts.max_call_depth,
--- opts.value_stack_size, opts.debug_guard,
--- opts.cache_dir (a compiled-code file cache shared by every engine and
--- process naming the same directory: a module compiled once is mapped
--- from it next time, see module:code_origin()), opts.cache_max_bytes.
function Engine.new(opts)
  opts = opts or {}
  local config = check(core.keel_config_new())
  local ok, err = pcall(function()
    for name, on in pairs(opts.features or {}) do
      local f = FEATURE[name]
      if not f then error("keel: unknown feature " .. tostring(name), 0) end
      check(core.keel_config_set_feature(config, f, on and true or false))
    end
    if opts.max_call_depth then check(core.keel_config_set_max_call_depth(config, opts.max_call_depth)) end
    if opts.value_stack_size then check(core.keel_config_set_value_stack_size(config, opts.value_stack_size)) end
    if opts.debug_guard then check(core.keel_config_set_debug_guard(config, true)) end
    if opts.cache_dir ~= nil then
      if type(opts.cache_dir) ~= "string" then error("keel: cache_dir must be a string", 0) end
      check(core.keel_config_set_cache_dir(config, opts.cache_dir))
    end
    if opts.cache_max_bytes then check(core.keel_config_set_cache_max_bytes(config, opts.cache_max_bytes)) end
  end)
  if not ok then
    core.keel_config_free(config)
    error(err, 0)
  end
  local e, engine = core.keel_engine_new(config)
  core.keel_config_free(config)
  check(e)
  return Engine._wrap(engine)
end

--- engine:increment_epoch(): one tick of the engine's epoch (stores with
--- an epoch deadline trap with "deadline reached" once it is reached).
function Engine:increment_epoch() core.keel_engine_increment_epoch(raw_of(self, "Engine")) end

--- engine:epoch() -> the current epoch (0 until the first tick)
function Engine:epoch() return core.keel_engine_epoch(raw_of(self, "Engine")) end

-------------------------------------------------------------------------- Timer

-- A timer thread (keel_lua_ctl.c): store:interrupt_after(ms) or
-- engine:epoch_ticker(ms). Closing it (close(), <close>, __gc) stops the
-- thread; only an explicit close()/cancel() also withdraws an interrupt it
-- sent that no call consumed.
local Timer = {__name = "keel.Timer"}
Timer.__index = Timer
keel.Timer = Timer

local function timer_ud(self)
  return rawget(self, "_t") or error("keel: Timer used after close()", 3)
end

--- timer:fired() -> whether the interrupt was sent
function Timer:fired() return (core.timer_state(timer_ud(self))) end

--- timer:ticks() -> epoch ticks sent so far (epoch_ticker)
function Timer:ticks() return select(2, core.timer_state(timer_ud(self))) end

--- timer:sample() -> frames, truncated: the store's stack when the timer
--- fired (innermost first: {index, offset, name, module}); nil when it has
--- not fired or was made without sampling.
function Timer:sample() return core.timer_sample(timer_ud(self)) end

--- timer:close() / timer:cancel(): stops the timer; an interrupt it sent
--- that no call consumed is withdrawn. Harmless twice.
function Timer:close()
  local t = rawget(self, "_t")
  if t then core.timer_close(t, true) end -- keeps _t: sample() stays readable
  self._closed = true
end
Timer.cancel = Timer.close
Timer.__close = Timer.close

--- engine:epoch_ticker(ms) -> Timer: a thread that increments the epoch
--- every ms milliseconds until closed (wall-clock deadlines for stores).
function Engine:epoch_ticker(ms)
  if math.type(ms) ~= "integer" then error("keel: milliseconds must be an integer", 2) end
  return setmetatable({_t = core.epoch_ticker(raw_of(self, "Engine"), ms), _engine = self}, Timer)
end

-------------------------------------------------------------------------- Module

--- Module.new(engine, source): 'source' is the binary format (starts with
--- "\0asm") or WebAssembly text.
function Module.new(engine, source)
  if type(source) ~= "string" then error("keel: module source must be a string", 2) end
  if source:sub(1, 4) == "\0asm" then return Module.from_bytes(engine, source) end
  return Module.from_wat(engine, source)
end

function Module.from_bytes(engine, bytes)
  if type(bytes) ~= "string" then error("keel: module bytes must be a string", 2) end
  return Module._wrap(check(core.keel_module_new(raw_of(engine, "Engine"), bytes)), {_engine = engine})
end

function Module.from_wat(engine, text)
  if type(text) ~= "string" then error("keel: module text must be a string", 2) end
  return Module._wrap(check(core.keel_module_new_wat(raw_of(engine, "Engine"), text)), {_engine = engine})
end

--- Module.from_file(engine, path): a .wasm or .wat file.
function Module.from_file(engine, path)
  local f, why = io.open(path, "rb")
  if not f then error("keel: " .. why, 2) end
  local data = f:read("a")
  f:close()
  return Module.new(engine, data)
end

--- Module.validate(engine, bytes): true, or false and a keel.Error.
function Module.validate(engine, bytes)
  local err = core.keel_module_validate(raw_of(engine, "Engine"), bytes)
  if err ~= nil then return false, make_error(err) end
  return true
end

function Module:name() return core.keel_module_name(raw_of(self, "Module")) end

--- module:serialize() -> string: the compiled module, for
--- Module.deserialize in a process running the same Keel build.
function Module:serialize() return check(core.keel_module_serialize(raw_of(self, "Module"))) end

--- Module.deserialize(engine, bytes) -> Module without validating or
--- compiling again. The bytes are checked (format, build, lengths,
--- checksum): damaged or foreign bytes raise a keel.Error. A checksum
--- detects damage, not malice: deserialise only bytes you wrote.
function Module.deserialize(engine, bytes)
  if type(bytes) ~= "string" then error("keel: serialized module must be a string", 2) end
  return Module._wrap(check(core.keel_module_deserialize(raw_of(engine, "Engine"), bytes)), {_engine = engine})
end

--- Module.deserialize_file(engine, path) -> Module (e.g. from `keel compile`)
function Module.deserialize_file(engine, path)
  if type(path) ~= "string" then error("keel: path must be a string", 2) end
  return Module._wrap(check(core.keel_module_deserialize_file(raw_of(engine, "Engine"), path)), {_engine = engine})
end

--- module:code() -> Code: the module's compiled code memory (a handle of
--- its own: code:size(), code:origin(), code:serialize(), close()).
function Module:code() return Code._wrap(check(core.keel_module_code(raw_of(self, "Module")))) end

local ORIGIN = {[1] = "compiled", [2] = "cached", [3] = "deserialized"}

--- module:code_origin() -> "compiled" | "cached" | "deserialized"
function Module:code_origin()
  local code <close> = self:code()
  return code:origin()
end

function Code:size() return core.keel_code_size(raw_of(self, "Code")) end
function Code:origin()
  local o = core.keel_code_origin(raw_of(self, "Code"))
  return ORIGIN[o] or ("origin " .. o)
end
function Code:serialize() return check(core.keel_code_serialize(raw_of(self, "Code"))) end

--- module:imports() -> list of {module = , name = , kind = "func" | "memory" | ...}
function Module:imports()
  local raw, out = raw_of(self, "Module"), {}
  for i = 0, core.keel_module_import_count(raw) - 1 do
    local mod, name, ty = check(core.keel_module_import(raw, i))
    out[#out + 1] = {module = mod, name = name, kind = EXTERN_NAME[core.keel_externtype_kind(ty)]}
    core.keel_externtype_free(ty)
  end
  return out
end

--- module:exports() -> list of {name = , kind = }
function Module:exports()
  local raw, out = raw_of(self, "Module"), {}
  for i = 0, core.keel_module_export_count(raw) - 1 do
    local name, ty = check(core.keel_module_export(raw, i))
    out[#out + 1] = {name = name, kind = EXTERN_NAME[core.keel_externtype_kind(ty)]}
    core.keel_externtype_free(ty)
  end
  return out
end

-------------------------------------------------------------------------- Store

--- Store.new(engine). The store keeps its host functions' Lua functions;
--- every object of the store keeps the Store object alive.
function Store.new(engine)
  return Store._wrap(check(core.store_new(raw_of(engine, "Engine"))), {_engine = engine, _hostfns = {}})
end

local Caller = {__name = "keel.Caller"}
Caller.__index = Caller
keel.Caller = Caller

--- caller:export(name) -> Func | Memory | Table | Global of the instance
--- whose code called the host function (only while the callback runs).
function Caller:export(name)
  if type(name) ~= "string" then error("keel: export name must be a string", 2) end
  local raw, kind = check(core.caller_export(self._c, name))
  local cls = kind == "func" and Func or kind == "memory" and Memory or kind == "table" and Table
              or kind == "global" and Global
  if not cls then return raw end
  return store_obj(cls, raw, self._owner)
end

--- caller:memory([name]) -> the calling instance's memory ("memory" by default)
function Caller:memory(name)
  local m = self:export(name or "memory")
  if getmetatable(m) ~= Memory then error("keel: caller export " .. (name or "memory") .. " is not a memory", 2) end
  return m
end

--- store:func(params, results, fn [, opts]): a host function. fn receives the
--- arguments as Lua values and returns the results; keel.trap(msg) makes
--- the wasm call trap; any other error leaves the outer call unchanged.
--- With opts.caller = true, fn(caller, ...) also gets a keel.Caller (its
--- :memory() and :export(name) reach the calling instance, as WASI does).
function Store:func(params, results, fn, opts)
  local sraw = raw_of(self, "Store")
  local pk, rk = kinds_of(params, "params"), kinds_of(results, "results")
  if type(fn) ~= "function" then error("keel: host function must be a function", 2) end
  local with_caller = type(opts) == "table" and opts.caller and true or false
  local target = fn
  if with_caller or pk:find("\5", 1, true) then
    -- funcref arguments become Func objects; the closure's own store
    -- handle is only reachable from this Store object, so no cycle leaks
    local n, owner = #pk, {_store = self, _sraw = core.keel_store_retain(sraw)}
    if with_caller then
      target = function(c, ...)
        return fn(setmetatable({_c = c, _owner = owner}, Caller), wrap_values(owner, n, ...))
      end
    else
      target = function(...) return fn(wrap_values(owner, n, ...)) end
    end
  end
  local raw, id = check(core.func_new(sraw, pk, rk, target, with_caller))
  self._hostfns[id] = target
  local f = store_obj(Func, raw, self)
  f._pk, f._rk, f._refres = pk, rk, rk:find("\5", 1, true) ~= nil
  return f
end

--- store:memory(min_pages [, max_pages]) -> Memory
function Store:memory(min, max)
  local maxv = max or -1 -- KEEL_NO_MAX (UINT64_MAX) as a Lua integer
  return store_obj(Memory, check(core.keel_memory_new(raw_of(self, "Store"), min, maxv, 0)), self)
end

--- store:global(type, mutable, value) -> Global
function Store:global(typename, mutable, value)
  local k = KIND[typename]
  if not k then error("keel: unknown value type " .. tostring(typename), 2) end
  return store_obj(Global, check(core.global_new(raw_of(self, "Store"), k, mutable and true or false, value)),
                   self)
end

function Store:limit_memory(bytes) check(core.keel_store_limit_memory(raw_of(self, "Store"), bytes)) end
function Store:limit_table_elements(n) check(core.keel_store_limit_table_elements(raw_of(self, "Store"), n)) end
function Store:limit_instances(n) check(core.keel_store_limit_instances(raw_of(self, "Store"), n)) end

--- store:interrupt(): the running call traps with "interrupted" at its next
--- function entry or loop back-edge (the next call, if none runs). From
--- Lua's one thread this is useful in a host function; from another OS
--- thread use store:interrupt_after(ms).
function Store:interrupt() core.keel_store_interrupt(raw_of(self, "Store")) end

--- store:interrupt_clear(): withdraws a pending interrupt request.
function Store:interrupt_clear() core.keel_store_interrupt_clear(raw_of(self, "Store")) end

--- store:sample([cap]) -> frames, truncated: the wasm stack of the call
--- running in the store, innermost first ({index, offset, name, module});
--- empty when none runs. Useful in a host function; for a call that never
--- returns, a timer samples it: store:interrupt_after(ms, {sample = true}).
function Store:sample(cap) return core.store_sample(raw_of(self, "Store"), cap) end

--- store:interrupt_after(ms [, opts]) -> Timer: a timeout for calls. After
--- ms milliseconds another OS thread interrupts the store (with
--- opts.sample, it samples the stack first: timer:sample(); if no call
--- runs at that moment it waits up to 1 s for one to start). Close the
--- timer when the call is done (local t <close> = ...) to cancel it.
function Store:interrupt_after(ms, opts)
  if math.type(ms) ~= "integer" then error("keel: milliseconds must be an integer", 2) end
  local sample = type(opts) == "table" and opts.sample and true or false
  return setmetatable({_t = core.interrupt_after(raw_of(self, "Store"), ms, sample), _store = self}, Timer)
end

--- store:set_fuel(n): turns fuel metering on with n units (one unit: a
--- function entry or a loop iteration); a call that runs out traps with
--- "all fuel consumed". Calls do not refill it.
function Store:set_fuel(n) check(core.keel_store_set_fuel(raw_of(self, "Store"), n)) end

--- store:get_fuel() -> fuel left (raises when fuel is not enabled)
function Store:get_fuel() return check(core.keel_store_get_fuel(raw_of(self, "Store"))) end

function Store:disable_fuel() check(core.keel_store_disable_fuel(raw_of(self, "Store"))) end

--- store:set_epoch_deadline(ticks [, fn]): calls trap with "deadline
--- reached" once the engine's epoch is 'ticks' past its value now. With fn
--- (see set_epoch_deadline_callback) the deadline can be extended.
function Store:set_epoch_deadline(ticks, fn)
  check(core.keel_store_set_epoch_deadline(raw_of(self, "Store"), ticks))
  if fn ~= nil then self:set_epoch_deadline_callback(fn) end
end

function Store:clear_epoch_deadline() check(core.keel_store_clear_epoch_deadline(raw_of(self, "Store"))) end

--- store:set_epoch_deadline_callback(fn | nil): fn() runs inside the call
--- when the deadline is reached; it returns ticks (>= 1) to extend the
--- deadline by, or nil/false to trap. It must not call into the store (no
--- wasm calls, no memory access); it may count, log or store:sample().
--- An error raised in fn traps the call.
function Store:set_epoch_deadline_callback(fn)
  if fn ~= nil and type(fn) ~= "function" then error("keel: deadline callback must be a function", 2) end
  check(core.set_deadline_callback(raw_of(self, "Store"), fn))
  self._deadline_fn = fn -- kept here: C holds it only weakly
end

-------------------------------------------------------------------------- Linker

function Linker.new(engine)
  return Linker._wrap(check(core.keel_linker_new(raw_of(engine, "Engine"))), {_engine = engine, _keep = {}})
end

function Linker:allow_shadowing(on) core.keel_linker_allow_shadowing(raw_of(self, "Linker"), on and true or false) end

local function extern_of(item)
  local mt = getmetatable(item)
  local raw = raw_of(item, "Func, Memory, Table or Global")
  if mt == Func then return core.keel_func_as_extern(raw)
  elseif mt == Memory then return core.keel_memory_as_extern(raw)
  elseif mt == Table then return core.keel_table_as_extern(raw)
  elseif mt == Global then return core.keel_global_as_extern(raw) end
  error("keel: Func, Memory, Table or Global expected", 3)
end

--- linker:define(module, name, item): item is a Func, Memory, Table or Global.
function Linker:define(module, name, item)
  local lraw = raw_of(self, "Linker")
  check(core.keel_linker_define(lraw, module, name, extern_of(item)))
  self._keep[#self._keep + 1] = item -- its store (and host functions) live as long as the linker
  return self
end

--- linker:func(store, module, name, params, results, fn [, opts]): defines a host function.
function Linker:func(store, module, name, params, results, fn, opts)
  return self:define(module, name, store:func(params, results, fn, opts))
end

--- linker:define_instance(name, instance): every export under module 'name'.
function Linker:define_instance(name, instance)
  check(core.keel_linker_define_instance(raw_of(self, "Linker"), name, raw_of(instance, "Instance")))
  self._keep[#self._keep + 1] = instance
  return self
end

--- linker:instantiate(store, module) -> Instance (runs the start function).
function Linker:instantiate(store, module)
  local raw = check(core.instantiate(raw_of(self, "Linker"), raw_of(store, "Store"), raw_of(module, "Module")))
  local inst = store_obj(Instance, raw, store)
  inst._module = module
  return inst
end

--- linker:define_wasi(store, config) -> Wasi: every wasi_snapshot_preview1
--- function, sharing one WASI context made from 'config' (a
--- keel.wasi.Config or its options table). wasi:stdout() / wasi:stderr()
--- read what was captured.
function Linker:define_wasi(store, config)
  local cfg, tmp = keel.wasi.config_of(config)
  local e, w = core.keel_linker_define_wasi(raw_of(self, "Linker"), raw_of(store, "Store"), cfg)
  if tmp then tmp:close() end
  return Wasi._wrap(check(e, w), {_store = store})
end

--- wasi:stdout() / wasi:stderr() -> the captured bytes so far (a string),
--- or nil when the stream is not captured. Read it between calls.
function Wasi:stdout() return core.wasi_output(raw_of(self, "Wasi"), "stdout") end
function Wasi:stderr() return core.wasi_output(raw_of(self, "Wasi"), "stderr") end

-------------------------------------------------------------------------- Instance

local Exports = {__name = "keel.Exports"}

--- Instance.new(store, module [, imports]): imports is a list in the
--- module's import order, or a table imports[module][name] = item.
function Instance.new(store, module, imports)
  local list = {}
  imports = imports or {}
  if #imports == 0 and next(imports) ~= nil then
    for i, imp in ipairs(module:imports()) do
      local item = imports[imp.module] and imports[imp.module][imp.name]
      if item == nil then
        local e = setmetatable({kind = "unlinkable", kind_code = 4, frames = {},
                                message = "unknown import: " .. imp.module .. "::" .. imp.name}, Error)
        error(e, 2)
      end
      list[i] = item
    end
  else
    list = imports
  end
  local raws = {}
  for i, item in ipairs(list) do raws[i] = raw_of(item, "import " .. i) end
  local raw = check(core.instance_new(raw_of(store, "Store"), raw_of(module, "Module"), raws))
  local inst = store_obj(Instance, raw, store)
  inst._module, inst._imports = module, list
  return inst
end

local function export_of(self, wrapper, fn, name)
  local raw = raw_of(self, "Instance")
  if type(name) ~= "string" then error("keel: export name must be a string", 3) end
  return store_obj(wrapper, check(fn(raw, name)), self)
end

function Instance:func(name) return export_of(self, Func, core.keel_instance_export_func, name) end
function Instance:memory(name) return export_of(self, Memory, core.keel_instance_export_memory, name or "memory") end
function Instance:table(name) return export_of(self, Table, core.keel_instance_export_table, name or "table") end
function Instance:global(name) return export_of(self, Global, core.keel_instance_export_global, name) end

--- instance:call(name, ...) -> results
function Instance:call(name, ...)
  return self:func(name):call(...)
end

--- instance:export_names() -> list of names in export order
function Instance:export_names()
  local raw, out = raw_of(self, "Instance"), {}
  for i = 0, core.keel_instance_export_count(raw) - 1 do
    local e, name, ext = core.keel_instance_export_nth(raw, i)
    check(e)
    core.keel_extern_release(ext)
    out[#out + 1] = name
  end
  return out
end

-- instance.exports.name: the export 'name' as an object (cached).
Exports.__index = function(t, name)
  local inst = rawget(t, "_instance")
  local raw = raw_of(inst, "Instance")
  local e, ext = core.keel_instance_export(raw, name)
  check(e)
  local kind = core.keel_extern_kind(ext)
  core.keel_extern_release(ext)
  local obj
  if kind == 0 then obj = inst:func(name)
  elseif kind == 1 then obj = inst:table(name)
  elseif kind == 2 then obj = inst:memory(name)
  elseif kind == 3 then obj = inst:global(name)
  else error("keel: export " .. name .. " is a tag", 2) end
  rawset(t, name, obj)
  return obj
end

Instance.__index = function(self, key)
  if key == "exports" then
    local ex = setmetatable({_instance = self}, Exports)
    rawset(self, "exports", ex)
    return ex
  end
  return Instance[key]
end

-------------------------------------------------------------------------- Func

local function func_kinds(self)
  local pk, rk = check(core.func_kinds(raw_of(self, "Func")))
  self._pk, self._rk = pk, rk
  self._refres = rk:find("\5", 1, true) ~= nil
  return pk, rk
end

local function store_raw(self)
  return rawget(self, "_sraw") or error("keel: object used after close()", 3)
end

--- func:call(...) / func(...) -> results (multiple returns)
function Func:call(...)
  if gc_every then collectgarbage("collect") end
  local raw = rawget(self, "_raw") or error("keel: Func used after close()", 2)
  local pk, rk = self._pk, self._rk
  if not pk then pk, rk = func_kinds(self) end
  if self._refres then
    return wrap_values(self, #rk, check(core_call(raw, store_raw(self), pk, rk, ...)))
  end
  return check(core_call(raw, store_raw(self), pk, rk, ...))
end

function Func.__call(self, ...) return Func.call(self, ...) end

--- func:call_bits(...): as call, but f32/f64 arguments given as integers and
--- all f32/f64 results are IEEE bit patterns (exact NaN payloads).
function Func:call_bits(...)
  local raw = rawget(self, "_raw") or error("keel: Func used after close()", 2)
  local pk, rk = self._pk, self._rk
  if not pk then pk, rk = func_kinds(self) end
  if self._refres then
    return wrap_values(self, #rk, check(core_call_bits(raw, store_raw(self), pk, rk, ...)))
  end
  return check(core_call_bits(raw, store_raw(self), pk, rk, ...))
end

--- func:type() -> params, results (lists of type names)
function Func:type()
  local pk, rk = self._pk, self._rk
  if not pk then pk, rk = func_kinds(self) end
  return names_of(pk), names_of(rk)
end

-------------------------------------------------------------------------- Memory

--- memory:read(offset, length) -> string (bounds-checked copy)
function Memory:read(offset, length)
  return check(core.memory_read(raw_of(self, "Memory"), offset, length))
end

--- memory:write(offset, string) (bounds-checked: nothing written when out of bounds)
function Memory:write(offset, data)
  check(core.memory_write(raw_of(self, "Memory"), offset, data))
end

function Memory:size() return core.keel_memory_size(raw_of(self, "Memory")) end
function Memory:pages() return core.keel_memory_pages(raw_of(self, "Memory")) end

--- memory:grow(delta_pages) -> previous size in pages
function Memory:grow(delta)
  return check(core.keel_memory_grow(raw_of(self, "Memory"), delta))
end

-------------------------------------------------------------------------- Global

function Global:get()
  local v = check(core.global_get(raw_of(self, "Global")))
  if type(v) == "userdata" then return wrap_values(self, 1, v) end
  return v
end

function Global:get_bits() return check(core.global_get(raw_of(self, "Global"), true)) end

function Global:set(v)
  check(core.global_set(raw_of(self, "Global"), store_raw(self), v))
end

function Global:set_bits(v)
  check(core.global_set(raw_of(self, "Global"), store_raw(self), v, true))
end

-------------------------------------------------------------------------- Table

function Table:size() return core.keel_table_size(raw_of(self, "Table")) end

function Table:get(i)
  local v = check(core.table_get(raw_of(self, "Table"), i))
  if type(v) == "userdata" then return wrap_values(self, 1, v) end
  return v
end

function Table:set(i, v)
  check(core.table_set(raw_of(self, "Table"), store_raw(self), i, v))
end

--- table:grow(delta [, init]) -> previous size
function Table:grow(delta, init)
  return check(core.table_grow(raw_of(self, "Table"), store_raw(self), delta, init))
end

-------------------------------------------------------------------------- WASI

--[[ keel.wasi: WASI preview 1 (wasi_snapshot_preview1).

  local code, out = keel.wasi.run(engine, module, {args = {"hello", "x"}, stdout = "capture"})

Options of keel.wasi.Config(opts) (each also a method of the Config):
  args = {"prog", ...}       argv (argv[0] first)        config:arg(s)
  env = {NAME = "v", ...}    environment (or a list of "NAME=v")  config:env(name, value)
  inherit_env = true         the host's whole environment
  preopens = {{host = "dir", guest = "/data", read_only = true}, "HOST::GUEST", ...}
                                                           config:preopen(host, guest, read_only)
  stdin = {bytes = "..."} | {file = path} | "inherit"      config:stdin(spec)
  stdout, stderr = "capture" | "inherit" | {file = path} | nil (discarded)
                                                           config:stdout(spec), config:stderr(spec)
The guest reaches the host file system only through its preopens (read-only
ones refuse every change); nothing else of the host is visible.
proc_exit leaves a call as a keel.Error of kind "exit" with err.exit_code. ]]
local wasi = {}
keel.wasi = wasi
wasi.Config = WasiConfig
wasi.MODULE = "wasi_snapshot_preview1"

local STREAM = {stdin = 0, stdout = 1, stderr = 2}

local function stream(self, which, spec)
  local raw, n = raw_of(self, "wasi.Config"), STREAM[which]
  if spec == nil then return self end
  if spec == "inherit" then check(core.keel_wasi_config_inherit_stdio(raw, n))
  elseif spec == "capture" and which == "stdout" then check(core.keel_wasi_config_capture_stdout(raw))
  elseif spec == "capture" and which == "stderr" then check(core.keel_wasi_config_capture_stderr(raw))
  elseif type(spec) == "table" and type(spec.file) == "string" then
    check(core.keel_wasi_config_stdio_file(raw, n, spec.file))
  elseif type(spec) == "table" and type(spec.bytes) == "string" and which == "stdin" then
    check(core.keel_wasi_config_stdin_bytes(raw, spec.bytes))
  else
    error("keel: bad " .. which .. " spec " .. tostring(spec) ..
          (which == "stdin" and " (\"inherit\", {bytes = s} or {file = path})"
                             or " (\"capture\", \"inherit\" or {file = path})"), 3)
  end
  return self
end

function WasiConfig:stdin(spec) return stream(self, "stdin", spec) end
function WasiConfig:stdout(spec) return stream(self, "stdout", spec) end
function WasiConfig:stderr(spec) return stream(self, "stderr", spec) end

function WasiConfig:arg(s)
  if type(s) ~= "string" then error("keel: WASI argument must be a string", 2) end
  check(core.keel_wasi_config_push_arg(raw_of(self, "wasi.Config"), s))
  return self
end

--- config:env(name, value), or config:env("NAME=value")
function WasiConfig:env(name, value)
  if type(name) ~= "string" or (value ~= nil and type(value) ~= "string") then
    error("keel: WASI environment names and values must be strings", 2)
  end
  if value == nil then check(core.keel_wasi_config_push_env_spec(raw_of(self, "wasi.Config"), name))
  else check(core.keel_wasi_config_push_env(raw_of(self, "wasi.Config"), name, value)) end
  return self
end

function WasiConfig:inherit_env()
  check(core.keel_wasi_config_inherit_env(raw_of(self, "wasi.Config")))
  return self
end

--- config:preopen(host, guest, read_only), or config:preopen("HOST::GUEST", nil, read_only)
function WasiConfig:preopen(host, guest, read_only)
  if type(host) ~= "string" or (guest ~= nil and type(guest) ~= "string") then
    error("keel: preopen paths must be strings", 2)
  end
  local raw = raw_of(self, "wasi.Config")
  if guest == nil and host:find("::", 1, true) then
    check(core.keel_wasi_config_preopen_dir_spec(raw, host, read_only and true or false))
  else
    check(core.keel_wasi_config_preopen_dir(raw, host, guest, read_only and true or false))
  end
  return self
end

--- keel.wasi.Config([opts]) -> a WASI configuration (see above)
function WasiConfig.new(opts)
  if opts ~= nil and type(opts) ~= "table" then error("keel: WASI options must be a table", 2) end
  opts = opts or {}
  local self = WasiConfig._wrap(check(core.keel_wasi_config_new()))
  local ok, err = pcall(function()
    for _, a in ipairs(opts.args or {}) do self:arg(a) end
    if opts.inherit_env then self:inherit_env() end
    if type(opts.env) == "table" then
      local names = {}
      for k in pairs(opts.env) do if type(k) == "string" then names[#names + 1] = k end end
      table.sort(names) -- a stable order for the guest
      for _, k in ipairs(names) do self:env(k, opts.env[k]) end
      for _, spec in ipairs(opts.env) do self:env(spec) end
    end
    for _, p in ipairs(opts.preopens or {}) do
      if type(p) == "string" then self:preopen(p)
      elseif type(p) == "table" then self:preopen(p.host or p[1], p.guest or p[2], p.read_only)
      else error("keel: preopen must be a string or a table", 0) end
    end
    self:stdin(opts.stdin) self:stdout(opts.stdout) self:stderr(opts.stderr)
  end)
  if not ok then
    self:close()
    error(err, 2)
  end
  return self
end

-- A raw config from a Config object or an options table (then also the
-- temporary Config, for the caller to close).
function wasi.config_of(config)
  if getmetatable(config) == WasiConfig then return raw_of(config, "wasi.Config") end
  local tmp = WasiConfig.new(config)
  return raw_of(tmp, "wasi.Config"), tmp
end

--- keel.wasi.run(engine, module, [config]) -> exit_code, stdout, stderr
--- Runs a WASI command module (its "_start") in a new store. exit_code is 0
--- when _start returns, else the proc_exit status; stdout/stderr are the
--- captured bytes when the config captures them. 'module' is a Module or
--- its source (binary or text). Traps and other failures raise.
function wasi.run(engine, module, config)
  if type(module) == "string" then module = Module.new(engine, module) end
  local cfg, tmp = wasi.config_of(config or {})
  local captures = type(config) == "table" and getmetatable(config) ~= WasiConfig and
                   (config.stdout == "capture" or config.stderr == "capture")
  if not captures and getmetatable(config) ~= WasiConfig then
    -- nothing to read back: the ABI's own runner
    local e, code = core.keel_wasi_run(raw_of(engine, "Engine"), raw_of(module, "Module"), cfg)
    if tmp then tmp:close() end
    return check(e, code)
  end
  local store <close> = Store.new(engine)
  local linker <close> = Linker.new(engine)
  local e, w = core.keel_linker_define_wasi(raw_of(linker, "Linker"), raw_of(store, "Store"), cfg)
  if tmp then tmp:close() end
  local ctx <close> = Wasi._wrap(check(e, w))
  local ok, err = pcall(function()
    local inst <close> = linker:instantiate(store, module)
    local start <close> = inst:func("_start")
    start()
  end)
  local code = 0
  if not ok then
    if keel.is_error(err) and err.kind_code == 11 then code = err.exit_code
    else error(err, 0) end
  end
  return code, ctx:stdout(), ctx:stderr()
end

-------------------------------------------------------------------------- debug

--- keel.live_handles([kind]): live C handles of a kind ("all", "func", ...)
--- in the process; tests assert 0 after dropping everything.
local HANDLE = {all = 0, config = 1, engine = 2, module = 3, store = 4, linker = 5, instance = 6,
                func = 7, memory = 8, table = 9, global = 10, tag = 11, exn = 12, externref = 13,
                ref = 14, valtype = 15, functype = 16, externtype = 17, code = 18}
function keel.live_handles(kind)
  local k = HANDLE[kind or "all"]
  if not k then error("keel: unknown handle kind " .. tostring(kind), 2) end
  return core.keel_debug_live_handles(k)
end

function keel.live_stores() return core.keel_debug_live_stores() end
function keel.set_debug_guard(on) core.keel_debug_set_guard(on and 1 or 0) end

return keel
