"""Config, Engine and Module: the immutable, thread-safe half of the API."""
from __future__ import annotations

import os
from typing import Any, List, Optional, Union

from ._errors import check
from ._ffi import ffi, lib
from ._handle import Handle
from ._types import ExportType, ImportType, take_externtype

__all__ = ["Config", "Engine", "Module", "wat2wasm", "FEATURES"]

#: Feature names accepted by Config.set_feature / Config(features=...).
FEATURES = {
    "simd": int(lib.KEEL_FEATURE_SIMD), "threads": int(lib.KEEL_FEATURE_THREADS),
    "gc": int(lib.KEEL_FEATURE_GC), "exceptions": int(lib.KEEL_FEATURE_EXCEPTIONS),
    "tail_calls": int(lib.KEEL_FEATURE_TAIL_CALLS), "memory64": int(lib.KEEL_FEATURE_MEMORY64),
    "multi_memory": int(lib.KEEL_FEATURE_MULTI_MEMORY),
    "function_references": int(lib.KEEL_FEATURE_FUNCTION_REFERENCES),
    "extended_const": int(lib.KEEL_FEATURE_EXTENDED_CONST),
    "custom_page_sizes": int(lib.KEEL_FEATURE_CUSTOM_PAGE_SIZES),
    "wide_arithmetic": int(lib.KEEL_FEATURE_WIDE_ARITHMETIC),
}


def _feature(f: Union[str, int]) -> int:
    if isinstance(f, str):
        try:
            return FEATURES[f]
        except KeyError:
            raise ValueError("unknown feature %r; known: %s" % (f, ", ".join(sorted(FEATURES)))) from None
    if isinstance(f, int) and not isinstance(f, bool):
        return f
    raise TypeError("a feature is a name or a KEEL_FEATURE_* number, got %s" % type(f).__name__)


class Config(Handle):
    """Engine settings (an opaque builder). Every feature is on by default.

    ``Config(max_call_depth=..., value_stack_size=..., debug_guard=...,
    features={"gc": False})`` or set them afterwards. An Engine copies its
    config, so one config can make several engines.
    """

    _free = lib.keel_config_free

    def __init__(self, *, max_call_depth: Optional[int] = None, value_stack_size: Optional[int] = None,
                 debug_guard: Optional[bool] = None, features: Optional[dict] = None) -> None:
        out = ffi.new("keel_config **")
        check(lib.keel_config_new(out))
        self._init_handle(out[0])
        if max_call_depth is not None:
            self.max_call_depth = max_call_depth
        if value_stack_size is not None:
            self.value_stack_size = value_stack_size
        if debug_guard is not None:
            self.debug_guard = debug_guard
        for name, on in (features or {}).items():
            self.set_feature(name, on)

    def set_feature(self, feature: Union[str, int], enable: bool) -> None:
        """Switch a feature (a name from keel.FEATURES or a number) on or off."""
        check(lib.keel_config_set_feature(self._ptr(), _feature(feature), bool(enable)))

    def get_feature(self, feature: Union[str, int]) -> bool:
        """Whether a feature is on."""
        return bool(lib.keel_config_get_feature(self._ptr(), _feature(feature)))

    def _set_max_call_depth(self, depth: int) -> None:
        if not isinstance(depth, int) or not 0 <= depth <= 0xFFFFFFFF:
            raise ValueError("max_call_depth must be an int in 1..2**32-1")
        check(lib.keel_config_set_max_call_depth(self._ptr(), depth))

    max_call_depth = property(None, _set_max_call_depth,
                              doc="Maximum nested wasm calls before 'call stack exhausted' (write-only).")

    def _set_value_stack_size(self, nbytes: int) -> None:
        if not isinstance(nbytes, int) or nbytes < 0:
            raise ValueError("value_stack_size must be a non-negative int")
        check(lib.keel_config_set_value_stack_size(self._ptr(), nbytes))

    value_stack_size = property(None, _set_value_stack_size,
                                doc="Bytes of each store's value stack, at least 4096 (write-only).")

    def _set_debug_guard(self, on: bool) -> None:
        check(lib.keel_config_set_debug_guard(self._ptr(), bool(on)))

    debug_guard = property(None, _set_debug_guard,
                           doc="Turn the process-wide handle guard on at engine creation (write-only).")


class Engine(Handle):
    """An engine: features, limits and the type registry. Immutable and
    thread-safe; modules and stores keep it alive."""

    _free = lib.keel_engine_release

    def __init__(self, config: Optional[Config] = None) -> None:
        if config is not None and not isinstance(config, Config):
            raise TypeError("Engine(config): expected a keel.Config or None, got %s" % type(config).__name__)
        out = ffi.new("keel_engine **")
        check(lib.keel_engine_new(ffi.NULL if config is None else config._ptr(), out))
        self._init_handle(out[0])


