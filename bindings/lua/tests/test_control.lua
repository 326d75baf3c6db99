-- test_control.lua: the code cache and serialisation (issue 7) and
-- execution control (issue 9): cache_dir round trip, serialize/deserialize
-- and damaged bytes, fuel, interrupts from another OS thread with a stack
-- sample taken first, sampling from a host function, epoch deadlines.
local keel = require "keel"
local U = require "util"
local eq, ok, fails_keel = U.eq, U.ok, U.fails_keel

local FIB = [[(module $fibmod
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))]]

-- $outer calls $inner, which loops forever; "count" runs n loop iterations;
-- "probe" calls the host function, then enters a function (an interrupt,
-- fuel and deadline check).
local SPIN = [[(module $spinmod
  (import "host" "probe" (func $probe))
  (func $inner (loop $l (br $l)))
  (func $outer (export "spin") (call $inner))
  (func $nop)
  ;; the call to $nop is a function entry: a check right after the host function
  (func $probing (export "probe") (call $probe) (call $nop))
  (func $count (export "count") (param i32)
    (loop $l (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get 0) (i32.const 0)))))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))]]

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p '" .. d .. "'"))
  return d
end

local function rmdir(d) os.execute("rm -rf '" .. d .. "'") end

-- A store with SPIN instantiated; probe(store) runs inside $probing.
local function spin_setup(probe)
  local engine = keel.Engine()
  local store = keel.Store(engine)
  local linker = keel.Linker(engine)
  linker:func(store, "host", "probe", {}, {}, function() if probe then probe(store) end end)
  local inst = linker:instantiate(store, keel.Module(engine, SPIN))
  return engine, store, inst
end

