"""Compiled code as a handle of its own (keel/code.h, issue 7): the code
cache, serialisation and where a module's code came from.

A module's compiled code is one refcounted, read-only block: the module
retains it, every instance retains its module, and a keel.Code handle
retains it too, so the code stays mapped while any of them lives. The bytes
of ``Code.serialize()`` (and ``Module.serialize()``) are exactly the bytes
executed; ``Module.deserialize`` accepts them only in a process running the
same Keel build (checked: magic, format version, build id, lengths,
checksum). A checksum detects damage, not malice: never deserialise bytes
from an untrusted source.
"""
from __future__ import annotations

import enum
from typing import Any, Union

from ._errors import check
from ._ffi import ffi, lib
from ._handle import Handle

__all__ = ["Code", "CodeOrigin", "take_bytes"]


class CodeOrigin(enum.IntEnum):
    """Where a module's code memory came from (``Code.origin``,
    ``Module.origin``). Newer libraries may report other numbers: those come
    back as plain ints."""

    COMPILED = int(lib.KEEL_CODE_COMPILED)
    """Compiled by this process."""
    CACHED = int(lib.KEEL_CODE_CACHED)
    """Mapped from the engine's file cache (Config(cache_dir=...))."""
    DESERIALIZED = int(lib.KEEL_CODE_DESERIALIZED)
    """From Module.deserialize or Module.deserialize_file."""


def origin_of(n: int) -> Union[CodeOrigin, int]:
    """A CodeOrigin, or the raw number when this binding does not know it."""
    try:
        return CodeOrigin(n)
    except ValueError:
        return n


def take_bytes(fill: Any) -> bytes:
    """Run ``fill(uint8_t **out, size_t *size)`` (returning a keel_error *),
    copy the library-owned buffer into Python bytes and free it with
    keel_bytes_free (the ABI's deallocator for every byte buffer it hands out)."""
    out = ffi.new("uint8_t **")
    size = ffi.new("size_t *")
    check(fill(out, size))
    try:
        return bytes(ffi.buffer(out[0], size[0])) if size[0] else b""
    finally:
        lib.keel_bytes_free(out[0])


class Code(Handle):
    """The compiled code of a module (``Module.code()``).

    Holding a Code keeps the code memory mapped even after the module and
    every store are gone. ``len(code)`` / ``code.size`` is its size in bytes
    (the serialised size), ``code.origin`` a CodeOrigin, and
    ``code.serialize()`` the bytes Module.deserialize accepts.
    """

    _free = lib.keel_code_release

    @classmethod
    def _take(cls, p: Any) -> "Code":
        self = cls.__new__(cls)
        self._init_handle(p)
        return self

    @property
    def size(self) -> int:
        """The size of the code memory in bytes (the serialised size)."""
        return int(lib.keel_code_size(self._ptr()))

    def __len__(self) -> int:
        return self.size

    @property
    def origin(self) -> Union[CodeOrigin, int]:
        """CodeOrigin.COMPILED, CACHED or DESERIALIZED."""
        return origin_of(int(lib.keel_code_origin(self._ptr())))

    def serialize(self) -> bytes:
        """The code as bytes for Module.deserialize (same Keel build only)."""
        h = self._enter()
        try:
            return take_bytes(lambda out, size: lib.keel_code_serialize(h, out, size))
        finally:
            self._leave()

    def __repr__(self) -> str:
        if self.closed:
            return "<keel.Code closed>"
        o = self.origin
        return "<keel.Code %s, %d bytes>" % (o.name.lower() if isinstance(o, CodeOrigin) else o, self.size)
