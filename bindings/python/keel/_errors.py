"""Exceptions: keel.Error and its subclasses, keel.Trap, and the conversion of
an owned ``keel_error *`` into the right Python exception.

A Python exception raised inside a host function travels through wasm as the
payload of a KEEL_ERROR_HOST error (keel_error_new_host); the payload is a
token naming the exception in ``_pending``, an entry that lives exactly as
long as that one error object (per call, never a global "last exception").
When the error comes back out of the outer call, the SAME exception object is
raised again, with the wasm frames added as a note.
"""
from __future__ import annotations

import itertools
import threading
from typing import Dict, List, NamedTuple, Optional

from ._ffi import ffi, lib

__all__ = [
    "Error", "Trap", "Timeout", "MalformedError", "ValidationError", "LinkError", "InvalidArgumentError",
    "StoreMismatchError", "BusyError", "HandleError", "UnsupportedError", "LimitError",
    "KeelMemoryError", "HostError", "Exit", "WasmException", "InternalError", "KeelIOError",
    "Frame", "TrapCode",
]


class Frame(NamedTuple):
    """One wasm frame of a backtrace (innermost first)."""

    func_index: Optional[int]
    """Function index in its module's function index space (None when unknown)."""
    func_name: Optional[str]
    """Name from the module's name section, or None."""
    module_name: Optional[str]
    """Module name from the name section, or None."""
    offset: Optional[int]
    """Byte offset of the instruction in the module binary, or None."""

    def __str__(self) -> str:
        name = self.func_name or ("func[%s]" % self.func_index)
        if self.module_name:
            name = "%s!%s" % (self.module_name, name)
        off = "" if self.offset is None else " @0x%x" % self.offset
        return name + off


class TrapCode:
    """Trap codes (keel.Trap.code). Unknown numbers may appear from newer libraries."""

    NONE = int(lib.KEEL_TRAP_NONE)
    UNREACHABLE = int(lib.KEEL_TRAP_UNREACHABLE)
    MEMORY_OUT_OF_BOUNDS = int(lib.KEEL_TRAP_MEMORY_OUT_OF_BOUNDS)
    TABLE_OUT_OF_BOUNDS = int(lib.KEEL_TRAP_TABLE_OUT_OF_BOUNDS)
    UNDEFINED_ELEMENT = int(lib.KEEL_TRAP_UNDEFINED_ELEMENT)
    UNINITIALIZED_ELEMENT = int(lib.KEEL_TRAP_UNINITIALIZED_ELEMENT)
    INDIRECT_CALL_TYPE = int(lib.KEEL_TRAP_INDIRECT_CALL_TYPE)
    INTEGER_OVERFLOW = int(lib.KEEL_TRAP_INTEGER_OVERFLOW)
    INTEGER_DIVIDE_BY_ZERO = int(lib.KEEL_TRAP_INTEGER_DIVIDE_BY_ZERO)
    INVALID_CONVERSION = int(lib.KEEL_TRAP_INVALID_CONVERSION)
    STACK_EXHAUSTED = int(lib.KEEL_TRAP_STACK_EXHAUSTED)
    NULL_REFERENCE = int(lib.KEEL_TRAP_NULL_REFERENCE)
    CAST_FAILURE = int(lib.KEEL_TRAP_CAST_FAILURE)
    ARRAY_OUT_OF_BOUNDS = int(lib.KEEL_TRAP_ARRAY_OUT_OF_BOUNDS)
    ALLOCATION_FAILED = int(lib.KEEL_TRAP_ALLOCATION_FAILED)
    UNALIGNED_ATOMIC = int(lib.KEEL_TRAP_UNALIGNED_ATOMIC)
    INTERRUPTED = int(lib.KEEL_TRAP_INTERRUPTED)
    OUT_OF_FUEL = int(lib.KEEL_TRAP_OUT_OF_FUEL)
    DEADLINE = int(lib.KEEL_TRAP_DEADLINE)
    UNCAUGHT_EXCEPTION = int(lib.KEEL_TRAP_UNCAUGHT_EXCEPTION)
    HOST = int(lib.KEEL_TRAP_HOST)