def _source_bytes(src: Any, what: str) -> bytes:
    if isinstance(src, (bytes, bytearray, memoryview)):
        return bytes(src)
    raise TypeError("%s: expected bytes (binary module) or str (WAT text), got %s" % (what, type(src).__name__))


def wat2wasm(text: Union[str, bytes]) -> bytes:
    """Convert WebAssembly text to the binary format (raises MalformedError)."""
    data = text.encode("utf-8") if isinstance(text, str) else _source_bytes(text, "wat2wasm")
    out = ffi.new("uint8_t **")
    size = ffi.new("size_t *")
    check(lib.keel_wat_to_wasm(data, len(data), out, size))
    try:
        return bytes(ffi.buffer(out[0], size[0]))
    finally:
        lib.keel_bytes_free(out[0])


def _is_binary(data: bytes) -> bool:
    return data[:4] == b"\0asm"


class Module(Handle):
    """A compiled module: decoded, validated and compiled once, then
    instantiated in any number of stores on any thread.

    ``Module(engine, source)``: ``source`` is the binary format (bytes, starting
    with ``\\0asm``) or WAT text (str, or bytes that are not a binary).
    Raises MalformedError (with ``offset``) or ValidationError.
    """

    _free = lib.keel_module_release

    def __init__(self, engine: Engine, source: Union[bytes, bytearray, memoryview, str]) -> None:
        if not isinstance(engine, Engine):
            raise TypeError("Module(engine, source): expected a keel.Engine, got %s" % type(engine).__name__)
        out = ffi.new("keel_module **")
        if isinstance(source, str):
            text = source.encode("utf-8")
            check(lib.keel_module_new_wat(engine._ptr(), text, len(text), out))
        else:
            data = _source_bytes(source, "Module")
            if _is_binary(data) or not data.lstrip()[:1] in (b"(", b";"):
                check(lib.keel_module_new(engine._ptr(), data, len(data), out))
            else:
                check(lib.keel_module_new_wat(engine._ptr(), data, len(data), out))
        self._init_handle(out[0])
        self.engine = engine

    @classmethod
    def from_file(cls, engine: Engine, path: Union[str, "os.PathLike[str]"]) -> "Module":
        """Compile a .wasm or .wat file."""
        with open(path, "rb") as f:
            data = f.read()
        if not _is_binary(data):
            return cls(engine, data.decode("utf-8"))
        return cls(engine, data)

    @staticmethod
    def validate(engine: Engine, source: Union[bytes, bytearray, memoryview, str]) -> None:
        """Decode and validate a module without compiling it; raises
        MalformedError or ValidationError when it is not valid."""
        if not isinstance(engine, Engine):
            raise TypeError("Module.validate(engine, source): expected a keel.Engine, got %s"
                            % type(engine).__name__)
        data = wat2wasm(source) if isinstance(source, str) else _source_bytes(source, "Module.validate")
        check(lib.keel_module_validate(engine._ptr(), data, len(data)))

    @property
    def name(self) -> Optional[str]:
        """The module name from the name section, or None."""
        p = lib.keel_module_name(self._ptr())
        return None if p == ffi.NULL else ffi.string(p).decode("utf-8", "replace")

    @property
    def imports(self) -> List[ImportType]:
        """The imports, in order, with their types."""
        h = self._ptr()
        out: List[ImportType] = []
        mn, ml = ffi.new("const char **"), ffi.new("size_t *")
        nn, nl = ffi.new("const char **"), ffi.new("size_t *")
        t = ffi.new("keel_externtype **")
        for i in range(lib.keel_module_import_count(h)):
            check(lib.keel_module_import(h, i, mn, ml, nn, nl, t))
            ty = take_externtype(t[0])
            out.append(ImportType(_name(mn[0], ml[0]), _name(nn[0], nl[0]), ty))
        return out

    @property
    def exports(self) -> List[ExportType]:
        """The exports, in order, with their types."""
        h = self._ptr()
        out: List[ExportType] = []
        nn, nl = ffi.new("const char **"), ffi.new("size_t *")
        t = ffi.new("keel_externtype **")
        for i in range(lib.keel_module_export_count(h)):
            check(lib.keel_module_export(h, i, nn, nl, t))
            out.append(ExportType(_name(nn[0], nl[0]), take_externtype(t[0])))
        return out


def _name(p: Any, n: int) -> str:
    return bytes(ffi.buffer(p, n)).decode("utf-8", "surrogateescape") if n else ""
