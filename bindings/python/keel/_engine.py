"""Config, Engine and Module: the immutable, thread-safe half of the API."""
from __future__ import annotations

import os
from typing import Any, List, Optional, Union

from ._code import Code, CodeOrigin, take_bytes
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
    features={"gc": False}, cache_dir="/var/cache/app", cache_max_bytes=...)``
    or set them afterwards. An Engine copies its config, so one config can
    make several engines.

    ``cache_dir`` gives the engine a compiled-code file cache (issue 7):
    ``Module(engine, wasm)`` looks the bytes up there and, on a verified hit,
    maps the cached code instead of validating and compiling again
    (``module.origin`` is then ``CodeOrigin.CACHED``). A damaged entry is a
    miss; an unwritable directory means "no cache" (one warning on stderr),
    never a failed compile. ``cache_max_bytes`` bounds the directory (least
    recently used entries go first; 0 = no limit).
    """

    _free = lib.keel_config_free

    def __init__(self, *, max_call_depth: Optional[int] = None, value_stack_size: Optional[int] = None,
                 debug_guard: Optional[bool] = None, features: Optional[dict] = None,
                 cache_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
                 cache_max_bytes: Optional[int] = None) -> None:
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
        if cache_dir is not None:
            self.cache_dir = cache_dir
        if cache_max_bytes is not None:
            self.cache_max_bytes = cache_max_bytes

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

    def _set_cache_dir(self, path: Optional[Union[str, "os.PathLike[str]"]]) -> None:
        if path is None or path == "":
            check(lib.keel_config_set_cache_dir(self._ptr(), ffi.NULL))
            return
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError("cache_dir must be a path (str or os.PathLike) or None, got %s"
                            % type(path).__name__)
        b = os.fsencode(path)
        if b"\0" in b:
            raise ValueError("cache_dir must not contain NUL characters")
        check(lib.keel_config_set_cache_dir(self._ptr(), b))

    cache_dir = property(None, _set_cache_dir,
                         doc="Directory of the compiled-code file cache (created if missing); "
                             "None or \"\" turns the cache off (write-only).")

    def _set_cache_max_bytes(self, nbytes: int) -> None:
        if not isinstance(nbytes, int) or isinstance(nbytes, bool) or not 0 <= nbytes < 1 << 64:
            raise ValueError("cache_max_bytes must be an int in 0..2**64-1 (0 = no limit), got %r" % (nbytes,))
        check(lib.keel_config_set_cache_max_bytes(self._ptr(), nbytes))

    cache_max_bytes = property(None, _set_cache_max_bytes,
                               doc="About how many bytes the cache directory may hold; the least "
                                   "recently used entries are removed past it; 0 = no limit (write-only).")


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

    def increment_epoch(self) -> None:
        """Advance the engine's epoch by one tick: stores of this engine whose
        epoch deadline (Store.set_epoch_deadline) is reached trap with
        TrapCode.DEADLINE (or ask their deadline callback). Any thread,
        lock-free; typically called from a timer thread."""
        lib.keel_engine_increment_epoch(self._ptr())

    @property
    def epoch(self) -> int:
        """The engine's current epoch (0 until the first increment)."""
        return int(lib.keel_engine_epoch(self._ptr()))


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

    @classmethod
    def _take(cls, engine: Engine, p: Any) -> "Module":
        self = cls.__new__(cls)
        self._init_handle(p)
        self.engine = engine
        return self

    @classmethod
    def deserialize(cls, engine: Engine, data: Union[bytes, bytearray, memoryview]) -> "Module":
        """A module from ``Module.serialize()`` / ``Code.serialize()`` bytes,
        without validating or compiling again. Only bytes written by the same
        Keel build are accepted: damaged, truncated or foreign bytes raise
        MalformedError, an engine with other features UnsupportedError.
        The checksum detects damage, not malice: never deserialise bytes
        from an untrusted source."""
        if not isinstance(engine, Engine):
            raise TypeError("Module.deserialize(engine, data): expected a keel.Engine, got %s"
                            % type(engine).__name__)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("Module.deserialize: expected bytes from Module.serialize(), got %s"
                            % type(data).__name__)
        b = ffi.from_buffer("uint8_t[]", data)
        out = ffi.new("keel_module **")
        check(lib.keel_module_deserialize(engine._ptr(), b, len(b), out))
        return cls._take(engine, out[0])

    @classmethod
    def deserialize_file(cls, engine: Engine, path: Union[str, "os.PathLike[str]"]) -> "Module":
        """Module.deserialize of a file's contents (e.g. written by
        ``keel compile`` or Module.serialize). The file is read, never mapped.
        Raises KeelIOError when it cannot be read, else as deserialize."""
        if not isinstance(engine, Engine):
            raise TypeError("Module.deserialize_file(engine, path): expected a keel.Engine, got %s"
                            % type(engine).__name__)
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError("Module.deserialize_file: path must be a str or os.PathLike, got %s"
                            % type(path).__name__)
        b = os.fsencode(path)
        if b"\0" in b:
            raise ValueError("path must not contain NUL characters")
        out = ffi.new("keel_module **")
        check(lib.keel_module_deserialize_file(engine._ptr(), b, out))
        return cls._take(engine, out[0])

    def serialize(self) -> bytes:
        """The module's wasm bytes and compiled code in one checked image,
        for Module.deserialize in a process running the same Keel build."""
        h = self._enter()
        try:
            return take_bytes(lambda out, size: lib.keel_module_serialize(h, out, size))
        finally:
            self._leave()

    def code(self) -> Code:
        """A new keel.Code handle on the module's compiled code (close it, or
        use ``with``); it keeps the code mapped even after the module goes."""
        out = ffi.new("keel_code **")
        check(lib.keel_module_code(self._ptr(), out))
        return Code._take(out[0])

    @property
    def origin(self) -> Union[CodeOrigin, int]:
        """Where the module's code came from: CodeOrigin.COMPILED, CACHED
        (the engine's cache_dir) or DESERIALIZED."""
        with self.code() as c:
            return c.origin

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
