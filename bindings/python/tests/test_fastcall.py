"""The fast call path for number-only signatures (_fast_class in keel/_func.py, the C
accelerator src/keel_accel.c): it must behave exactly like the general path."""
import math
import threading

import pytest

import keel

WAT = """
(module
  (import "h" "again" (func $again (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "mix") (param i32 i64 f32 f64) (result f64 i64 f32 i32)
    local.get 3 local.get 1 local.get 2 local.get 0)
  (func (export "none"))
  (func (export "one64") (param i64) (result i64) local.get 0)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call $again (i32.sub (local.get 0) (i32.const 1)))))))
"""


@pytest.fixture
def inst(store):
    box = {}

    def again(n: keel.i32) -> keel.i32:
        return box["rec"](n) + 1  # re-enters the SAME Func while its buffer is in use

    i = keel.Instance(store, keel.Module(store.engine, WAT), [again])
    box["rec"] = i.exports.rec
    yield i
    box.clear()


def test_values_and_arity(inst):
    add, mix = inst.exports.add, inst.exports.mix
    for _ in range(3):  # first call loads the signature, later ones are fast
        assert add(2, 3) == 5
        assert add(0xFFFFFFFF, 1) == 0  # unsigned accepted and wrapped
        assert add(-2**31, -1) == 2**31 - 1
        r = mix(7, -2**63, 1.5, math.pi)
        assert r == (math.pi, -2**63, 1.5, 7)
        assert inst.exports.none() is None
        assert inst.exports.one64(2**64 - 1) == -1
    assert type(add).__name__ == "Func" and isinstance(add, keel.Func)
    with pytest.raises(TypeError, match="expects 2 arguments"):
        add(1)
    with pytest.raises(TypeError, match="argument 2"):
        add(1, "x")
    with pytest.raises(OverflowError):
        add(1, 2**40)
    assert add(1, 2) == 3  # the buffer went back after the errors


def test_trap_and_reentrancy(inst):
    div = inst.exports.div
    assert div(7, 2) == 3
    with pytest.raises(keel.Trap) as ei:
        div(1, 0)
    assert ei.value.code == keel.TrapCode.INTEGER_DIVIDE_BY_ZERO
    assert div(9, 3) == 3
    assert inst.exports.rec(5) == 5  # rec -> host -> rec ... nested in the same Func
    assert inst.exports.rec(5) == 5


def test_threads_share_a_func(inst):
    add = inst.exports.add
    errors = []

    def work(k):
        try:
            for i in range(2000):
                if add(i, k) != i + k:
                    errors.append((i, k))
        except BaseException as e:  # noqa: B902
            errors.append(e)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


def test_closed_func(inst):
    add = inst.exports.add
    assert add(1, 1) == 2
    add.close()
    with pytest.raises(ValueError, match="closed"):
        add(1, 1)


def test_host_func_fast_path(store):
    def twice(x: keel.f64) -> keel.f64:
        return 2 * x

    f = keel.Func(store, twice)
    assert f(1.25) == 2.5
    assert f(3) == 6.0  # an int for an f64
    assert f(2.0, timeout=5) == 4.0


def test_host_trampoline_results(store):
    """Number-only host functions take the C trampoline; unusual
    results still go through the general writers."""
    module = keel.Module(store.engine, """
      (module
        (import "h" "u" (func $u (result i32)))
        (import "h" "bad" (func $bad (result i32)))
        (import "h" "two" (func $two (param i64) (result i64 f32)))
        (import "h" "void" (func $void (param f64)))
        (import "h" "chatty" (func $chatty))
        (func (export "u") (result i32) call $u)
        (func (export "bad") (result i32) call $bad)
        (func (export "two") (param i64) (result i64 f32) local.get 0 call $two)
        (func (export "void") (param f64) local.get 0 call $void)
        (func (export "chatty") call $chatty))""")
    seen = []

    def u() -> keel.i32:
        return 0xFFFFFFFF  # unsigned: wrapped by the general writer

    def bad() -> keel.i32:
        return "nope"

    def two(x: keel.i64) -> tuple[keel.i64, keel.f32]:
        return x * 2, 0.5

    def void(x: keel.f64) -> None:
        seen.append(x)

    def chatty() -> None:
        return 1  # declared no results

    inst = keel.Instance(store, module, [u, bad, two, void, chatty])
    for _ in range(2):
        assert inst.exports.u() == -1
        assert inst.exports.two(21) == (42, 0.5)
        assert inst.exports.void(1.5) is None
        with pytest.raises(TypeError):
            inst.exports.bad()
        with pytest.raises(TypeError, match="no results"):
            inst.exports.chatty()
    assert seen == [1.5, 1.5]
