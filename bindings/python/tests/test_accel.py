"""The C accelerator (src/keel_accel.c, keel._accel): the fast call of
number-only signatures and the C trampoline of number-only host functions
must behave exactly like the general paths (Func.__call__ in Python, and the
CFFI callback that a host function taking a keel.Caller still uses)."""
import enum
import gc
import math
import struct
import threading

import pytest

import keel
from keel import _errors, _ffi

GENERAL = keel.Func.__call__  # the general path, which the fast call falls back to

WAT = """
(module
  (func (export "i32") (param i32) (result i32) local.get 0)
  (func (export "i64") (param i64) (result i64) local.get 0)
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "mix") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    local.get 3 local.get 2 local.get 1 local.get 0)
  (func (export "none"))
  (func (export "many") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32
                              i32 i32 i32 i32 i32 i32 i32 i32 i32 i64) (result i64)
    (local $i i32) (local $s i64)
    local.get 19 local.set $s
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_s (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 19))))
    local.get $s)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s))
"""


class Color(enum.IntEnum):
    RED = 3


class MyFloat(float):
    pass


VALUES = [0, 1, -1, True, False, 2**31 - 1, 2**31, 2**32 - 1, 2**32, -2**31, -2**31 - 1,
          2**63 - 1, 2**63, 2**64 - 1, 2**64, -2**63, -2**63 - 1, 2**1000, -2**1000, Color.RED,
          0.5, -0.0, 0.1, math.nan, math.inf, -math.inf, 1e300, 3.4028235e38, 1e-50, MyFloat(2.5),
          "1", None, b"\x01", [1], keel.Val.i32(5), keel.Val.i64(-5), keel.Val.f32_bits(0x7fa00000),
          keel.Val.f64(1.5)]


def norm(v):
    """A comparable form of a result (floats by their bits: NaN, -0.0)."""
    if isinstance(v, float):
        return ("f", struct.pack("<d", v))
    if isinstance(v, tuple):
        return tuple(norm(x) for x in v)
    return (type(v).__name__, v)


def outcome(fn, *args, **kw):
    try:
        return ("ok", norm(fn(*args, **kw)))
    except Exception as e:  # noqa: BLE001 - the outcome is compared
        return ("err", type(e), str(e))


@pytest.fixture
def inst(store):
    i = keel.Instance(store, keel.Module(store.engine, WAT), [])
    for name in ("i32", "i64", "f32", "f64", "mix", "none", "many", "div"):
        f = i.exports[name]
        f  # noqa: B018
    yield i


def fast(f):
    """f, after checking that its signature is known and the C call serves it."""
    f.type  # loads the signature: the Func switches to its fast class
    assert type(type(f).__dict__["__call__"]).__name__ == "FuncCall"
    return f


def test_fast_class_is_used(inst):
    f = inst.exports.i32
    assert f(1) == 1
    fast(f)
    assert isinstance(f, keel.Func) and type(f).__name__ == "Func"
    assert f.__call__(4) == 4 and type(f).__call__(f, 5) == 5  # bound and unbound forms


@pytest.mark.parametrize("name", ["i32", "i64", "f32", "f64"])
def test_argument_conversion_matches_general_path(inst, name):
    f = fast(inst.exports[name])
    for v in VALUES:
        a, b = outcome(f, v), outcome(GENERAL, f, v)
        assert a == b, (name, v, a, b)


def test_conversion_rules(inst):
    e = inst.exports
    i32, i64, f32, f64 = (fast(e[n]) for n in ("i32", "i64", "f32", "f64"))
    assert i32(True) == 1 and i64(False) == 0      # bool is an int for i32/i64
    assert i32(2**32 - 1) == -1 and i32(2**31) == -2**31   # unsigned accepted, wrapped
    assert i64(2**64 - 1) == -1 and i64(2**63) == -2**63
    assert i32(Color.RED) == 3
    for bad in (2**32, -2**31 - 1):
        with pytest.raises(OverflowError, match="argument 1 of i32"):
            i32(bad)
    for bad in (2**64, -2**63 - 1):
        with pytest.raises(OverflowError, match="argument 1 of i64"):
            i64(bad)
    with pytest.raises(TypeError, match="argument 1 of f64"):
        f64(True)                                   # bool is not a float
    with pytest.raises(TypeError, match="argument 1 of i32"):
        i32(1.0)
    with pytest.raises(OverflowError):
        f64(2**1024)
    assert f32(0.1) == struct.unpack("<f", struct.pack("<f", 0.1))[0]
    assert math.isnan(f32(math.nan)) and math.isnan(f64(math.nan))
    assert math.copysign(1, f64(-0.0)) == -1 and f32(1e300) == math.inf
    assert f64(7) == 7.0 and type(f64(7)) is float
    assert i32(keel.Val.i32(9)) == 9                # keel.Val goes to the general path


