"""Issue 7 through the binding: the code cache, serialisation and keel.Code."""
import os

import pytest

import keel

WAT = """
(module
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "fact") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call 1 (i64.sub (local.get 0) (i64.const 1))))))))
"""


def check_works(module):
    with keel.Store(module.engine) as store:
        inst = keel.Instance(store, module)
        assert inst.exports.add(40, 2) == 42
        assert inst.exports.fact(10) == 3628800


def test_cache_dir_round_trip(tmp_path):
    cache = tmp_path / "cache"
    wasm = keel.wat2wasm(WAT)
    first = keel.Engine(keel.Config(cache_dir=cache))
    m1 = keel.Module(first, wasm)
    assert m1.origin == keel.CodeOrigin.COMPILED
    assert os.listdir(cache), "the first compile wrote no cache entry"
    check_works(m1)
    # A second engine with the same cache dir loads the module from the cache.
    second = keel.Engine(keel.Config(cache_dir=str(cache), cache_max_bytes=64 << 20))
    m2 = keel.Module(second, wasm)
    assert m2.origin == keel.CodeOrigin.CACHED
    with m2.code() as code:
        assert code.origin is keel.CodeOrigin.CACHED
        assert code.size == len(code) > len(wasm)
    check_works(m2)
    # Without a cache dir the same bytes are compiled again.
    assert keel.Module(keel.Engine(), wasm).origin == keel.CodeOrigin.COMPILED


def test_cache_dir_off_and_bad_values(tmp_path):
    cfg = keel.Config(cache_dir=tmp_path)
    cfg.cache_dir = None  # off again
    cfg.cache_max_bytes = 0
    assert keel.Module(keel.Engine(cfg), WAT).origin == keel.CodeOrigin.COMPILED
    assert os.listdir(tmp_path) == []
    with pytest.raises(TypeError):
        keel.Config(cache_dir=42)
    with pytest.raises(ValueError):
        keel.Config(cache_dir="a\0b")
    with pytest.raises(ValueError):
        keel.Config(cache_max_bytes=-1)


def test_cache_unwritable_dir_still_compiles(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a directory")
    # "An unwritable or full directory means no cache, never a failed compile."
    m = keel.Module(keel.Engine(keel.Config(cache_dir=blocker / "sub")), WAT)
    assert m.origin == keel.CodeOrigin.COMPILED
    check_works(m)


def test_serialize_deserialize_round_trip(engine, tmp_path):
    m = keel.Module(engine, WAT)
    data = m.serialize()
    assert isinstance(data, bytes) and len(data) > 0
    with m.code() as code:
        assert code.serialize() == data
        assert code.origin == keel.CodeOrigin.COMPILED
        assert "compiled" in repr(code)
    m2 = keel.Module.deserialize(engine, data)
    assert m2.origin == keel.CodeOrigin.DESERIALIZED
    assert [e.name for e in m2.exports] == ["memory", "add", "fact"]
    check_works(m2)
    # from a buffer without copying, and from a file
    assert keel.Module.deserialize(engine, memoryview(bytearray(data))).origin == keel.CodeOrigin.DESERIALIZED
    path = tmp_path / "mod.kc"
    path.write_bytes(data)
    m3 = keel.Module.deserialize_file(engine, path)
    assert m3.origin == keel.CodeOrigin.DESERIALIZED
    check_works(m3)
    # the image round-trips unchanged
    assert m3.serialize() == data


def test_deserialize_damaged_bytes_rejected(engine, tmp_path):
    data = bytearray(keel.Module(engine, WAT).serialize())
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x40
    cases = {
        "flipped byte": bytes(flipped),
        "truncated": bytes(data[: len(data) - 7]),
        "header only": bytes(data[:8]),
        "a wasm binary": keel.wat2wasm(WAT),
        "garbage": b"\x01" * 200,
    }
    for what, bad in cases.items():
        with pytest.raises(keel.MalformedError) as ei:
            keel.Module.deserialize(engine, bad)
        msg = str(ei.value)
        assert msg and len(msg) > 8, "%s: unclear message %r" % (what, msg)
    with pytest.raises(keel.Error):
        keel.Module.deserialize(engine, b"")
    # the same for a damaged file, and a missing one is an I/O error
    path = tmp_path / "bad.kc"
    path.write_bytes(bytes(flipped))
    with pytest.raises(keel.MalformedError):
        keel.Module.deserialize_file(engine, path)
    with pytest.raises(keel.KeelIOError):
        keel.Module.deserialize_file(engine, tmp_path / "missing.kc")
    with pytest.raises(TypeError):
        keel.Module.deserialize(engine, "text")
    with pytest.raises(TypeError):
        keel.Module.deserialize("engine", bytes(data))


def test_code_outlives_module_and_store(engine):
    m = keel.Module(engine, WAT)
    code = m.code()
    store = keel.Store(engine)
    inst = keel.Instance(store, m)
    add = inst.exports.add
    m.close()
    del inst
    assert add(1, 2) == 3  # the instance keeps the code mapped
    add.close()
    store.close()
    assert keel.debug_live_handles("code") >= 1
    assert code.size > 0 and len(code.serialize()) == code.size
    code.close()
    code.close()  # idempotent
    with pytest.raises(ValueError):
        code.size
    assert "closed" in repr(code)


def test_deserialize_into_engine_with_other_features(engine):
    data = keel.Module(engine, WAT).serialize()
    other = keel.Engine(keel.Config(features={"gc": False}))
    with pytest.raises(keel.UnsupportedError) as ei:
        keel.Module.deserialize(other, data)
    assert "features" in str(ei.value)


def test_cache_max_bytes_evicts_old_entries(tmp_path):
    engine = keel.Engine(keel.Config(cache_dir=tmp_path, cache_max_bytes=1))
    for i in range(3):
        keel.Module(engine, '(module (func (export "f") (result i32) i32.const %d))' % i)
        # "after writing an entry, the least recently used ones are removed
        # until the rest fit": with a 1-byte limit only the newest remains.
        assert len(os.listdir(tmp_path)) <= 1
