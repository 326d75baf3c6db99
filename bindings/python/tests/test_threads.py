"""Threads: the GIL is released while wasm runs, one store shared by several
threads (the ABI serialises them), separate stores in parallel, interrupt."""
import threading
import time

import pytest

import keel
from conftest import instantiate

SPIN = """
(module
  (func (export "spin") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    local.get 1)
  (func (export "forever") (loop $l (br $l)))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
"""


def test_gil_released_while_wasm_runs(store):
    ex = instantiate(store, SPIN).exports
    n = 1
    while True:  # find a spin count that takes at least ~0.2 s
        t0 = time.perf_counter()
        ex.spin(n)
        if time.perf_counter() - t0 > 0.2 or n >= 1 << 30:
            break
        n *= 4
    ticks = [0]
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks[0] += 1

    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.01)
    before = ticks[0]
    ex.spin(n)
    during = ticks[0] - before
    done.set()
    t.join()
    # With the GIL held by the C call the counter could not move at all.
    assert during > 1000, during


def test_many_threads_one_store(store):
    ex = instantiate(store, SPIN).exports
    errors = []

    def work(k):
        try:
            for i in range(300):
                assert ex.add(i, k) == i + k
                assert ex.spin(100) == 100
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors


def test_separate_stores_in_parallel(engine):
    module = keel.Module(engine, SPIN)
    results = []

    def work():
        s = keel.Store(engine)
        i = keel.Instance(s, module)
        results.append(i.exports.spin(2_000_000))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [2_000_000, 2_000_000]


def test_interrupt_from_another_thread(store):
    ex = instantiate(store, SPIN).exports
    out = []

    def run():
        try:
            ex.forever()
        except keel.Trap as e:
            out.append(e)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.1)
    store.interrupt()
    t.join(10)
    assert not t.is_alive()
    assert out and out[0].code == keel.TrapCode.INTERRUPTED
    assert ex.add(1, 2) == 3  # the store stays usable


def test_try_call_busy(store):
    ex = instantiate(store, SPIN).exports
    entered = threading.Event()
    leave = threading.Event()

    def cb() -> None:
        entered.set()
        leave.wait(10)

    hold = keel.Func(store, cb)
    t = threading.Thread(target=hold)
    t.start()
    assert entered.wait(10)
    try:
        with pytest.raises(keel.BusyError):
            ex.add.try_call(1, 2)
    finally:
        leave.set()
        t.join(10)
    assert ex.add.try_call(1, 2) == 3