class Error(Exception):
    """Base class of every Keel failure.

    Attributes: ``kind`` (a KEEL_ERROR_* number), ``message`` (the library's
    message), ``offset`` (byte offset in the module for malformed/invalid
    modules, else None) and ``frames`` (wasm backtrace, innermost first).
    """

    def __init__(self, message: str, kind: int = 0, offset: Optional[int] = None,
                 frames: Optional[List[Frame]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.offset = offset
        self.frames: List[Frame] = list(frames or [])

    def __str__(self) -> str:
        s = self.message
        if self.offset is not None:
            s += " (at byte offset %d)" % self.offset
        return s


class Trap(Error):
    """The guest trapped. ``code`` is a TrapCode number, ``message`` the spec's
    wording ("integer divide by zero", ...), ``frames`` the wasm backtrace.
    May also be raised by a host function (it then comes back out unchanged)."""

    def __init__(self, message: str, code: int = TrapCode.HOST, kind: int = int(lib.KEEL_ERROR_TRAP),
                 frames: Optional[List[Frame]] = None) -> None:
        super().__init__(message, kind, None, frames)
        self.code = code

    def __str__(self) -> str:
        s = self.message
        if self.frames:
            s += "\nwasm backtrace:\n" + "\n".join("  %d: %s" % (i, f) for i, f in enumerate(self.frames))
        return s


class Timeout(Trap, TimeoutError):
    """A call made with ``timeout=`` ran out of time and was interrupted
    (keel_store_interrupt from the timeout watchdog). A keel.Trap with code
    TrapCode.INTERRUPTED, and a TimeoutError; ``timeout`` is the limit in
    seconds, ``frames`` the wasm backtrace where it stopped."""

    def __init__(self, message: str, timeout: float, frames: Optional[List[Frame]] = None) -> None:
        super().__init__(message, TrapCode.INTERRUPTED, int(lib.KEEL_ERROR_TRAP), frames)
        self.timeout = timeout


class MalformedError(Error):
    """The module's bytes or text do not decode (``offset`` says where)."""


class ValidationError(Error):
    """The module does not validate."""


class LinkError(Error):
    """Imports are missing or have the wrong type ("unknown import: m::n")."""


class InvalidArgumentError(Error, ValueError):
    """The call was wrong (wrong arity, kind, out of range ...)."""


class StoreMismatchError(Error, ValueError):
    """An object of one store was used with another store."""


class BusyError(Error):
    """The store is in use by another thread (try_call)."""


class HandleError(Error, ValueError):
    """A released or foreign handle was passed (debug guard)."""


class UnsupportedError(Error):
    """A feature this build or configuration does not support."""


class LimitError(Error):
    """An implementation or declared limit was exceeded."""


class KeelMemoryError(Error, MemoryError):
    """The host ran out of memory or a store memory limit was hit."""


class KeelIOError(Error, OSError):
    """A file could not be read or written."""


class HostError(Error):
    """A host callback failed with an error that carries no Python exception."""


class Exit(Error):
    """The guest asked to exit (WASI proc_exit); ``code`` is its status.
    A host function may raise ``Exit(code)`` to end the wasm call."""

    def __init__(self, code: int, message: Optional[str] = None, kind: int = int(lib.KEEL_ERROR_EXIT)) -> None:
        super().__init__(message or "exit with code %d" % code, kind)
        self.code = code


class WasmException(Error):
    """An uncaught wasm exception left the call; ``exn`` is a keel.Exn or None."""

    def __init__(self, message: str, kind: int, exn: object = None, frames: Optional[List[Frame]] = None) -> None:
        super().__init__(message, kind, None, frames)
        self.exn = exn


class InternalError(Error):
    """A bug in Keel."""


_KIND_CLASS = {
    int(lib.KEEL_ERROR_INVALID_ARGUMENT): InvalidArgumentError,
    int(lib.KEEL_ERROR_MALFORMED): MalformedError,
    int(lib.KEEL_ERROR_INVALID): ValidationError,
    int(lib.KEEL_ERROR_UNLINKABLE): LinkError,
    int(lib.KEEL_ERROR_OUT_OF_MEMORY): KeelMemoryError,
    int(lib.KEEL_ERROR_BUSY): BusyError,
    int(lib.KEEL_ERROR_STORE_MISMATCH): StoreMismatchError,
    int(lib.KEEL_ERROR_IO): KeelIOError,
    int(lib.KEEL_ERROR_HOST): HostError,
    int(lib.KEEL_ERROR_INVALID_HANDLE): HandleError,
    int(lib.KEEL_ERROR_UNSUPPORTED): UnsupportedError,
    int(lib.KEEL_ERROR_LIMIT): LimitError,
    int(lib.KEEL_ERROR_INTERNAL): InternalError,
}

# ----------------------------------------------------------- host exceptions

_pending: Dict[int, BaseException] = {}
_tokens = itertools.count(1)
_pending_lock = threading.Lock()


def host_error_for(exc: BaseException) -> object:
    """A new KEEL_ERROR_HOST error carrying ``exc`` (for a host callback to return)."""
    if isinstance(exc, Exit):
        return lib.keel_error_new_exit(int(exc.code))
    with _pending_lock:
        token = next(_tokens)
        _pending[token] = exc
    msg = ("%s: %s" % (type(exc).__name__, exc)).encode("utf-8", "replace")
    return lib.keel_error_new_host(ffi.cast("void *", token), lib._keel_py_err_fin, msg)


@ffi.def_extern()
def _keel_py_err_fin(payload):  # type: ignore[no-untyped-def]
    """Called by keel_error_free when a host error is freed without being taken."""
    try:
        with _pending_lock:
            _pending.pop(int(ffi.cast("uintptr_t", payload)), None)
    except Exception:
        pass


def _note(exc: BaseException, frames: List[Frame]) -> None:
    """Add the wasm frames to a host function's exception, once (the innermost
    wasm call that sees it), with add_note (Python 3.11+)."""
    if getattr(exc, "_keel_noted", False) or not hasattr(exc, "add_note"):
        return
    try:
        exc._keel_noted = True  # type: ignore[attr-defined]
        if frames:
            exc.add_note("keel: raised in a host function called from wasm; wasm backtrace (innermost "
                         "first):\n" + "\n".join("  %d: %s" % (i, f) for i, f in enumerate(frames)))
        else:
            exc.add_note("keel: raised in a host function called from wasm")
    except Exception:
        pass


def _str(p: object) -> Optional[str]:
    return None if p == ffi.NULL else ffi.string(p).decode("utf-8", "replace")  # type: ignore[arg-type]


def frames_of(err: object) -> List[Frame]:
    """The backtrace of an error, innermost first."""
    out = []
    for i in range(lib.keel_error_frame_count(err)):
        idx = lib.keel_error_frame_func_index(err, i)
        off = lib.keel_error_frame_offset(err, i)
        out.append(Frame(None if idx == 0xFFFFFFFF else int(idx),
                         _str(lib.keel_error_frame_func_name(err, i)),
                         _str(lib.keel_error_frame_module_name(err, i)),
                         None if off == 0xFFFFFFFF else int(off)))
    return out


def error_from(err: object, exn_wrap=None) -> BaseException:  # type: ignore[no-untyped-def]
    """Convert an owned ``keel_error *`` into an exception and free it.

    ``exn_wrap`` turns a borrowed ``keel_exn *`` into a Python object for
    KEEL_ERROR_EXCEPTION errors.
    """
    try:
        kind = int(lib.keel_error_kind(err))
        message = ffi.string(lib.keel_error_message(err)).decode("utf-8", "replace")
        frames = frames_of(err)
        if kind == lib.KEEL_ERROR_HOST:
            payload = lib.keel_error_take_host_payload(err)
            token = int(ffi.cast("uintptr_t", payload))
            with _pending_lock:
                exc = _pending.pop(token, None)
            if exc is not None:
                _note(exc, frames)
                return exc
            return HostError(message, kind, None, frames)
        if kind == lib.KEEL_ERROR_TRAP:
            return Trap(message, int(lib.keel_error_trap_code(err)), kind, frames)
        if kind == lib.KEEL_ERROR_EXIT:
            return Exit(int(lib.keel_error_exit_code(err)), message, kind)
        if kind == lib.KEEL_ERROR_EXCEPTION:
            exn = None
            p = lib.keel_error_exception(err)
            if p != ffi.NULL and exn_wrap is not None:
                exn = exn_wrap(lib.keel_exn_retain(p))
            return WasmException(message, kind, exn, frames)
        off = int(lib.keel_error_offset(err))
        cls = _KIND_CLASS.get(kind, Error)
        return cls(message, kind, None if off < 0 else off, frames)
    finally:
        lib.keel_error_free(err)


def check(err: object) -> None:
    """Raise the exception for a ``keel_error *`` result (no-op for NULL)."""
    if err != ffi.NULL:
        raise error_from(err)
