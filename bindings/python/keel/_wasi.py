"""WASI preview 1 (keel/wasi.h): a configuration builder, WASI in a linker
with captured output, and running a command module."""
from __future__ import annotations

import os
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

from ._engine import Engine, Module
from ._errors import LinkError, check
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


_Path = Union[str, "os.PathLike[str]"]


def _fd_of(x: Any, what: str) -> Optional[int]:
    """An int fd, or the fileno() of a file-like object; None for anything else."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        if x < 0:
            raise ValueError("%s: a file descriptor must be >= 0, got %d" % (what, x))
        return x
    fileno = getattr(x, "fileno", None)
    if callable(fileno):
        return int(fileno())
    return None


class WasiConfig(Handle):
    """What a WASI program sees: arguments, environment, preopened
    directories and standard streams. Nothing of the host is visible unless
    given here (sandboxed: the guest reaches the file system only below the
    preopened directories).

    ``WasiConfig(argv=["prog", "x"], env={"K": "V"}, preopens={"/data": "./data",
    "/ro": ("./assets", True)}, stdin=b"input", stdout="capture", stderr="inherit")``

    Keyword arguments (each also has a method, for building step by step):

    - ``argv``: the arguments, the first being the program name;
    - ``env``: a mapping of variables; ``inherit_env=True`` passes this
      process's whole environment;
    - ``preopens``: guest path -> host directory, or -> ``(host, read_only)``;
      ``read_only=True`` makes every preopen read-only (the guest can read
      but not create, write, rename or remove: ENOTCAPABLE);
    - ``stdin``: bytes (the data the guest reads, then end of file), a path
      (str or os.PathLike) of a file to read, an fd or a file object
      (duplicated when the configuration is used), or "inherit";
    - ``stdout`` / ``stderr``: "capture" (kept in memory, read back with
      ``Wasi.stdout`` / ``Wasi.stderr``), "inherit" (this process's stream),
      a path (created or truncated), an fd or a file object. Unconnected
      streams discard what is written;
    - ``capture_stdout`` / ``capture_stderr`` / ``inherit_stdio``: shorthands.

    A file object or fd given here is kept referenced by the configuration,
    and must stay open until ``Linker.define_wasi`` or ``wasi_run`` used it.
    Files and directories are opened then: a missing one raises KeelIOError
    there, naming it.
    """

    _free = lib.keel_wasi_config_free

    def __init__(self, *, argv: Sequence[str] = (), env: Optional[Mapping[str, str]] = None,
                 inherit_env: bool = False,
                 preopens: Optional[Mapping[str, Union[_Path, Tuple[_Path, bool]]]] = None,
                 read_only: bool = False, stdin: Any = None, stdout: Any = None, stderr: Any = None,
                 capture_stdout: bool = False, capture_stderr: bool = False,
                 inherit_stdio: bool = False) -> None:
        out = ffi.new("keel_wasi_config **")
        check(lib.keel_wasi_config_new(out))
        self._init_handle(out[0])
        self._keep: List[Any] = []  # file objects whose fds the config names
        if isinstance(argv, (str, bytes)):
            raise TypeError("argv must be a sequence of str, not a single string")
        for a in argv:
            self.push_arg(a)
        if inherit_env:
            self.inherit_env()
        for k, v in (env or {}).items():
            self.push_env(k, v)
        for guest, host in (preopens or {}).items():
            ro = read_only
            if isinstance(host, tuple):
                if len(host) != 2:
                    raise TypeError("a preopen is a host path or a (host path, read_only) pair")
                host, ro = host[0], bool(host[1]) or read_only
            self.preopen_dir(host, guest, ro)
        if inherit_stdio:
            for name in ("stdin", "stdout", "stderr"):
                self.inherit_stdio(name)
        if stdin is not None:
            if isinstance(stdin, (bytes, bytearray, memoryview)):
                self.set_stdin(stdin)
            else:
                self._connect("stdin", stdin)
        if stdout is not None:
            self._connect("stdout", stdout)
        if stderr is not None:
            self._connect("stderr", stderr)
        if capture_stdout:
            self.capture("stdout")
        if capture_stderr:
            self.capture("stderr")

    def _connect(self, stream: str, target: Any) -> None:
        if isinstance(target, str) and target in ("inherit", "capture"):
            if target == "inherit":
                self.inherit_stdio(stream)
            else:
                self.capture(stream)
            return
        if isinstance(target, (str, os.PathLike)):
            self.stdio_file(stream, target)
            return
        fd = _fd_of(target, stream)
        if fd is None:
            raise TypeError("%s must be %s\"inherit\", a path, an fd or a file object; got %s" % (
                stream, "bytes, " if stream == "stdin" else "\"capture\", ", type(target).__name__))
        if not isinstance(target, int):
            self._keep.append(target)
        self.stdio_fd(stream, fd)

    def push_arg(self, arg: str) -> None:
        """Append a command-line argument (the first is the program name)."""
        check(lib.keel_wasi_config_push_arg(self._ptr(), _c(arg, "arg")))

    def set_args(self, argv: Sequence[str]) -> None:
        """Replace every argument."""
        if isinstance(argv, (str, bytes)):
            raise TypeError("argv must be a sequence of str, not a single string")
        keep = [ffi.new("char[]", _c(a, "arg")) for a in argv]
        arr = ffi.new("const char *[]", keep) if keep else ffi.NULL
        check(lib.keel_wasi_config_set_args(self._ptr(), arr, len(keep)))

    def push_env(self, name: str, value: str) -> None:
        """Add an environment variable (name non-empty, without '=')."""
        check(lib.keel_wasi_config_push_env(self._ptr(), _c(name, "name"), _c(value, "value")))

    def push_env_spec(self, spec: str) -> None:
        """Add an environment variable given as "NAME=VALUE" (like ``keel run --env``)."""
        check(lib.keel_wasi_config_push_env_spec(self._ptr(), _c(spec, "spec")))

    def inherit_env(self) -> None:
        """Give the guest this process's environment."""
        check(lib.keel_wasi_config_inherit_env(self._ptr()))

    def preopen_dir(self, host_path: _Path, guest_path: Optional[str] = None,
                    read_only: bool = False) -> None:
        """Let the guest reach ``host_path`` as ``guest_path`` (default: the
        host path) and nothing above it; ``read_only`` forbids every change
        below it. The directory is opened when the configuration is used."""
        guest = ffi.NULL if guest_path is None else _c(guest_path, "guest_path")
        check(lib.keel_wasi_config_preopen_dir(self._ptr(), _c(host_path, "host_path"), guest,
                                               bool(read_only)))

    def preopen_dir_spec(self, spec: str, read_only: bool = False) -> None:
        """Preopen a directory given as "HOST[::GUEST]" (like ``keel run --dir``)."""
        check(lib.keel_wasi_config_preopen_dir_spec(self._ptr(), _c(spec, "spec"), bool(read_only)))

    def preopen_socket(self, sock: Any) -> None:
        """Give the guest a listening or connected socket (an fd or an object
        with fileno(), e.g. a socket.socket) for sock_accept/recv/send. Keel
        never closes it; keep it open while the guest uses it."""
        fd = _fd_of(sock, "socket")
        if fd is None:
            raise TypeError("preopen_socket: expected an fd or a socket, got %s" % type(sock).__name__)
        if not isinstance(sock, int):
            self._keep.append(sock)
        check(lib.keel_wasi_config_preopen_socket(self._ptr(), fd))

    def inherit_stdio(self, stream: str) -> None:
        """Connect "stdin", "stdout" or "stderr" to this process's stream."""
        check(lib.keel_wasi_config_inherit_stdio(self._ptr(), _stream(stream)))

    def stdio_file(self, stream: str, path: _Path) -> None:
        """Connect a stream to a host file: stdin reads it, stdout/stderr
        create or truncate it (opened when the configuration is used)."""
        check(lib.keel_wasi_config_stdio_file(self._ptr(), _stream(stream), _c(path, "path")))

    def stdio_fd(self, stream: str, fd: int) -> None:
        """Connect a stream to a host file descriptor (a pipe, a file, a
        socket). Keel duplicates it when the configuration is used; it must
        stay open until then."""
        if isinstance(fd, bool) or not isinstance(fd, int) or fd < 0:
            raise ValueError("stdio_fd: fd must be an int >= 0, got %r" % (fd,))
        check(lib.keel_wasi_config_stdio_fd(self._ptr(), _stream(stream), fd))

    def set_stdin(self, data: bytes) -> None:
        """The bytes the guest reads from stdin (then end of file)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("stdin must be bytes-like")
        b = bytes(data)
        check(lib.keel_wasi_config_stdin_bytes(self._ptr(), b, len(b)))

    def capture(self, stream: str) -> None:
        """Keep what the guest writes to "stdout" or "stderr" in memory
        (Wasi.stdout, Wasi.stderr)."""
        if stream == "stdout":
            check(lib.keel_wasi_config_capture_stdout(self._ptr()))
        elif stream == "stderr":
            check(lib.keel_wasi_config_capture_stderr(self._ptr()))
        else:
            raise ValueError("only stdout and stderr can be captured, not %r" % (stream,))


def _stream(name: str) -> int:
    try:
        return _STREAMS[name]
    except (KeyError, TypeError):
        raise ValueError("stream must be \"stdin\", \"stdout\" or \"stderr\", got %r" % (name,)) from None


class Wasi(Handle):
    """A WASI context defined in a linker (Linker.define_wasi); gives the
    captured output. Read it only while no call runs in the store.

    A guest calling proc_exit makes the running call raise keel.Exit
    (``.code`` is the status); the store stays usable. ``start(instance)``
    runs a command's ``_start`` and turns that into an exit status.
    """

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

    def start(self, instance: Any, timeout: Optional[float] = None) -> int:
        """Run a WASI command instance's ``_start`` export; returns the exit
        status (0 when it returns, the proc_exit code otherwise). Traps raise
        keel.Trap; with ``timeout=seconds`` a guest running longer (even one
        blocked in a WASI read or sleep) raises keel.Timeout."""
        from ._errors import Exit
        try:
            fn = instance.exports["_start"]
        except KeyError:
            raise LinkError("this module is not a WASI command: it has no \"_start\" export") from None
        try:
            fn(timeout=timeout)
        except Exit as e:
            return int(e.code)
        return 0


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
    ``keel run``; returns the exit status (0, or the proc_exit code). A trap
    raises keel.Trap. The store is internal, so output captured in memory
    cannot be read back here: send it to a file or fd, or use
    ``Linker.define_wasi`` and ``Wasi.start`` to read ``Wasi.stdout``."""
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