def test_counts_keywords_and_results(inst):
    e = inst.exports
    mix, none, many = fast(e.mix), fast(e.none), fast(e.many)
    assert mix(7, -2**63, 1.5, math.pi) == (math.pi, 1.5, -2**63, 7)
    assert none() is None
    assert many(*range(19), 10**12) == 10**12 + sum(range(19))   # more slots than the stack buffer
    for args in [(), (1, 2, 3), (1, 2, 3, 4, 5)]:
        assert outcome(mix, *args) == outcome(GENERAL, mix, *args)
        assert outcome(mix, *args)[1] is TypeError
    assert outcome(none, 1) == outcome(GENERAL, none, 1)
    assert mix(1, 2, 3.0, 4.0, timeout=5) == (4.0, 3.0, 2, 1)
    assert outcome(mix, 1, 2, 3.0, 4.0, bogus=1) == outcome(GENERAL, mix, 1, 2, 3.0, 4.0, bogus=1)


def test_traps_and_closed(inst):
    div = fast(inst.exports.div)
    with pytest.raises(keel.Trap) as ei:
        div(1, 0)
    assert ei.value.code == keel.TrapCode.INTEGER_DIVIDE_BY_ZERO and ei.value.frames
    assert div(9, 3) == 3
    div.close()
    with pytest.raises(ValueError, match="closed"):
        div(9, 3)


HOST_WAT = """
(module
  (import "h" "i32" (func $i32 (param i32) (result i32)))
  (import "h" "i64" (func $i64 (param i64) (result i64)))
  (import "h" "f32" (func $f32 (param f32) (result f32)))
  (import "h" "f64" (func $f64 (param f64) (result f64)))
  (import "h" "two" (func $two (param i64 f64) (result i64 f32)))
  (import "h" "void" (func $void (param i32)))
  (func (export "i32") (param i32) (result i32) local.get 0 call $i32)
  (func (export "i64") (param i64) (result i64) local.get 0 call $i64)
  (func (export "f32") (param f32) (result f32) local.get 0 call $f32)
  (func (export "f64") (param f64) (result f64) local.get 0 call $f64)
  (func (export "two") (param i64 f64) (result i64 f32) local.get 0 local.get 1 call $two)
  (func (export "void") (param i32) local.get 0 call $void))
"""

RESULTS = VALUES + [(1, 2.0), [3, 4.0], (1,), (1, 2.0, 3), (True, 1), (2**64 - 1, 0.5), ("x", 1.0)]


def host_pair(store, box, caller):
    """Host functions returning box["r"] (recording their arguments in box["a"]):
    without a caller they take the C trampoline, with one the CFFI callback."""
    def make(ann_p, ann_r, nparams=1):
        if nparams == 1:
            def fn(x):
                box["a"] = x
                r = box["r"]
                if isinstance(r, BaseException):
                    raise r
                return r
        else:
            def fn(x, y):
                box["a"] = (x, y)
                r = box["r"]
                if isinstance(r, BaseException):
                    raise r
                return r
        def with_caller(c, *a):
            return fn(*a)

        with_caller.__name__ = "fn"  # the same name in error messages
        params = [ann_p] * nparams if isinstance(ann_p, str) else list(ann_p)
        return keel.Func(store, with_caller if caller else fn, keel.FuncType(params, ann_r), caller=caller)

    funcs = [make("i32", ["i32"]), make("i64", ["i64"]), make("f32", ["f32"]), make("f64", ["f64"]),
             make(["i64", "f64"], ["i64", "f32"], 2), make("i32", [])]
    return keel.Instance(store, keel.Module(store.engine, HOST_WAT), funcs)


def test_host_results_match_cffi_callback(store):
    box = {}
    c_inst, py_inst = host_pair(store, box, False), host_pair(store, box, True)
    for name, arg in (("i32", -5), ("i64", 2**63), ("f32", 0.1), ("f64", -0.0), ("void", 7)):
        for r in RESULTS:
            box["r"] = r
            a = outcome(c_inst.exports[name], arg)
            seen_c = norm(box.pop("a"))
            b = outcome(py_inst.exports[name], arg)
            seen_py = norm(box.pop("a"))
            assert a == b, (name, r, a, b)
            assert seen_c == seen_py
    for r in RESULTS:
        box["r"] = r
        a, b = outcome(c_inst.exports.two, -1, 2.5), outcome(py_inst.exports.two, -1, 2.5)
        assert a == b, (r, a, b)
    box["r"] = (2**64 - 1, 0.5)
    assert c_inst.exports.two(0, 0.0) == (-1, 0.5)
    box["r"] = [7, keel.Val.f32_bits(0x3f800000)]
    assert c_inst.exports.two(0, 0.0) == (7, 1.0)
    box.clear()


def test_host_result_errors(store):
    box = {}
    inst = host_pair(store, box, False)
    box["r"] = "nope"
    with pytest.raises(TypeError, match="i32"):
        inst.exports.i32(1)
    box["r"] = 2**32
    with pytest.raises(OverflowError, match="does not fit in i32"):
        inst.exports.i32(1)
    box["r"] = 1
    with pytest.raises(TypeError, match="no results"):
        inst.exports.void(1)
    box["r"] = (1,)
    with pytest.raises(TypeError, match="tuple of 2 values"):
        inst.exports.two(1, 1.0)
    box["r"] = True
    with pytest.raises(TypeError):
        inst.exports.f64(1.0)
    box["r"] = 2**32 - 1
    assert inst.exports.i32(1) == -1
    assert not _errors._pending
    box.clear()


