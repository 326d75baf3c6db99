"""Finalizer torture: any creation/deletion order, cycles through host
closures, deletion from other threads while calls run, the collect-at-every-
use debug mode, interpreter shutdown, and SEEDS.md section 1 driven from Python."""
import gc
import os
import random
import subprocess
import sys
import threading
import time
import weakref

import pytest

import keel
from keel import _ffi
from conftest import instantiate

HERE = os.path.dirname(os.path.abspath(__file__))

WAT = """
(module
  (import "h" "cb" (func $cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "tab") 2 funcref)
  (global (export "g") (mut i32) (i32.const 0))
  (func (export "f") (param i32) (result i32) local.get 0 call $cb i32.const 1 i32.add)
  (func (export "spin") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    local.get 1))
"""


def live():
    gc.collect()
    return keel.debug_live_handles()


def build_world(rng):
    """A random set of objects referring to each other."""
    objs = []
    engine = keel.Engine()
    objs.append(engine)
    module = keel.Module(engine, WAT)
    objs.append(module)
    for _ in range(rng.randint(1, 3)):
        store = keel.Store(engine)
        objs.append(store)
        host = keel.Func(store, lambda x: x * 2, (["i32"], ["i32"]))
        objs.append(host)
        inst = keel.Instance(store, module, [host])
        objs.append(inst)
        ex = inst.exports
        objs.extend([ex.f, ex.memory, ex.tab, ex.g, ex.memory.view()])
        ex.tab[0] = host
        objs.append(keel.Global(store, keel.GlobalType(keel.i32, True), 5))
    return objs


@pytest.mark.parametrize("seed", range(8))
def test_random_deletion_orders(seed):
    rng = random.Random(seed)
    objs = build_world(rng)
    rng.shuffle(objs)
    while objs:
        victim = objs.pop(rng.randrange(len(objs)))
        if rng.random() < 0.3 and hasattr(victim, "close"):
            victim.close()
        del victim
        gc.collect()
        for o in objs:  # everything still referenced keeps working
            if isinstance(o, keel.Func) and not o.closed and o.param_count == 1:
                assert o(3) in (6, 7)
            elif isinstance(o, keel.MemoryView):
                assert len(o) == 65536
        o = None  # drop the loop variable's reference
    assert live() == 0


def test_reference_cycles_through_host_closures():
    engine = keel.Engine()
    store = keel.Store(engine)
    box = {}

    def cb(x: keel.i32) -> keel.i32:
        # the closure reaches the store, the instance and itself
        return box["inst"].exports.g.value + x + (0 if box["self"] else 1)

    f = keel.Func(store, cb)
    box["self"] = f
    box["store"] = store
    inst = keel.Instance(store, keel.Module(engine, WAT), [f])
    box["inst"] = inst
    inst.exports.g.value = 10
    assert inst.exports.f(1) == 12
    store_ref = weakref.ref(store)
    box["cycle"] = box
    del engine, store, f, inst, box, cb
    gc.collect()
    assert store_ref() is None
    assert live() == 0
    assert keel.debug_live_stores() == 0


def test_delete_from_other_thread_while_call_runs():
    engine = keel.Engine()
    store = keel.Store(engine)
    started = threading.Event()
    release = threading.Event()

    def cb(x: keel.i32) -> keel.i32:
        started.set()
        release.wait(10)
        return x

    inst = keel.Instance(store, keel.Module(engine, WAT), [cb])
    f = inst.exports.f
    result = []

    def worker(fn):
        result.append(fn(41))

    t = threading.Thread(target=worker, args=(f,))
    t.start()
    assert started.wait(10)
    # Drop and collect everything this thread holds while the call runs.
    f.close()  # explicit close while in use: released when the call ends
    del f, inst, store, engine
    gc.collect()
    release.set()
    t.join(10)
    assert result == [42]
    del t
    assert live() == 0


def test_finalizers_on_other_threads():
    """Objects released by another thread's gc while this one calls."""
    engine = keel.Engine()
    module = keel.Module(engine, WAT)
    stop = threading.Event()
    errors = []

    def churn():
        try:
            while not stop.is_set():
                s = keel.Store(engine)
                i = keel.Instance(s, module, [lambda x: x])
                i.exports.f(1)
                del s, i
                gc.collect()
        except Exception as e:  # pragma: no cover
            errors.append(e)

    t = threading.Thread(target=churn)
    t.start()
    s = keel.Store(engine)
    i = keel.Instance(s, module, [lambda x: x + 1])
    for n in range(300):
        assert i.exports.f(n) == n + 2
    stop.set()
    t.join(30)
    assert not errors
    del s, i, t, engine, module
    assert live() == 0


