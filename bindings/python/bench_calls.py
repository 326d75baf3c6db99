#!/usr/bin/env python3
"""Benchmark (not a test): the cost of calling into wasm from Python.

Prints, per call:
  - a trivial export (i32.add) called from Python through keel.Func;
  - a host-function round trip: Python -> wasm -> Python host function -> back;
  - the same wasm->host->wasm round trip with the loop inside wasm (no
    Python->wasm entry per iteration), i.e. the cost of one host call alone;
  - for reference: the same export through the general path (what a
    signature with references or a timeout= takes), the raw CFFI calls of
    keel_func_call and keel_func_call_raw, an empty CFFI call and a pure
    Python call.
Number-only signatures take the C accelerator (src/keel_accel.c).
Target: under 1 microsecond per call.
"""
import os
import sys
import time

# Measure the installed package (run-tests.sh's venv), never the source tree
# next to this file: an in-place extension there may be stale.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import keel  # noqa: E402
from keel._ffi import ffi, lib  # noqa: E402

WAT = """
(module
  (import "h" "nop" (func $nop (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "call_host") (param i32) (result i32) local.get 0 call $nop)
  (func (export "host_loop") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (call $nop (local.get 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    local.get 1))
"""


REPEAT = 5


def per_call(fn, n):
    """Best of REPEAT runs of n calls (the minimum is the least disturbed by
    other load on a shared machine), in ns per call."""
    fn()  # warm up
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn(n)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e9


def main():
    engine = keel.Engine()
    store = keel.Store(engine)

    def nop(x: keel.i32) -> keel.i32:
        return x + 1

    inst = keel.Instance(store, keel.Module(engine, WAT), [nop])
    add = inst.exports.add
    call_host = inst.exports.call_host
    host_loop = inst.exports.host_loop
    n = 100_000

    def loop_add(k=1000):
        for i in range(k):
            add(i, 1)

    def loop_host(k=1000):
        for i in range(k):
            call_host(i)

    def loop_inside(k=1000):
        host_loop(k)

    general = keel.Func.__call__  # the general (pure Python + CFFI) path

    def loop_general(k=1000):
        for i in range(k):
            general(add, i, 1)

    buf = ffi.new("keel_val[3]")
    buf[0].kind = buf[1].kind = lib.KEEL_I32
    buf[0].of.i32, buf[1].of.i32 = 1, 2
    h = add._ptr()
    call = lib.keel_func_call

    def loop_raw(k=1000):
        for _ in range(k):
            call(h, buf, 2, buf + 2, 1)

    slots = ffi.new("uint64_t[2]", [1, 2])
    call_raw = lib.keel_func_call_raw

    def loop_slots(k=1000):
        for _ in range(k):
            slots[0] = 1
            call_raw(h, slots, 2)

    def pyfn(a, b):
        return a + b

    def loop_py(k=1000):
        for i in range(k):
            pyfn(i, 1)

    abi = lib.keel_abi_version

    def loop_abi(k=1000):
        for _ in range(k):
            abi()

    rows = [
        ("python -> wasm export (i32.add)", per_call(loop_add, n)),
        ("python -> wasm -> python host -> back", per_call(loop_host, n)),
        ("wasm -> python host round trip (loop in wasm)", per_call(loop_inside, n)),
        ("reference: the export through the general path", per_call(loop_general, n)),
        ("reference: raw cffi keel_func_call", per_call(loop_raw, n)),
        ("reference: raw cffi keel_func_call_raw", per_call(loop_slots, n)),
        ("reference: empty cffi call keel_abi_version()", per_call(loop_abi, n)),
        ("reference: pure Python function call", per_call(loop_py, n)),
    ]
    print("keel %s, best of %d runs of %d calls each" % (keel.version(), REPEAT, n))
    for name, ns in rows:
        print("  %-48s %8.0f ns/call  %s" % (name, ns, "(under 1 us)" if ns < 1000 else "(over 1 us)"))


if __name__ == "__main__":
    main()
