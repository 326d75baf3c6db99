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


# A WASI command written by hand: writes its greeting with fd_write, then
# exits with status 3 through proc_exit.
HELLO_EXIT = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\\n")
  (data (i32.const 48) "oops\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 48))
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 3))
    unreachable))
"""


def test_wasi_hello_wat_captured_stdout_and_exit_code(engine):
    module = keel.Module(engine, HELLO_EXIT)
    with keel.Store(engine) as store, keel.Linker(engine) as linker:
        cfg = keel.WasiConfig(argv=["hello"], stdout="capture", stderr="capture")
        wasi = linker.define_wasi(store, cfg)
        cfg.close()  # the linker copied it
        inst = linker.instantiate(store, module)
        assert wasi.start(inst) == 3
        assert wasi.stdout == b"hello, world\n"
        assert wasi.stderr == b"oops\n"
        # the store stays usable after proc_exit; a direct call raises keel.Exit
        with pytest.raises(keel.Exit) as ei:
            inst.exports._start()
        assert ei.value.code == 3
        assert wasi.stdout == b"hello, world\n" * 2
        wasi.close()


def test_wasi_streams_to_files(engine, tmp_path):
    module = keel.Module(engine, HELLO_EXIT)
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    assert keel.wasi_run(engine, module, keel.WasiConfig(stdout=out, stderr=str(err))) == 3
    assert out.read_bytes() == b"hello, world\n"
    assert err.read_bytes() == b"oops\n"
    with open(tmp_path / "fo.txt", "wb") as f:  # a file object: its fd is duplicated
        assert keel.wasi_run(engine, module, keel.WasiConfig(stdout=f)) == 3
    assert (tmp_path / "fo.txt").read_bytes() == b"hello, world\n"
    with pytest.raises(keel.KeelIOError):
        keel.wasi_run(engine, module, keel.WasiConfig(stdout=tmp_path / "no" / "such" / "dir"))
    with pytest.raises(TypeError):
        keel.WasiConfig(stdout=3.5)
    with pytest.raises(ValueError):
        keel.WasiConfig().capture("stdin")
    with pytest.raises(TypeError):
        keel.WasiConfig(argv="prog")


def test_wasi_start_without_start_export(engine):
    with keel.Store(engine) as store, keel.Linker(engine) as linker:
        with keel.WasiConfig() as cfg:
            wasi = linker.define_wasi(store, cfg)
        inst = linker.instantiate(store, keel.Module(engine, "(module)"))
        with pytest.raises(keel.LinkError):
            wasi.start(inst)
        wasi.close()


CAT = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, stdin);
    buf[n] = 0;
    printf("argc=%d argv1=%s env=%s stdin=%s\n", argc, argc > 1 ? argv[1] : "-",
           getenv("GREETING") ? getenv("GREETING") : "-", buf);
    FILE *f = fopen("/out/result.txt", "w");
    if (!f) return 10;
    fputs("written by wasm", f);
    fclose(f);
    FILE *g = fopen("/ro/x.txt", "w");   /* read-only preopen: must fail */
    printf("ro_write=%s\n", g ? "allowed" : "denied");
    f = fopen("/ro/data.txt", "r");
    if (f) { n = fread(buf, 1, sizeof buf - 1, f); buf[n] = 0; fclose(f); printf("ro_read=%s\n", buf); }
    fprintf(stderr, "bye\n");
    return 42;
}
"""


