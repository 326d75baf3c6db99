"""The base class of every wrapper that owns a Keel handle.

Why a use count: a wrapper may be closed (explicitly, or by ``__del__`` on
the garbage collector's thread) while another thread is between reading the
handle and entering C. ``close()`` therefore only marks the wrapper closed
while uses are in flight; the last use to finish releases the handle. The
ABI allows releasing handles while calls run (a running call retains its
store), so this only guards the short window before C has the handle.
"""
from __future__ import annotations

import gc
from typing import Any, Callable, Optional

from . import _ffi

_gc_every_use = _ffi.gc_every_use()


def _set_gc_mode(on: bool) -> None:
    global _gc_every_use
    _gc_every_use = on


class Handle:
    """A wrapper owning one reference to a Keel handle.

    Usable as a context manager; ``close()`` releases the reference early and
    is idempotent. ``__del__`` releases it otherwise and is safe at
    interpreter shutdown (it only calls the C release function, which never
    calls back into Python).
    """

    __slots__ = ("_h", "_uses", "_closing", "__weakref__")
    #: the C release/free function for this kind of handle
    _free: Callable[[Any], None]

    def _init_handle(self, h: Any) -> None:
        self._h = h
        self._uses = 0
        self._closing = False

    def _enter(self) -> Any:
        """Start a use of the handle; returns the raw pointer. Pair with _leave()."""
        if _gc_every_use:
            gc.collect()
        self._uses += 1
        h = self._h
        if h is None or self._closing:
            self._leave()
            raise ValueError("%s is closed" % type(self).__name__)
        return h

    def _leave(self) -> None:
        self._uses -= 1
        if self._closing and self._uses <= 0:
            self._do_release()

    def _ptr(self) -> Any:
        """The raw pointer for a use that does not release the GIL and so cannot race."""
        if _gc_every_use:
            gc.collect()
        h = self._h
        if h is None or self._closing:
            raise ValueError("%s is closed" % type(self).__name__)
        return h

    def _do_release(self) -> None:
        h = self._h
        self._h = None
        if h is not None:
            type(self)._free(h)

    @property
    def closed(self) -> bool:
        """True once close() was called (or the wrapper was finalized)."""
        return self._h is None or self._closing

    def close(self) -> None:
        """Release this wrapper's reference now. Idempotent. Objects still
        reachable from wasm (functions in tables, the store's contents) stay
        alive in the store; only this Python handle goes."""
        try:
            h = self._h
        except AttributeError:  # __init__ failed before the handle was set
            return
        if h is None:
            return
        self._closing = True
        if self._uses <= 0:
            self._do_release()

    def __enter__(self) -> "Handle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: never raise from a finalizer
            pass


def owned(out: Any) -> Optional[Any]:
    """The pointer in a ``T **`` out-parameter, or None when it is NULL."""
    p = out[0]
    return None if p == _ffi.ffi.NULL else p