class Boom(Exception):
    pass


@pytest.mark.parametrize("caller", [False, True])
def test_host_exceptions_same_object(store, caller):
    box = {}
    inst = host_pair(store, box, caller)
    for exc in (Boom("x"), KeyError("k"), SystemExit(4), KeyboardInterrupt()):
        box["r"] = exc
        with pytest.raises(type(exc)) as ei:
            inst.exports.f64(1.0)
        assert ei.value is exc
        assert any("host function called from wasm" in n for n in getattr(exc, "__notes__", []))
    box["r"] = keel.Trap("host says no")
    with pytest.raises(keel.Trap, match="host says no"):
        inst.exports.i32(1)
    box["r"] = keel.Exit(9)
    with pytest.raises(keel.Exit) as ei:
        inst.exports.i64(1)
    assert ei.value.code == 9
    box["r"] = 5
    assert inst.exports.i32(1) == 5   # the store stays usable
    assert not _errors._pending
    box.clear()


def test_direct_call_of_host_function(store):
    def twice(x: keel.f64) -> keel.f64:
        return 2 * x

    f = fast(keel.Func(store, twice))
    assert f(1.25) == 2.5 and f(3) == 6.0 and f(2.0, timeout=5) == 4.0
    with pytest.raises(TypeError):
        f("x")


REC_WAT = """
(module
  (import "h" "again" (func $again (param i32) (result i32)))
  (func (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (call $again (i32.sub (local.get 0) (i32.const 1))) (i32.const 1))))))
"""


def test_recursion_wasm_host_wasm(store):
    box = {}

    def again(n: keel.i32) -> keel.i32:
        if n == 3 and box.get("raise"):
            raise Boom("deep")
        return box["rec"](n)          # the same Func, re-entered from its own host function

    inst = keel.Instance(store, keel.Module(store.engine, REC_WAT), [again])
    box["rec"] = fast(inst.exports.rec)
    assert inst.exports.rec(60) == 60
    box["raise"] = True
    with pytest.raises(Boom, match="deep"):
        inst.exports.rec(10)
    box["raise"] = False
    assert inst.exports.rec(5) == 5
    box.clear()


def test_close_during_own_call(store):
    box = {}

    def cb(x: keel.i32) -> keel.i32:
        box["f"].close()              # the running call holds its own reference
        gc.collect()
        return x + 1

    inst = keel.Instance(store, keel.Module(store.engine, REC_WAT), [cb])
    f = box["f"] = inst.exports.rec
    fast(f)
    assert f(1) == 2                  # rec(1) = cb(0) + 1
    with pytest.raises(ValueError, match="closed"):
        f(1)
    box.clear()


def test_threads(engine):
    """Threads on one store (serialised by the ABI) and on separate stores."""
    errors = []

    def make(store):
        def nop(x: keel.i32) -> keel.i32:
            return x + 1
        return keel.Instance(store, keel.Module(engine, REC_WAT), [nop])

    shared = keel.Store(engine)
    shared_inst = make(shared)

    def work(k, inst):
        try:
            rec = inst.exports.rec
            for i in range(1500):
                n = (i + k) % 7
                if rec(n) != (n + 1 if n else 0):  # rec(n) = nop(n - 1) + 1
                    errors.append((k, i))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    own = [keel.Store(engine) for _ in range(2)]
    ts = [threading.Thread(target=work, args=(k, shared_inst)) for k in range(3)]
    ts += [threading.Thread(target=work, args=(k, make(s))) for k, s in enumerate(own)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


def test_gc_every_use_mode(store):
    box = {}
    inst = host_pair(store, box, False)
    _ffi.set_gc_every_use(True)
    try:
        for r, arg in ((3, 1), (4, 2)):
            box["r"] = r
            assert fast(inst.exports.i32)(arg) == r
        with pytest.raises(ValueError, match="closed"):
            f = inst.exports.i64
            f.close()
            f(1)
    finally:
        _ffi.set_gc_every_use(False)
    box.clear()


@pytest.mark.parametrize("caller", [False, True])
def test_collected_host_state_traps(store, caller):
    """A host function whose Python state is gone traps; a new host function
    that reuses its table entry is never called through the old env."""
    def h(*a):
        return a[-1]

    hf = keel.Func(store, h, keel.FuncType(["i32"], ["i32"]), caller=caller)
    inst = keel.Instance(store, keel.Module(store.engine, REC_WAT), [hf])
    f = inst.exports.rec
    assert f(2) == 2
    del hf
    inst._keep = []          # drop every Python reference to the host state
    store._hosts.clear()
    gc.collect()

    def other(x: keel.i32) -> keel.i32:
        raise AssertionError("called through a stale env")

    g = keel.Func(store, other)
    with pytest.raises(keel.Trap, match="garbage-collected"):
        f(2)
    assert f(0) == 0
    g.close()
