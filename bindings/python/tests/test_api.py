"""Engine, Module, Store, Instance, Func: the Pythonic API and bad input for every entry point."""
import math

import pytest

import keel
from conftest import instantiate

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'

KITCHEN = """
(module $kitchen
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "mem" (memory 1 2))
  (import "env" "g" (global $g (mut i64)))
  (import "env" "t" (table 2 funcref))
  (func (export "id64") (param i64) (result i64) local.get 0)
  (func (export "idf32") (param f32) (result f32) local.get 0)
  (func (export "idf64") (param f64) (result f64) local.get 0)
  (func (export "multi") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    local.get 3 local.get 2 local.get 1 local.get 0)
  (func (export "nothing"))
  (func (export "callf") (param i32) (result i32) local.get 0 call $f)
  (func (export "ext") (param externref) (result externref) local.get 0)
  (func (export "fref") (param funcref) (result funcref) local.get 0)
  (func (export "getg") (result i64) global.get $g)
  (global (export "c") f64 (f64.const 2.5))
  (memory (export "own") 1)
  (table (export "tab") 3 funcref)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $deep (export "deep") (param i32) (result i32) local.get 0 call $deep))
"""


def test_abi_version():
    major, minor = keel.abi_version()
    assert major == keel.ABI_MAJOR and minor >= keel.ABI_MINOR
    assert keel.version().count(".") == 2


def test_abi_mismatch_is_refused_with_a_clear_message():
    keel.check_abi_version((1 << 16) | 0, 1, 0)
    with pytest.raises(ImportError, match="ABI 2.0 but this binding was built for ABI 1.0"):
        keel.check_abi_version(2 << 16, 1, 0)
    with pytest.raises(ImportError, match="minor"):
        keel.check_abi_version((1 << 16) | 0, 1, 3)


def test_add_and_exports(store):
    inst = instantiate(store, ADD)
    assert inst.exports.add(2, 3) == 5
    assert inst.exports["add"](-1, 1) == 0
    assert inst["add"](0xFFFFFFFF, 1) == 0
    assert list(inst.exports) == ["add"] and len(inst.exports) == 1 and "add" in inst.exports
    assert inst.exports.add.type == keel.FuncType((keel.i32, keel.i32), (keel.i32,))
    with pytest.raises(AttributeError, match="no export 'nope'"):
        inst.exports.nope
    with pytest.raises(KeyError, match="unknown export"):
        inst.exports["nope"]


def test_module_imports_exports_types(engine):
    m = keel.Module(engine, KITCHEN)
    imps = m.imports
    assert [(i.module, i.name) for i in imps] == [("env", "f"), ("env", "mem"), ("env", "g"), ("env", "t")]
    assert imps[0].type == keel.FuncType((keel.i32,), (keel.i32,))
    assert imps[1].type == keel.MemoryType(1, 2)
    assert imps[2].type == keel.GlobalType(keel.i64, True)
    assert isinstance(imps[3].type, keel.TableType) and imps[3].type.element == keel.funcref
    ex = {e.name: e.type for e in m.exports}
    assert ex["multi"] == keel.FuncType.of(["i32", "i64", "f32", "f64"], ["f64", "f32", "i64", "i32"])
    assert ex["c"] == keel.GlobalType(keel.f64, False)
    assert ex["own"].min == 1 and ex["own"].max is None
    assert m.name in (None, "kitchen")


def kitchen(store):
    m = keel.Module(store.engine, KITCHEN)
    mem = keel.Memory(store, keel.MemoryType(1, 2))
    g = keel.Global(store, keel.GlobalType(keel.i64, True), -5)
    t = keel.Table(store, keel.TableType(keel.funcref, 2))
    return keel.Instance(store, m, [lambda x: x * 2, mem, g, t])


def test_conversions_and_multi_value(store):
    ex = kitchen(store).exports
    assert ex.id64(-(1 << 63)) == -(1 << 63)
    assert ex.id64((1 << 64) - 1) == -1
    assert ex.idf64(1.5) == 1.5 and ex.idf64(3) == 3.0
    assert ex.idf32(0.1) == pytest.approx(0.1, rel=1e-6)
    assert math.isinf(ex.idf64(float("inf")))
    assert ex.multi(1, 2, 3.0, 4.0) == (4.0, 3.0, 2, 1)
    assert ex.nothing() is None
    assert ex.callf(21) == 42
    assert ex.getg() == -5
    assert ex.c.value == 2.5
    obj = {"any": "python object"}
    assert ex.ext(obj) is obj
    assert ex.ext(None) is None
    assert ex.fref(None) is None
    f = ex.fref(ex.id64)
    assert isinstance(f, keel.Func) and f(7) == 7
    exact = ex.multi.call_exact(keel.Val.i32(-1), 0, keel.Val.f32_bits(0x7FA00000), keel.Val.f64_bits(0x7FF0000000000004))
    assert exact[0].bits == 0x7FF0000000000004 and exact[1].bits == 0x7FA00000 and exact[3].value == -1