return {
  {"cache_dir_round_trip", function()
    local dir = tmpdir()
    local e1 = keel.Engine{cache_dir = dir}
    local m1 = keel.Module(e1, FIB)
    eq(m1:code_origin(), "compiled", "first engine compiles")
    -- a second engine with the same cache directory maps the entry
    local e2 = keel.Engine{cache_dir = dir, cache_max_bytes = 1 << 20}
    local m2 = keel.Module(e2, FIB)
    eq(m2:code_origin(), "cached", "second engine loads from the cache")
    local inst = keel.Instance(keel.Store(e2), m2)
    eq(inst.exports.fib(20), 6765, "cached code runs")
    -- an engine without the cache compiles again
    eq(keel.Module(keel.Engine(), FIB):code_origin(), "compiled")
    local f = io.popen("ls '" .. dir .. "'")
    local listing = f:read("a")
    f:close()
    ok(#listing > 0, "the cache directory has an entry")
    ok(tostring(U.fails(keel.Engine, {cache_dir = 42})):find("cache_dir", 1, true), "cache_dir type")
    m1:close() m2:close() inst:close()
    U.full_gc()
    rmdir(dir)
  end},

  {"serialize_round_trip", function()
    local engine = keel.Engine()
    local m = keel.Module(engine, FIB)
    local bytes = m:serialize()
    ok(type(bytes) == "string" and #bytes > 0, "serialized bytes")
    local code <close> = m:code()
    eq(code:size(), #bytes, "code size is the serialized size")
    eq(code:serialize(), bytes, "code:serialize() = module:serialize()")
    eq(code:origin(), "compiled")
    local m2 = keel.Module.deserialize(engine, bytes)
    eq(m2:code_origin(), "deserialized")
    eq(keel.Instance(keel.Store(engine), m2).exports.fib(15), 610, "deserialized module runs")
    eq(m2:exports()[1].name, "fib", "exports survive")
    -- a second engine of the same build (same features) accepts the bytes
    local e2 = keel.Engine()
    eq(keel.Instance(keel.Store(e2), keel.Module.deserialize(e2, bytes)).exports.fib(10), 55)
    -- from a file
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(bytes)
    f:close()
    local m3 = keel.Module.deserialize_file(engine, path)
    eq(keel.Instance(keel.Store(engine), m3).exports.fib(12), 144, "deserialize_file")
    os.remove(path)
    fails_keel("i/o", nil, keel.Module.deserialize_file, engine, path)
  end},

  {"damaged_bytes_rejected", function()
    local engine = keel.Engine()
    local bytes = keel.Module(engine, FIB):serialize()
    local function flip(i)
      return bytes:sub(1, i - 1) .. string.char(bytes:byte(i) ~ 0x40) .. bytes:sub(i + 1)
    end
    for _, i in ipairs({1, 5, 9, 17, 33, #bytes // 2, #bytes - 8, #bytes}) do
      local e = fails_keel("malformed", nil, keel.Module.deserialize, engine, flip(i))
      ok(#e.message > 0, "a message for byte " .. i)
    end
    local e = fails_keel("malformed", "truncated", keel.Module.deserialize, engine, bytes:sub(1, 40))
    ok(tostring(e):find("code image", 1, true), "the message names the code image: " .. tostring(e))
    fails_keel("malformed", nil, keel.Module.deserialize, engine, "")
    fails_keel("malformed", nil, keel.Module.deserialize, engine, bytes .. "trailing")
    -- wasm bytes are not a code image
    fails_keel("malformed", nil, keel.Module.deserialize, engine, "\0asm\1\0\0\0")
    ok(tostring(U.fails(keel.Module.deserialize, engine, 42)):find("string", 1, true), "non-string")
    ok(tostring(U.fails(keel.Module.deserialize, nil, bytes)):find("Engine expected", 1, true), "no engine")
  end},

  {"fuel_exhaustion_traps", function()
    local _, store, inst = spin_setup()
    store:set_fuel(1000)
    eq(store:get_fuel(), 1000)
    inst.exports.count(100)
    local left = store:get_fuel()
    ok(left < 1000 and left >= 1000 - 110, "fuel used by 100 iterations: " .. (1000 - left))
    local e = fails_keel("trap", "all fuel consumed", inst.exports.spin)
    eq(e.trap_code, 17, "KEEL_TRAP_OUT_OF_FUEL")
    eq(e.frames[1].name, "inner", "trapped in the loop")
    eq(store:get_fuel(), 0, "no fuel left")
    fails_keel("trap", "all fuel consumed", inst.exports.count, 10) -- not refilled by calls
    store:set_fuel(50)
    eq(inst.exports.add(1, 2), 3, "refilled: the store is usable")
    store:disable_fuel()
    fails_keel("invalid argument", "fuel", store.get_fuel, store)
    inst.exports.count(10000) -- unmetered
  end},

  {"interrupt_from_thread_with_sample", function()
    local _, store, inst = spin_setup()
    local timer <close> = store:interrupt_after(100, {sample = true})
    local t0 = os.clock()
    local e = fails_keel("trap", "interrupted", inst.exports.spin)
    eq(e.trap_code, 16, "KEEL_TRAP_INTERRUPTED")
    ok(timer:fired(), "the timer fired")
    local frames, truncated = timer:sample()
    ok(frames and #frames >= 2, "sampled frames")
    eq(truncated, false)
    eq(frames[1].name, "inner", "innermost frame first")
    eq(frames[2].name, "outer", "then its caller")
    eq(frames[1].module, "spinmod", "module name")
    ok(frames[1].index and frames[1].offset, "index and offset")
    ok(os.clock() - t0 < 10, "stopped in time")
    timer:close()
    eq(inst.exports.add(2, 3), 5, "the store is usable after the interrupt")
  end},

  {"interrupt_timer_cancelled", function()
    local _, store, inst = spin_setup()
    do
      local timer <close> = store:interrupt_after(60000, {sample = true})
      eq(timer:sample(), nil, "no sample before the timer fires")
      eq(timer:fired(), false)
      eq(inst.exports.add(1, 1), 2, "a call well within its timeout")
    end -- closing cancels: the thread is stopped and joined
    inst.exports.count(1000)
    -- a timer that fired while no call ran: close() withdraws its interrupt
    local t = store:interrupt_after(0)
    while not t:fired() do end
    t:close()
    t:close() -- harmless twice
    eq(inst.exports.add(1, 2), 3, "withdrawn interrupt does not hit the next call")
    ok(t:fired(), "a closed timer is still readable")
    ok(tostring(U.fails(store.interrupt_after, store, 1.5)):find("integer", 1, true), "ms type")
    ok(tostring(U.fails(store.interrupt_after, store, -1)):find("0..", 1, true), "ms range")
  end},

  {"interrupt_and_clear", function()
    local _, store, inst = spin_setup(function(s) s:interrupt() end)
    -- from a host function: the call stops at the next check
    fails_keel("trap", "interrupted", inst.exports.probe)
    store:interrupt()
    store:interrupt_clear()
    eq(inst.exports.add(4, 5), 9, "a cleared interrupt does nothing")
  end},

  {"sample_from_host_function", function()
    local frames, truncated
    local _, store, inst = spin_setup(function(s) frames, truncated = s:sample() end)
    eq(#store:sample(), 0, "no frames while no call runs")
    inst.exports.probe()
    ok(frames and #frames >= 1, "frames while the host function runs")
    eq(frames[1].name, "probing", "the wasm caller of the host function")
    eq(truncated, false)
    local _, store2, inst2 = spin_setup(function(s) frames, truncated = s:sample(1) end)
    inst2.exports.probe()
    eq(#frames, 1, "cap respected")
    ok(tostring(U.fails(store2.sample, store2, 0)):find("cap", 1, true), "cap range")
    store:close()
    ok(tostring(U.fails(store.sample, store)):find("closed", 1, true), "closed store")
  end},

  {"epoch_deadline", function()
    local engine, store, inst = spin_setup(function(s) s._engine:increment_epoch() end)
    local e0 = engine:epoch()
    store:set_epoch_deadline(1)
    -- probe increments the epoch: the deadline is reached inside the call
    local e = fails_keel("trap", "deadline reached", inst.exports.probe)
    eq(e.trap_code, 18, "KEEL_TRAP_DEADLINE")
    eq(engine:epoch(), e0 + 1)
    -- a passed deadline stays: the next call traps at once
    fails_keel("trap", "deadline reached", inst.exports.add, 1, 1)
    store:clear_epoch_deadline()
    eq(inst.exports.add(1, 1), 2, "cleared")
    -- the callback extends twice, then lets it trap
    local asked = 0
    store:set_epoch_deadline(1, function()
      asked = asked + 1
      if asked <= 2 then return 1 end
      return nil
    end)
    inst.exports.probe() -- tick 1: extended
    inst.exports.probe() -- tick 2: extended
    fails_keel("trap", "deadline reached", inst.exports.probe)
    eq(asked, 3, "callback asked three times")
    -- an error in the callback traps the call
    store:set_epoch_deadline(1, function() error("boom") end)
    fails_keel("trap", "deadline reached", inst.exports.probe)
    store:set_epoch_deadline_callback(nil)
    store:clear_epoch_deadline()
    ok(tostring(U.fails(store.set_epoch_deadline_callback, store, 5)):find("function", 1, true))
  end},

  {"epoch_ticker_deadline", function()
    local engine, store, inst = spin_setup()
    store:set_epoch_deadline(5) -- 5 ticks of 10 ms
    local ticker <close> = engine:epoch_ticker(10)
    fails_keel("trap", "deadline reached", inst.exports.spin)
    ok(ticker:ticks() >= 5, "ticks sent: " .. ticker:ticks())
    ticker:close()
    store:clear_epoch_deadline()
    eq(inst.exports.add(1, 1), 2)
    ok(tostring(U.fails(engine.epoch_ticker, engine, 0)):find("at least 1", 1, true))
  end},

  {"timers_alive_at_close", function()
    local bin = os.getenv("KEEL_LUA_BIN")
    if not bin then
      io.write("skip test_control.timers_alive_at_close: KEEL_LUA_BIN is not set (run-tests.sh sets it)\n")
      return
    end
    local script = U.here() .. "/scripts/timers_at_close.lua"
    local p = io.popen('"' .. bin .. '" --check-live "' .. script .. '" 2>&1; echo "status=$?"')
    local out = p:read("a")
    p:close()
    ok(out:find("status=0", 1, true) and out:find("0 live handles", 1, true), "keel-lua --check-live:\n" .. out)
  end},

  {"no_leaks", function() U.no_live_handles("after the control tests") end},
}
