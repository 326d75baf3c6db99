"""WASI preview 1 (keel/wasi.h): a configuration builder, WASI in a linker
with captured output, and running a command module."""
from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Sequence, Union

from ._engine import Engine, Module
from ._errors import check
from ._ffi import ffi, lib
from ._handle import Handle

__all__ = ["WasiConfig", "Wasi", "wasi_run"]

_STREAMS = {"stdin": int(lib.KEEL_WASI_STDIN), "stdout": int(lib.KEEL_WASI_STDOUT),
            "stderr": int(lib.KEEL_WASI_STDERR)}


def _c(s: Union[str, "os.PathLike[str]"], what: str) -> bytes:
    if not isinstance(s, (str, os.PathLike)):
        raise TypeError("%s must be a str, got %s" % (what, type(s).__name__))
    b = os.fsencode(s) if isinstance(s, os.PathLike) else s.encode("utf-8")
    if b"\0" in b:
        raise ValueError("%s must not contain NUL characters" % what)
    return b


class WasiConfig(Handle):
    """What a WASI program sees: arguments, environment, preopened
    directories and standard streams. Nothing of the host is visible unless
    given here (sandboxed).

    ``WasiConfig(argv=["prog", "x"], env={"K": "V"}, preopens={"/data": "./data"},
    stdin=b"input", capture_stdout=True, inherit_stdio=False)``
    """

    _free = lib.keel_wasi_config_free

    def __init__(self, *, argv: Sequence[str] = (), env: Optional[Mapping[str, str]] = None,
                 preopens: Optional[Mapping[str, str]] = None, read_only: bool = False,
                 stdin: Optional[bytes] = None, capture_stdout: bool = False,
                 capture_stderr: bool = False, inherit_stdio: bool = False) -> None:
        out = ffi.new("keel_wasi_config **")
        check(lib.keel_wasi_config_new(out))
        self._init_handle(out[0])
        for a in argv:
            self.push_arg(a)
        for k, v in (env or {}).items():
            self.push_env(k, v)
        for guest, host in (preopens or {}).items():
            self.preopen_dir(host, guest, read_only)
        if inherit_stdio:
            for s in ("stdin", "stdout", "stderr"):
                self.inherit_stdio(s)
        if stdin is not None:
            self.set_stdin(stdin)
        if capture_stdout:
            check(lib.keel_wasi_config_capture_stdout(self._ptr()))
        if capture_stderr:
            check(lib.keel_wasi_config_capture_stderr(self._ptr()))

    def push_arg(self, arg: str) -> None:
        """Append a command-line argument (the first is the program name)."""
        check(lib.keel_wasi_config_push_arg(self._ptr(), _c(arg, "arg")))

    def push_env(self, name: str, value: str) -> None:
        """Add an environment variable."""
        check(lib.keel_wasi_config_push_env(self._ptr(), _c(name, "name"), _c(value, "value")))

    def inherit_env(self) -> None:
        """Give the guest this process's environment."""
        check(lib.keel_wasi_config_inherit_env(self._ptr()))

    def preopen_dir(self, host_path: Union[str, "os.PathLike[str]"], guest_path: str,
                    read_only: bool = False) -> None:
        """Let the guest reach ``host_path`` as ``guest_path`` (and nothing above it)."""
        check(lib.keel_wasi_config_preopen_dir(self._ptr(), _c(host_path, "host_path"),
                                               _c(guest_path, "guest_path"), bool(read_only)))

    def inherit_stdio(self, stream: str) -> None:
        """Connect "stdin", "stdout" or "stderr" to this process's stream."""
        if stream not in _STREAMS:
            raise ValueError("stream must be stdin, stdout or stderr")
        check(lib.keel_wasi_config_inherit_stdio(self._ptr(), _STREAMS[stream]))

    def set_stdin(self, data: bytes) -> None:
        """The bytes the guest reads from stdin."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("stdin must be bytes-like")
        b = bytes(data)
        check(lib.keel_wasi_config_stdin_bytes(self._ptr(), b, len(b)))


class Wasi(Handle):
    """A WASI context defined in a linker (Linker.define_wasi); gives the
    captured output. Read it only while no call runs in the store."""

    _free = lib.keel_wasi_free

    def _bytes(self, fn: Any) -> bytes:
        n = ffi.new("size_t *")
        p = fn(self._ptr(), n)
        return b"" if p == ffi.NULL else bytes(ffi.buffer(p, n[0]))

    @property
    def stdout(self) -> bytes:
        """What the guest wrote to stdout so far (capture_stdout=True)."""
        return self._bytes(lib.keel_wasi_stdout_bytes)

    @property
    def stderr(self) -> bytes:
        """What the guest wrote to stderr so far (capture_stderr=True)."""
        return self._bytes(lib.keel_wasi_stderr_bytes)


def define_wasi(linker: Any, store: Any, config: WasiConfig) -> Wasi:
    """Define every wasi_snapshot_preview1 function in ``linker`` for ``store``."""
    from ._store import store_of
    store_of(store, "define_wasi(store, config)")
    if not isinstance(config, WasiConfig):
        raise TypeError("define_wasi: expected a keel.WasiConfig, got %s" % type(config).__name__)
    out = ffi.new("keel_wasi **")
    check(lib.keel_linker_define_wasi(linker._ptr(), store._ptr(), config._ptr(), out))
    w = Wasi.__new__(Wasi)
    w._init_handle(out[0])
    return w


def wasi_run(engine: Engine, module: Module, config: Optional[WasiConfig] = None) -> int:
    """Run a WASI command module (its ``_start``) in a new store, like
    ``keel run``; returns the exit status. A trap raises keel.Trap."""
    if not isinstance(engine, Engine) or not isinstance(module, Module):
        raise TypeError("wasi_run(engine, module, config): expected a keel.Engine and a keel.Module")
    own = config is None
    cfg = WasiConfig() if own else config
    if not isinstance(cfg, WasiConfig):
        raise TypeError("wasi_run: config must be a keel.WasiConfig")
    try:
        code = ffi.new("int32_t *")
        check(lib.keel_wasi_run(engine._ptr(), module._ptr(), cfg._ptr(), code))
        return int(code[0])
    finally:
        if own:
            cfg.close()