def test_call_type_errors(store):
    ex = kitchen(store).exports
    with pytest.raises(TypeError, match="expects 1 argument"):
        ex.id64()
    with pytest.raises(TypeError, match="expects 1 argument"):
        ex.id64(1, 2)
    with pytest.raises(TypeError, match="argument 1 of id64: expected an int for an i64"):
        ex.id64("1")
    with pytest.raises(TypeError, match="expected an int"):
        ex.id64(1.5)
    with pytest.raises(OverflowError, match="does not fit in i64"):
        ex.id64(1 << 64)
    with pytest.raises(OverflowError):
        ex.callf(-(1 << 31) - 1)
    with pytest.raises(TypeError, match="expected a float"):
        ex.idf64("x")
    with pytest.raises(TypeError, match="expected a keel.Func or None"):
        ex.fref(lambda: 0)
    with pytest.raises(TypeError, match="expected a float"):
        ex.idf64(None)
    with pytest.raises(TypeError, match="kind"):
        ex.idf64(keel.Val.i32(1))
    assert ex.id64(5) == 5  # still usable


def test_traps(store):
    ex = kitchen(store).exports
    with pytest.raises(keel.Trap) as ei:
        ex.div(1, 0)
    t = ei.value
    assert t.code == keel.TrapCode.INTEGER_DIVIDE_BY_ZERO
    assert "integer divide by zero" in t.message
    assert isinstance(t, keel.Error)
    assert t.frames and isinstance(t.frames[0], keel.Frame)
    with pytest.raises(keel.Trap) as ei:
        ex.deep(0)
    assert ei.value.code == keel.TrapCode.STACK_EXHAUSTED
    assert ex.div(7, 2) == 3


def test_module_errors(engine):
    with pytest.raises(keel.MalformedError) as ei:
        keel.Module(engine, b"\0asm\x01\0\0\0\x01")
    assert ei.value.offset is not None
    with pytest.raises(keel.MalformedError):
        keel.Module(engine, b"\0asm\x02\0\0\0")
    with pytest.raises(keel.MalformedError):
        keel.Module(engine, b"")
    with pytest.raises(keel.MalformedError):
        keel.Module(engine, "(module (func (export \"f\") i32.bogus))")
    with pytest.raises(keel.ValidationError):
        keel.Module(engine, "(module (func (result i32) i64.const 1))")
    with pytest.raises(TypeError, match="expected bytes"):
        keel.Module(engine, 42)
    with pytest.raises(TypeError, match="expected a keel.Engine"):
        keel.Module(None, b"\0asm\x01\0\0\0")
    with pytest.raises(TypeError):
        keel.Engine("not a config")
    with pytest.raises(TypeError):
        keel.Store(object())


def test_validate_and_wat2wasm(engine):
    wasm = keel.wat2wasm(ADD)
    assert wasm[:4] == b"\0asm"
    keel.Module.validate(engine, wasm)
    keel.Module.validate(engine, ADD)
    with pytest.raises(keel.ValidationError):
        keel.Module.validate(engine, "(module (func (result i32)))")
    with pytest.raises(keel.MalformedError):
        keel.Module.validate(engine, b"garbage")
    with pytest.raises(keel.MalformedError):
        keel.wat2wasm("(module")
    m = keel.Module(engine, wasm)
    assert [e.name for e in m.exports] == ["add"]


def test_from_file(engine, tmp_path):
    p = tmp_path / "add.wat"
    p.write_text(ADD)
    assert keel.Module.from_file(engine, p).exports[0].name == "add"
    w = tmp_path / "add.wasm"
    w.write_bytes(keel.wat2wasm(ADD))
    assert keel.Module.from_file(engine, str(w)).exports[0].name == "add"
    with pytest.raises(OSError):
        keel.Module.from_file(engine, tmp_path / "missing.wasm")


def test_instance_errors(store):
    m = keel.Module(store.engine, KITCHEN)
    with pytest.raises(TypeError, match="4 imports"):
        keel.Instance(store, m, [])
    with pytest.raises(TypeError, match="expected a keel.Func, Memory"):
        keel.Instance(store, m, [1, 2, 3, 4])
    with pytest.raises(TypeError, match="expected a keel.Module"):
        keel.Instance(store, "module")
    mem = keel.Memory(store, keel.MemoryType(1))
    with pytest.raises(keel.LinkError, match="incompatible import type"):
        keel.Instance(store, m, [mem, mem, mem, mem])


