"""Host functions: exceptions come back out as the same object, callers, reentry."""
import pytest

import keel
from conftest import instantiate

NEST = """
(module
  (import "host" "cb" (func $cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "hello")
  (func $inner (export "inner") (param i32) (result i32) local.get 0 call $cb)
  (func (export "outer") (param i32) (result i32) local.get 0 call $inner i32.const 1 i32.add))
"""


class MyError(Exception):
    pass


def test_exception_is_the_same_object(store):
    raised = []

    def cb(x: keel.i32) -> keel.i32:
        e = MyError("boom %d" % x)
        raised.append(e)
        raise e

    inst = instantiate(store, NEST, [keel.Func(store, cb)])
    with pytest.raises(MyError) as ei:
        inst.exports.outer(3)
    assert ei.value is raised[0]
    notes = getattr(ei.value, "__notes__", [])
    assert len(notes) == 1 and "host function called from wasm" in notes[0]
    # the store stays usable, and no exception is left behind
    from keel import _errors
    assert not _errors._pending


def test_exception_through_nested_wasm_and_host(store):
    """host -> wasm -> host raising: the innermost exception reaches the outer caller."""
    holder = {}
    inner_exc = KeyError("deep")

    def cb(x: keel.i32) -> keel.i32:
        if x == 0:
            raise inner_exc
        return holder["inst"].exports.outer(x - 1)

    inst = instantiate(store, NEST, [keel.Func(store, cb)])
    holder["inst"] = inst
    with pytest.raises(KeyError) as ei:
        inst.exports.outer(3)
    assert ei.value is inner_exc
    holder.clear()


def test_host_trap_and_exit(store):
    def cb(x: keel.i32) -> keel.i32:
        if x == 1:
            raise keel.Trap("host trap")
        if x == 2:
            raise keel.Exit(7)
        return x

    inst = instantiate(store, NEST, [keel.Func(store, cb)])
    with pytest.raises(keel.Trap, match="host trap"):
        inst.exports.outer(1)
    with pytest.raises(keel.Exit) as ei:
        inst.exports.outer(2)
    assert ei.value.code == 7
    assert inst.exports.outer(5) == 6


def test_keyboard_interrupt_and_base_exceptions(store):
    def cb(x: keel.i32) -> keel.i32:
        raise SystemExit(3)

    inst = instantiate(store, NEST, [keel.Func(store, cb)])
    with pytest.raises(SystemExit):
        inst.exports.outer(0)


def test_caller_memory(store):
    seen = []

    def cb(caller: keel.Caller, ptr: keel.i32) -> keel.i32:
        mem = caller.export("memory")
        seen.append(mem.read(ptr, 5))
        assert caller.get("nope") is None
        seen.append(caller)
        return len(seen)

    inst = instantiate(store, NEST, [keel.Func(store, cb, caller=True)])
    assert inst.exports.outer(8) == 3
    assert seen[0] == b"hello"
    with pytest.raises(ValueError, match="only valid inside"):
        seen[1].export("memory")


def test_host_reentry_same_store(store):
    def cb(x: keel.i32) -> keel.i32:
        return inst.exports.inner(x - 1) + 1 if x > 0 else 100

    inst = instantiate(store, NEST, [keel.Func(store, cb)])
    assert inst.exports.outer(5) == 106
    del inst


def test_host_func_returns_refs(store):
    wat = """(module (import "h" "mk" (func $mk (result externref funcref)))
      (func (export "f") (result externref funcref) call $mk))"""
    target = keel.Func(store, lambda: 5, ([], ["i32"]))
    obj = object()
    inst = instantiate(store, wat, [keel.Func(store, lambda: (obj, target), ([], ["externref", "funcref"]))])
    for _ in range(3):
        o, f = inst.exports.f()
        assert o is obj and f() == 5


def test_exception_not_leaked_when_error_dropped(store):
    """A host error freed inside the engine (e.g. store teardown) drops its exception."""
    from keel import _errors
    inst = instantiate(store, NEST, [keel.Func(store, lambda x: 1 // 0, (["i32"], ["i32"]))])
    for _ in range(5):
        with pytest.raises(ZeroDivisionError):
            inst.exports.outer(1)
    assert not _errors._pending


def test_exception_from_start_function_host_call(store):
    """A host function called by the start function: Instance() raises the same object."""
    wat = '(module (import "h" "f" (func $f)) (func $s call $f) (start $s))'
    exc = RuntimeError("from start")

    def f() -> None:
        raise exc

    with pytest.raises(RuntimeError) as ei:
        instantiate(store, wat, [keel.Func(store, f)])
    assert ei.value is exc


def test_exception_from_other_thread_stays_in_that_thread(engine):
    """Exceptions are kept per call: two threads raising in host functions of
    separate stores each get their own object back."""
    import threading
    wat = '(module (import "h" "f" (func $f (param i32))) (func (export "g") (param i32) local.get 0 call $f))'
    results = {}

    def run(k):
        store = keel.Store(engine)

        def f(x: keel.i32) -> None:
            raise ValueError(x)

        inst = instantiate(store, wat, [keel.Func(store, f)])
        for i in range(200):
            try:
                inst.exports.g(k * 1000 + i)
            except ValueError as e:
                assert e.args[0] == k * 1000 + i
        results[k] = True

    ts = [threading.Thread(target=run, args=(k,)) for k in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert results == {0: True, 1: True, 2: True}
