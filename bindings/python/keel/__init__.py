"""keel: Python binding of the Keel WebAssembly runtime.

    import keel
    engine = keel.Engine()
    module = keel.Module(engine, '(module (func (export "add") (param i32 i32) (result i32)'
                                 ' local.get 0 local.get 1 i32.add))')
    store = keel.Store(engine)
    inst = keel.Instance(store, module)
    assert inst.exports.add(2, 3) == 5

Every object that owns a Keel handle is a context manager with close();
finalization in any order (and at interpreter shutdown) is safe.
"""
from __future__ import annotations

from ._ffi import ABI_MAJOR, ABI_MINOR, check_abi_version, ffi as _ffi_mod, lib as _lib
from ._errors import (BusyError, Error, Exit, Frame, HandleError, HostError, InternalError,
                      InvalidArgumentError, KeelIOError, KeelMemoryError, LimitError, LinkError,
                      MalformedError, StoreMismatchError, Timeout, Trap, TrapCode, UnsupportedError,
                      ValidationError, WasmException)
from ._types import (ExportType, ExternType, FuncType, GlobalType, ImportType, MemoryType, TableType,
                     TagType, ValType, anyref, exnref, externref, f32, f64, funcref, i32, i64, v128)
from ._values import Val
from ._code import Code, CodeOrigin
from ._engine import FEATURES, Config, Engine, Module, wat2wasm
from ._store import Store, UnknownExternRef
from ._func import Caller, Func
from ._objects import Exn, Global, Memory, MemoryView, Ref, StaleViewError, Table, Tag
from ._instance import Exports, Instance, Linker
from ._wasi import Wasi, WasiConfig, wasi_run

__version__ = "0.1.0"

__all__ = [
    "ABI_MAJOR", "ABI_MINOR", "check_abi_version", "abi_version", "version",
    "Error", "Trap", "Timeout", "TrapCode", "Frame", "MalformedError", "ValidationError", "LinkError",
    "InvalidArgumentError", "StoreMismatchError", "BusyError", "HandleError", "UnsupportedError",
    "LimitError", "KeelMemoryError", "KeelIOError", "HostError", "Exit", "WasmException",
    "InternalError", "StaleViewError",
    "ValType", "FuncType", "TableType", "MemoryType", "GlobalType", "TagType", "ImportType",
    "ExportType", "ExternType", "i32", "i64", "f32", "f64", "v128", "funcref", "externref",
    "anyref", "exnref", "Val",
    "FEATURES", "Config", "Engine", "Module", "Code", "CodeOrigin", "wat2wasm", "Store", "UnknownExternRef", "Caller",
    "Func", "Memory", "MemoryView", "Table", "Global", "Tag", "Exn", "Ref", "Instance", "Exports",
    "Linker", "Wasi", "WasiConfig", "wasi_run", "debug_live_handles", "debug_live_stores", "debug_set_guard", "debug_guard",
    "debug_flush_quarantine",
]


def abi_version() -> tuple:
    """The loaded library's ABI version as (major, minor)."""
    v = int(_lib.keel_abi_version())
    return v >> 16, v & 0xFFFF


def version() -> str:
    """The loaded library's release version, e.g. "0.1.0"."""
    return _ffi_mod.string(_lib.keel_version()).decode()


_HANDLE_KINDS = {
    "all": 0, "config": 1, "engine": 2, "module": 3, "store": 4, "linker": 5, "instance": 6,
    "func": 7, "memory": 8, "table": 9, "global": 10, "tag": 11, "exn": 12, "externref": 13,
    "ref": 14, "valtype": 15, "functype": 16, "externtype": 17, "code": 18,
}


def debug_live_handles(kind: "str | int" = "all") -> int:
    """Live C handles of a kind ("func", "store", ... or "all"); tests assert 0
    after dropping everything and running gc.collect()."""
    k = _HANDLE_KINDS[kind] if isinstance(kind, str) else int(kind)
    return int(_lib.keel_debug_live_handles(k))


def debug_live_stores() -> int:
    """Live internal store objects (whether or not a handle names them)."""
    return int(_lib.keel_debug_live_stores())


def debug_set_guard(on: bool) -> None:
    """Turn the process-wide handle guard on or off (tests)."""
    _lib.keel_debug_set_guard(1 if on else 0)


def debug_guard() -> bool:
    """Whether the handle guard is on."""
    return bool(_lib.keel_debug_guard())


def debug_flush_quarantine() -> None:
    """Free the guard's quarantine (only when no stale handle can come back)."""
    _lib.keel_debug_flush_quarantine()