def compile_c(tmp_path, src):
    """Compile a C program for wasm32-wasi with clang at test time, or skip."""
    import shutil
    import subprocess
    clang = shutil.which("clang")
    if clang is None:
        pytest.skip("clang is not installed: the C WASI program cannot be built")
    c = tmp_path / "prog.c"
    c.write_text(src)
    wasm = tmp_path / "prog.wasm"
    r = subprocess.run([clang, "--target=wasm32-wasi", "-O2", str(c), "-o", str(wasm)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("clang cannot build wasm32-wasi programs here (no WASI sysroot?): "
                    + r.stderr.strip()[:300])
    return wasm


def test_wasi_c_program(engine, tmp_path):
    wasm = compile_c(tmp_path, CAT)
    outdir, rodir = tmp_path / "out", tmp_path / "ro"
    outdir.mkdir()
    rodir.mkdir()
    (rodir / "data.txt").write_text("seeded")
    module = keel.Module.from_file(engine, wasm)
    cfg = keel.WasiConfig(argv=["cat", "first"], env={"GREETING": "hi"}, stdin=b"from python",
                          preopens={"/out": str(outdir), "/ro": (rodir, True)},
                          stdout="capture", stderr="capture")
    with keel.Store(engine) as store, keel.Linker(engine) as linker:
        wasi = linker.define_wasi(store, cfg)
        inst = linker.instantiate(store, module)
        assert wasi.start(inst, timeout=60) == 42
        assert wasi.stdout.decode() == ("argc=2 argv1=first env=hi stdin=from python\n"
                                        "ro_write=denied\nro_read=seeded\n")
        assert wasi.stderr == b"bye\n"
        wasi.close()
    cfg.close()
    assert (outdir / "result.txt").read_text() == "written by wasm"
    assert not (rodir / "x.txt").exists()
    # the same program through wasi_run, stdin from a file
    (tmp_path / "in.txt").write_bytes(b"file input")
    cfg = keel.WasiConfig(argv=["cat"], stdin=tmp_path / "in.txt", stdout=tmp_path / "o.txt",
                          preopens={"/out": outdir, "/ro": rodir}, read_only=False)
    assert keel.wasi_run(engine, module, cfg) == 42
    assert (tmp_path / "o.txt").read_text().startswith("argc=1 argv1=- env=- stdin=file input\n")
    cfg.close()


SLEEPER = r"""
#include <unistd.h>
int main(void) { for (;;) sleep(1); }
"""


def test_wasi_blocked_guest_times_out(engine, tmp_path):
    """keel_store_interrupt also wakes a guest blocked in WASI (poll_oneoff)."""
    module = keel.Module.from_file(engine, compile_c(tmp_path, SLEEPER))
    with keel.Store(engine) as store, keel.Linker(engine) as linker:
        with keel.WasiConfig() as cfg:
            wasi = linker.define_wasi(store, cfg)
        inst = linker.instantiate(store, module)
        with pytest.raises(keel.Timeout):
            wasi.start(inst, timeout=0.1)
        wasi.close()


def test_wasi_builder_methods(engine, tmp_path):
    """The step-by-step builder: args, env spec, dir spec, stdin from a pipe fd,
    stdout to a file object."""
    import os
    module = keel.Module.from_file(engine, compile_c(tmp_path, CAT))
    outdir, rodir = tmp_path / "out", tmp_path / "ro"
    outdir.mkdir()
    rodir.mkdir()
    r, w = os.pipe()
    os.write(w, b"piped")
    os.close(w)
    try:
        with keel.WasiConfig() as cfg, open(tmp_path / "o.txt", "wb") as out:
            cfg.set_args(["cat", "second"])
            cfg.push_env_spec("GREETING=yo")
            cfg.preopen_dir_spec("%s::/out" % outdir)
            cfg.preopen_dir(rodir, "/ro", read_only=True)
            cfg.stdio_fd("stdin", r)
            cfg.stdio_fd("stdout", out.fileno())
            assert keel.wasi_run(engine, module, cfg) == 42
    finally:
        os.close(r)
    text = (tmp_path / "o.txt").read_text()
    assert text.startswith("argc=2 argv1=second env=yo stdin=piped\nro_write=denied\n"), text
    with keel.WasiConfig() as cfg:
        with pytest.raises(keel.InvalidArgumentError):
            cfg.push_env_spec("NOEQUALS")
        with pytest.raises(ValueError):
            cfg.stdio_fd("stdin", -1)
        with pytest.raises(ValueError):
            cfg.inherit_stdio("stdnothing")
