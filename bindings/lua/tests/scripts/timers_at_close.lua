-- timers_at_close.lua: run by keel-lua --check-live (test_control.lua).
-- Leaves running timer threads, a deadline callback, a code handle and a
-- WASI context alive at lua_close: their __gc, in any order, must stop and
-- join the threads and drop every reference (zero live handles after).
local keel = require "keel"
local engine = keel.Engine()
local store = keel.Store(engine)
local inst = keel.Instance(store, keel.Module(engine, '(module (func (export "f")))'))
_G.timer = store:interrupt_after(60000, {sample = true}) -- never fires
_G.ticker = engine:epoch_ticker(5)
store:set_epoch_deadline(1000000, function() return 1 end)
_G.code = keel.Module(engine, "(module)"):code()
local linker = keel.Linker(engine)
_G.wasi = linker:define_wasi(store, {stdout = "capture"})
_G.keep = {engine, store, inst, linker}
inst.exports.f()
return 0
