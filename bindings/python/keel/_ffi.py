"""Loads the compiled CFFI module and checks the library's ABI version.

Also holds the binding's debug switch: with ``KEEL_PY_GC_EVERY_USE=1`` in the
environment, every use of a handle first runs ``gc.collect()``, so that a
wrapper freed too early shows up at once instead of depending on GC timing.
"""
from __future__ import annotations

import gc
import os
import sys

from ._keel_cffi import ffi, lib  # type: ignore[import-not-found]

__all__ = ["ffi", "lib", "accel", "ABI_MAJOR", "ABI_MINOR", "check_abi_version", "gc_every_use"]

#: ABI major/minor of the header this binding was generated from.
ABI_MAJOR: int = int(lib.KEEL_ABI_MAJOR)
ABI_MINOR: int = int(lib.KEEL_ABI_MINOR)


def check_abi_version(version: int, major: int = ABI_MAJOR, minor: int = ABI_MINOR) -> None:
    """Raise ImportError unless a packed ``(major << 16) | minor`` library version
    is usable by a binding built for ``major.minor`` (same major, minor at least)."""
    lib_major, lib_minor = version >> 16, version & 0xFFFF
    if lib_major != major or lib_minor < minor:
        raise ImportError(
            "keel: the loaded Keel library has ABI %d.%d but this binding was built for "
            "ABI %d.%d (the major must match and the minor be at least %d); reinstall the "
            "keel package so it is rebuilt against its library" % (lib_major, lib_minor, major, minor, minor))


check_abi_version(int(lib.keel_abi_version()))

_GC_EVERY_USE = os.environ.get("KEEL_PY_GC_EVERY_USE", "") not in ("", "0")

# The C accelerator (src/keel_accel.c, compiled into the same extension as
# the CFFI layer and the engine): the install function builds the module
# object keel._accel and registers it in sys.modules. keel._func configures it.
if lib._keel_accel_install() != 0:
    raise ImportError("keel: the C accelerator (keel._accel) failed to initialise; see the error above")
accel = sys.modules["keel._accel"]
accel.set_gc_every_use(_GC_EVERY_USE)

# KEEL_PY_DEBUG_GUARD=1 turns the library's handle guard on at import: a
# released handle passed back is reported (keel.HandleError), never used.
if os.environ.get("KEEL_PY_DEBUG_GUARD", "") not in ("", "0"):
    lib.keel_debug_set_guard(1)


def gc_every_use() -> bool:
    """Whether the KEEL_PY_GC_EVERY_USE debug mode is on."""
    return _GC_EVERY_USE


def set_gc_every_use(on: bool) -> None:
    """Turn the collect-at-every-handle-use debug mode on or off (tests)."""
    global _GC_EVERY_USE
    _GC_EVERY_USE = bool(on)
    accel.set_gc_every_use(_GC_EVERY_USE)
    from . import _handle
    _handle._set_gc_mode(_GC_EVERY_USE)


def collect() -> None:
    """The collection run at every handle use in debug mode."""
    gc.collect()
