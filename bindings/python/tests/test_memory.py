"""Memory (copies, zero-copy views, stale views after grow), tables and globals."""
import struct

import pytest

import keel
from conftest import instantiate

MEM = """
(module
  (memory (export "memory") 1 4)
  (data (i32.const 0) "\\01\\02\\03\\04")
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store))
"""


def test_read_write(store):
    ex = instantiate(store, MEM).exports
    mem = ex.memory
    assert isinstance(mem, keel.Memory)
    assert mem.read(0, 4) == b"\x01\x02\x03\x04"
    assert mem.pages == 1 and mem.size == 65536 and len(mem) == 65536
    mem.write(8, b"\xef\xbe\xad\xde")
    assert ex.load(8) == -559038737
    ex.store(16, 0x11223344)
    assert mem.read(16, 4) == bytes.fromhex("44332211")
    mem.write(20, bytearray(b"ab"))
    mem.write(22, memoryview(b"cd"))
    assert mem.read(20, 4) == b"abcd"
    assert mem.read(0, 0) == b""
    with pytest.raises(keel.InvalidArgumentError, match="out of bounds"):
        mem.read(65535, 2)
    with pytest.raises(keel.InvalidArgumentError, match="out of bounds"):
        mem.write(65535, b"xx")
    with pytest.raises(TypeError):
        mem.write(0, "text")
    with pytest.raises(ValueError):
        mem.read(-1, 1)
    with pytest.raises(ValueError):
        mem.read(0, -1)
    assert mem.type == keel.MemoryType(1, 4)


def test_view_is_zero_copy(store):
    ex = instantiate(store, MEM).exports
    mem = ex.memory
    v = mem.view()
    assert len(v) == 65536 and v[0] == 1 and v[0:4] == b"\x01\x02\x03\x04"
    v[100:104] = b"\x2a\x00\x00\x00"
    assert ex.load(100) == 42  # written through the view, seen by wasm
    ex.store(200, 7)
    assert v[200] == 7  # written by wasm, seen through the view without a copy
    raw = v.memoryview()
    assert raw.obj is not None and not raw.readonly and raw.nbytes == 65536
    assert struct.unpack_from("<I", raw, 200)[0] == 7
    raw[300] = 9
    assert mem.read(300, 1) == b"\x09"
    v.release()
    with pytest.raises(ValueError, match="released"):
        v[0]


def test_view_after_grow_is_refused(store):
    ex = instantiate(store, MEM).exports
    mem = ex.memory
    v = mem.view()
    g0 = mem.generation
    assert mem.grow(1) == 1
    assert mem.generation != g0
    assert not v.valid
    with pytest.raises(keel.StaleViewError, match="memory grew"):
        v[0]
    v2 = mem.view()
    assert len(v2) == 2 * 65536
    assert ex.grow(1) == 2  # grown by wasm
    with pytest.raises(keel.StaleViewError):
        v2[0] = 1
    with pytest.raises(keel.StaleViewError):
        len(v2)
    with pytest.raises(keel.LimitError):
        mem.grow(10)
    assert mem.view()[0] == 1


def test_host_memory(store):
    mem = keel.Memory(store, keel.MemoryType(0, 2))
    assert mem.size == 0 and len(mem.view()) == 0
    assert mem.grow(2) == 0
    assert mem.view()[65536 * 2 - 1] == 0
    with pytest.raises(keel.Error):
        keel.Memory(store, keel.MemoryType(3, 2))
    with pytest.raises(TypeError):
        keel.Memory("store", keel.MemoryType(1))
    with pytest.raises(ValueError):
        keel.Memory(store, keel.MemoryType(1, page_size=4096))


def test_table(store):
    wat = """(module (table (export "t") 2 10 funcref) (func $f (export "f") (result i32) i32.const 3)
      (elem (i32.const 0) $f) (func (export "call") (param i32) (result i32) local.get 0 call_indirect (result i32)))"""
    ex = instantiate(store, wat).exports
    t = ex.t
    assert t.size == 2 and len(t) == 2
    f = t[0]
    assert isinstance(f, keel.Func) and f() == 3
    assert t[1] is None
    t[1] = keel.Func(store, lambda: 11, ([], ["i32"]))
    assert ex.call(1) == 11
    assert t.grow(2, f) == 2 and t.size == 4 and ex.call(3) == 3
    assert [x is None for x in t] == [False, False, False, False]
    with pytest.raises(keel.Error):
        t[10]
    with pytest.raises(TypeError):
        t[0] = 5
    assert t.type.element == keel.funcref
    ht = keel.Table(store, keel.TableType(keel.externref, 3))
    ht[0] = {"a": 1}
    assert ht[0] == {"a": 1} and ht[1] is None


def test_globals(store):
    wat = """(module (global (export "g") (mut i32) (i32.const 1)) (global (export "k") f32 (f32.const 1.5))
      (func (export "read") (result i32) global.get 0))"""
    ex = instantiate(store, wat).exports
    g = ex.g
    assert g.value == 1
    g.value = -7
    assert ex.read() == -7 and ex["read"]() == -7
    assert ex.k.value == 1.5 and ex.k.type == keel.GlobalType(keel.f32, False)
    with pytest.raises(keel.InvalidArgumentError):
        ex.k.value = 2.0
    with pytest.raises(TypeError):
        g.value = "x"
    hg = keel.Global(store, keel.GlobalType(keel.i64, True), 1 << 40)
    assert hg.value == 1 << 40
    assert hg.get_exact() == keel.Val.i64(1 << 40)
    with pytest.raises(TypeError):
        keel.Global(store, "i32", 0)
