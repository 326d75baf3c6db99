"""Less common values and objects (v128, tags, wasm exceptions, externref
tables) and bad input for the remaining entry points."""
import pytest

import keel
from conftest import instantiate


def test_v128(store):
    try:
        inst = instantiate(store, '(module (func (export "id") (param v128) (result v128) local.get 0))')
    except keel.Error as e:  # pragma: no cover - SIMD not built
        pytest.skip("v128 unsupported: %s" % e)
    b = bytes(range(16))
    assert inst.exports.id(b) == b
    assert inst.exports.id(1) == (1).to_bytes(16, "little")
    with pytest.raises(ValueError, match="16 bytes"):
        inst.exports.id(b"short")
    with pytest.raises(OverflowError):
        inst.exports.id(-1)
    with pytest.raises(TypeError):
        inst.exports.id(1.0)


def test_uncaught_wasm_exception(store):
    wat = """(module (tag $e (export "e") (param i32))
      (func (export "throw") (param i32) local.get 0 throw $e))"""
    try:
        inst = instantiate(store, wat)
    except keel.Error as e:  # pragma: no cover
        pytest.skip("exceptions unsupported: %s" % e)
    with pytest.raises((keel.WasmException, keel.Trap)) as ei:
        inst.exports.throw(5)
    if isinstance(ei.value, keel.WasmException) and ei.value.exn is not None:
        assert ei.value.exn.payload == [5]
        assert isinstance(ei.value.exn.tag, keel.Tag)
    tag = inst.exports.e
    assert isinstance(tag, keel.Tag) and tag.type == keel.FuncType.of(["i32"], [])


def test_host_tag_and_exn(store):
    tag = keel.Tag(store, (["i32", "f64"], []))
    assert tag.type.params == (keel.i32, keel.f64)
    exn = keel.Exn(store, tag, [3, 1.5])
    assert exn.payload == [3, 1.5]
    with pytest.raises(TypeError, match="payload has 2 values"):
        keel.Exn(store, tag, [1])
    with pytest.raises(TypeError):
        keel.Exn(store, "tag", [])
    with pytest.raises(keel.InvalidArgumentError):
        keel.Tag(store, (["i32"], ["i32"]))


def test_caller_detected_from_annotation(store):
    wat = '(module (import "h" "f" (func $f (result i32))) (memory (export "memory") 1) (func (export "g") (result i32) call $f))'

    def f(caller: keel.Caller) -> keel.i32:
        return caller.export("memory").size // 65536

    inst = instantiate(store, wat, [keel.Func(store, f)])
    assert inst.exports.g() == 1


def test_bad_inputs(store):
    engine = store.engine
    with pytest.raises(TypeError):
        keel.Linker("engine")
    with pytest.raises(TypeError):
        keel.Table(store, "funcref")
    with pytest.raises(TypeError):
        keel.Table(store, keel.TableType(keel.funcref, 1), init=5)
    with pytest.raises(keel.Error):
        keel.Table(store, keel.TableType(keel.funcref, 5, 1))
    with pytest.raises(TypeError):
        keel.Global(store, keel.GlobalType(keel.i32), "x")
    with pytest.raises(TypeError):
        keel.FuncType.of(["i32"], [object()])
    with pytest.raises(TypeError):
        keel.Func(store, lambda: 0, "not a type")
    with pytest.raises(TypeError):
        keel.Instance(store, keel.Module(engine, "(module)"), None)
    with pytest.raises(KeyError):
        keel.debug_live_handles("no-such-kind")
    with pytest.raises(ValueError):
        store.limit_memory("x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.limit_instances(-1)
    store.limit_instances(1)
    keel.Instance(store, keel.Module(engine, "(module)"))
    # keel/store.h: instantiating past the limit is KEEL_ERROR_LIMIT
    with pytest.raises(keel.LimitError, match="limit"):
        keel.Instance(store, keel.Module(engine, "(module)"))
    # a non-null reference parameter rejects None with a clear message
    w = keel.ValType.ref(keel._lib.KEEL_HEAP_FUNC, nullable=False)
    with pytest.raises(TypeError, match="non-null"):
        keel._values.writer_for(w)(keel._ffi_mod.new("keel_val *"), None, store)


def test_store_memory_limit(engine):
    store = keel.Store(engine)
    store.limit_memory(65536)
    mem = keel.Memory(store, keel.MemoryType(1, 4))
    # keel/store.h: the limit covers all memories of the store; growing or
    # creating past it is out of memory, and the memory is unchanged
    with pytest.raises(keel.KeelMemoryError):
        mem.grow(1)
    assert mem.pages == 1
    with pytest.raises(keel.KeelMemoryError):
        keel.Memory(store, keel.MemoryType(1, 4))


def test_externref_identity_and_unknown(store):
    inst = instantiate(store, '(module (func (export "id") (param externref) (result externref) local.get 0))')
    objs = [object() for _ in range(50)]
    for o in objs:
        assert inst.exports.id(o) is o
    assert inst.exports.id(objs[0]) is objs[0]
    assert len(store._ext_objs) == 50  # one externref per object, reused
    with pytest.raises(TypeError):
        inst.exports.id(keel.UnknownExternRef(3))


def test_host_result_from_another_store_is_refused(engine):
    s1, s2 = keel.Store(engine), keel.Store(engine)
    foreign = keel.Func(s2, lambda: 1, ([], ["i32"]))
    wat = '(module (import "h" "f" (func $f (result funcref))) (func (export "g") (result funcref) call $f))'
    inst = instantiate(s1, wat, [keel.Func(s1, lambda: foreign, ([], ["funcref"]))])
    with pytest.raises(keel.StoreMismatchError):
        inst.exports.g()
    with pytest.raises(keel.InvalidArgumentError):
        inst.exports.g.store  # noqa: B018  (the store is fine)
        keel.Memory(s1, keel.MemoryType(1)).read(0, 1 << 40)