def test_linker(store):
    engine = store.engine
    linker = keel.Linker(engine)
    linker.define_func(store, "env", "f", lambda x: x + 1, keel.FuncType.of(["i32"], ["i32"]))
    linker.define("env", "mem", keel.Memory(store, keel.MemoryType(1, 2)))
    linker.define("env", "g", keel.Global(store, keel.GlobalType(keel.i64, True), 9))
    linker.define("env", "t", keel.Table(store, keel.TableType(keel.funcref, 2)))
    inst = linker.instantiate(store, keel.Module(engine, KITCHEN))
    assert inst.exports.callf(1) == 2 and inst.exports.getg() == 9
    assert linker.get("env", "f") is not None and linker.get("env", "zzz") is None
    with pytest.raises(keel.InvalidArgumentError):
        linker.define("env", "f", inst.exports.id64)
    linker.allow_shadowing(True)
    linker.define("env", "f", keel.Func(store, lambda x: x + 100, (["i32"], ["i32"])))
    assert linker.instantiate(store, keel.Module(engine, KITCHEN)).exports.callf(1) == 101
    linker.define_instance("kitchen", inst)
    assert linker.get("kitchen", "id64") is not None
    with pytest.raises(keel.LinkError, match="unknown import"):
        keel.Linker(engine).instantiate(store, keel.Module(engine, KITCHEN))
    with pytest.raises(TypeError):
        linker.define(1, "x", inst.exports.id64)
    with pytest.raises(TypeError):
        linker.define("a", "x", 5)


def test_store_mismatch(engine):
    s1, s2 = keel.Store(engine), keel.Store(engine)
    i1 = instantiate(s1, KITCHEN.replace("(import \"env\" \"f\" (func $f (param i32) (result i32)))",
                                         "(func $f (param i32) (result i32) local.get 0)")
                     .replace('(import "env" "mem" (memory 1 2))', "")
                     .replace('(import "env" "g" (global $g (mut i64)))', "(global $g (mut i64) (i64.const 0))")
                     .replace('(import "env" "t" (table 2 funcref))', ""))
    other = keel.Func(s2, lambda: None, ([], []))
    with pytest.raises(keel.StoreMismatchError):
        i1.exports.fref(other)
    with pytest.raises(keel.StoreMismatchError):
        keel.Instance(s1, keel.Module(engine, '(module (import "a" "b" (func)))'), [other])


def test_close_and_context_managers(engine):
    with keel.Store(engine) as store:
        with instantiate(store, ADD) as inst:
            f = inst.exports.add
            assert f(1, 2) == 3
        assert f(2, 2) == 4  # the function handle keeps the store alive
        f.close()
        f.close()
        assert f.closed
        with pytest.raises(ValueError, match="Func is closed"):
            f(1, 2)
    assert store.closed


def test_config(engine):
    cfg = keel.Config(max_call_depth=50, features={"simd": False})
    assert not cfg.get_feature("simd") and cfg.get_feature("gc")
    e = keel.Engine(cfg)
    s = keel.Store(e)
    inst = instantiate(s, KITCHEN.replace("(import \"env\" \"f\" (func $f (param i32) (result i32)))",
                                          "(func $f (param i32) (result i32) local.get 0)")
                       .replace('(import "env" "mem" (memory 1 2))', "")
                       .replace('(import "env" "g" (global $g (mut i64)))', "(global $g (mut i64) (i64.const 0))")
                       .replace('(import "env" "t" (table 2 funcref))', ""))
    with pytest.raises(keel.Trap) as ei:
        inst.exports.deep(0)
    assert ei.value.code == keel.TrapCode.STACK_EXHAUSTED
    with pytest.raises(ValueError, match="unknown feature"):
        cfg.set_feature("warp-drive", True)
    with pytest.raises(keel.Error):
        cfg.set_feature(999, True)
    with pytest.raises(keel.InvalidArgumentError):
        cfg.max_call_depth = 0
    with pytest.raises(ValueError):
        cfg.max_call_depth = -1
    with pytest.raises(keel.InvalidArgumentError):
        cfg.value_stack_size = 10
    cfg.close()


def test_host_func_annotations(store):
    def add(a: keel.i32, b: keel.i32) -> keel.i32:
        return a + b

    def pair(x: float) -> "tuple[keel.f64, keel.i64]":
        return x * 2, 7

    f = keel.Func(store, add)
    assert f.type == keel.FuncType.of(["i32", "i32"], ["i32"])
    assert f(2, 3) == 5
    p = keel.Func(store, pair)
    assert p.type == keel.FuncType.of(["f64"], ["f64", "i64"])
    assert p(1.5) == (3.0, 7)
    with pytest.raises(TypeError, match="no annotation"):
        keel.Func(store, lambda a: a)
    with pytest.raises(TypeError, match="must be callable"):
        keel.Func(store, 5, ([], []))
    with pytest.raises(TypeError, match="unknown value type name"):
        keel.Func(store, lambda: 0, (["i33"], []))


def test_host_results_checked(store):
    bad = keel.Func(store, lambda: "x", ([], ["i32"]))
    with pytest.raises(TypeError, match="expected an int"):
        bad()
    many = keel.Func(store, lambda: 1, ([], ["i32", "i32"]))
    with pytest.raises(TypeError, match="must return a tuple of 2"):
        many()
    none = keel.Func(store, lambda: 1, ([], []))
    with pytest.raises(TypeError, match="no results"):
        none()


def test_wasm_exception_types_exist():
    assert issubclass(keel.LinkError, keel.Error)
    assert issubclass(keel.Trap, keel.Error)
    assert issubclass(keel.InvalidArgumentError, ValueError)