def test_gc_every_use_mode():
    _ffi.set_gc_every_use(True)
    try:
        for seed in range(2):
            objs = build_world(random.Random(100 + seed))
            for o in objs:
                if isinstance(o, keel.Func) and o.param_count == 1:
                    o(1)
            del objs, o
        store = keel.Store(keel.Engine())
        inst = instantiate(store, WAT, [keel.Func(store, lambda x: x, (["i32"], ["i32"]))])
        assert inst.exports.f(1) == 2
        del store, inst
    finally:
        _ffi.set_gc_every_use(False)
    assert live() == 0


def test_gc_every_use_env_var_runs_the_suite():
    """KEEL_PY_GC_EVERY_USE=1 (and the handle guard on): the host, vector and
    lifetime tests pass with a collection at every handle use."""
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(keel.__file__)))
    env = dict(os.environ, KEEL_PY_GC_EVERY_USE="1", KEEL_PY_DEBUG_GUARD="1",
               PYTHONPATH=os.pathsep.join([pkg_parent] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        os.path.join(HERE, "test_host.py"), os.path.join(HERE, "test_vectors.py"),
                        os.path.join(HERE, "test_lifetimes.py") + "::test_reference_cycles_through_host_closures",
                        os.path.join(HERE, "test_lifetimes.py") + "::test_delete_from_other_thread_while_call_runs",
                        os.path.join(HERE, "test_lifetimes.py")
                        + "::test_seeds_1_function_in_imported_table_outlives_its_instance"],
                       env=env, cwd=HERE, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    r = subprocess.run([sys.executable, "-c", "import keel, keel._ffi as f; print(f.gc_every_use(), keel.debug_guard())"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "True True"


def test_interpreter_shutdown_with_live_objects():
    code = """
import keel, threading
engine = keel.Engine()
store = keel.Store(engine)
box = []
def cb(x: keel.i32) -> keel.i32:
    return len(box) + x
inst = keel.Instance(store, keel.Module(engine, '''%s'''), [cb])
box.append(inst); box.append(box)
f = inst.exports.f; mem = inst.exports.memory; view = mem.view()
assert f(1) == 4
# a thread still inside wasm when the interpreter exits
t = threading.Thread(target=lambda: inst.exports.spin(200000000), daemon=True); t.start()
print("ok")
""" % WAT
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(keel.__file__)))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=pkg_parent))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"
    assert "Exception ignored" not in r.stderr and "Error" not in r.stderr, r.stderr


# ---------------------------------------------------------------- SEEDS.md 1

SEED_A = """
(module
  (table (export "tab") 2 funcref)
  (func (export "call") (param i32) (result i32) local.get 0 call_indirect (result i32)))
"""
SEED_B_TRAPS = """
(module
  (import "a" "tab" (table 2 funcref))
  (func $mine (result i32) i32.const 1234)
  (elem (i32.const 1) $mine)
  (func $start unreachable)
  (start $start))
"""
SEED_B_OK = SEED_B_TRAPS.replace("(start $start)", "")


@pytest.mark.parametrize("variant", ["start_traps", "handles_released"])
def test_seeds_1_function_in_imported_table_outlives_its_instance(variant):
    """SEEDS.md 1 (wazero): B writes its function into A's table, then traps in
    its start function (or has every handle released); A's call_indirect
    reaches B's code every time, while every handle is dropped and collected
    in several orders."""
    for order in range(4):
        engine = keel.Engine()
        store = keel.Store(engine)
        a = instantiate(store, SEED_A)
        linker = keel.Linker(engine)
        linker.define_instance("a", a)
        mod_b = keel.Module(engine, SEED_B_TRAPS if variant == "start_traps" else SEED_B_OK)
        if variant == "start_traps":
            with pytest.raises(keel.Trap) as ei:
                linker.instantiate(store, mod_b)
            assert ei.value.code == keel.TrapCode.UNREACHABLE
            del ei
        else:
            b = linker.instantiate(store, mod_b)
            b.close()
            del b
        call = a.exports.call
        tab = a.exports.tab
        held = [engine, store, a, linker, mod_b, tab]
        random.Random(order).shuffle(held)
        del engine, store, a, linker, mod_b, tab
        while held:
            held.pop()
            gc.collect()
            assert call(1) == 1234
        # only the function handle is left: the code stays callable
        for _ in range(50):
            assert call(1) == 1234
        assert keel.debug_live_handles("func") == 1
        del call
        assert live() == 0
        assert keel.debug_live_stores() == 0


def test_seeds_1_release_on_one_thread_while_another_runs():
    engine = keel.Engine()
    store = keel.Store(engine)
    inst = instantiate(store, WAT, [lambda x: x])
    spin = inst.exports.spin
    out = []
    t = threading.Thread(target=lambda fn: out.append(fn(30000000)), args=(spin,))
    t.start()
    time.sleep(0.05)
    del spin, inst, store, engine
    gc.collect()
    t.join(60)
    assert out == [30000000]
    del t
    assert live() == 0
