"""WASI preview 1 through the binding: configuration, captured output, exit codes."""
import pytest

import keel

HELLO = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "quit") (param i32) local.get 0 call $exit))
"""


def test_wasi_captured_stdout_and_exit(engine):
    store = keel.Store(engine)
    linker = keel.Linker(engine)
    with keel.WasiConfig(argv=["hello"], env={"A": "1"}, capture_stdout=True) as cfg:
        wasi = linker.define_wasi(store, cfg)
    inst = linker.instantiate(store, keel.Module(engine, HELLO))
    inst.exports._start()
    assert wasi.stdout == b"hello from wasi\n"
    assert wasi.stderr == b""
    with pytest.raises(keel.Exit) as ei:
        inst.exports.quit(3)
    assert ei.value.code == 3
    wasi.close()


def test_wasi_run(engine):
    assert keel.wasi_run(engine, keel.Module(engine, HELLO)) == 0
    with pytest.raises(keel.LinkError):
        keel.wasi_run(engine, keel.Module(engine, "(module)"))


def test_wasi_bad_input(engine, tmp_path):
    with pytest.raises(TypeError):
        keel.WasiConfig(argv=[1])
    with pytest.raises(ValueError):
        keel.WasiConfig(argv=["a\0b"])
    with pytest.raises(ValueError):
        keel.WasiConfig().inherit_stdio("stdnothing")
    cfg = keel.WasiConfig(preopens={"/nope": str(tmp_path / "missing")})
    store = keel.Store(engine)
    with pytest.raises(keel.Error):
        keel.Linker(engine).define_wasi(store, cfg)
    with pytest.raises(TypeError):
        keel.wasi_run(engine, "module")
