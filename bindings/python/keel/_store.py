"""Store: the world one group of instances lives in, and the Python-side
tables that make references to Python objects safe.

Ownership in Python mirrors the ABI: every wrapper of a store object (Func,
Memory, Instance ...) holds a strong reference to its Store wrapper, so the
Store wrapper outlives every wrapper that can reach the C store. The Store
wrapper owns
  - the host functions' Python state (``_hosts``): the C side only sees an
    integer token as the callback's env, looked up through a weak map, so a
    cycle Store -> host closure -> Store is ordinary Python garbage and a
    collected host function can never be called through a dangling pointer;
  - the externref table: each Python object passed into wasm gets a token
    (the externref's host value) and one keel_externref handle.
Neither needs a C finalizer calling back into Python, so releasing the last
C reference (possibly at interpreter shutdown) never runs Python code.
"""
from __future__ import annotations

import itertools
import threading
import weakref
from typing import Any, Dict, Optional

from ._errors import check
from ._ffi import ffi, lib
from ._handle import Handle

__all__ = ["Store", "UnknownExternRef"]

# token (as void * cdata) -> weakref to the HostState (see _func.py)
host_states: Dict[Any, "weakref.ref[Any]"] = {}
_host_tokens = itertools.count(1)
_host_lock = threading.Lock()


def register_host(store: "Store", state: Any) -> Any:
    """Give a host state a token; the store keeps the state alive."""
    with _host_lock:
        token = next(_host_tokens)
    key = ffi.cast("void *", token)
    store._hosts[token] = state
    def forget(_r: Any, k: Any = key) -> None:
        host_states.pop(k, None)

    host_states[key] = weakref.ref(state, forget)
    return key


class UnknownExternRef:
    """An externref this binding did not create (e.g. from a C host): its raw
    pointer-sized host value."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnknownExternRef) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return "UnknownExternRef(%#x)" % self.value


class Store(Handle):
    """A store: owns every instance, function, memory, table, global and
    reference created in it; they are freed together when the last handle
    (Python wrapper or running call) goes.

    One thread at a time runs inside a store (the ABI serialises calls);
    different stores run in parallel.
    """

    _free = lib.keel_store_release

    def __init__(self, engine: Any) -> None:
        from ._engine import Engine
        if not isinstance(engine, Engine):
            raise TypeError("Store(engine): expected a keel.Engine, got %s" % type(engine).__name__)
        out = ffi.new("keel_store **")
        check(lib.keel_store_new(engine._ptr(), out))
        self._init_handle(out[0])
        self.engine = engine
        # An internal reference for conversions that must work even after
        # close() (externrefs passed to functions that are still open).
        self._inner = lib.keel_store_retain(out[0])
        self._hosts: Dict[int, Any] = {}
        self._ext_lock = threading.Lock()
        self._ext_objs: Dict[int, Any] = {}
        self._ext_tokens: Dict[int, int] = {}
        self._ext_handles: Dict[int, Any] = {}
        self._ext_next = 1

    def __del__(self) -> None:
        try:
            self.close()
            inner, self._inner = self._inner, None
            if inner is not None:
                lib.keel_store_release(inner)
        except Exception:
            pass

    # ----------------------------------------------------------- externrefs
    def _externref_for(self, obj: Any) -> Any:
        """A borrowed keel_externref * naming ``obj`` (created once per object)."""
        if isinstance(obj, UnknownExternRef):
            raise TypeError("cannot pass an externref from a foreign host back into wasm")
        with self._ext_lock:
            token = self._ext_tokens.get(id(obj))
            if token is not None and self._ext_objs.get(token) is obj:
                return self._ext_handles[token]
            if self._inner is None:
                raise ValueError("Store is closed")
            token = self._ext_next
            self._ext_next += 1
            out = ffi.new("keel_externref **")
            check(lib.keel_externref_new(self._inner, token, ffi.NULL, out))
            h = ffi.gc(out[0], lib.keel_externref_release)
            self._ext_objs[token] = obj
            self._ext_tokens[id(obj)] = token
            self._ext_handles[token] = h
            return h

    def _externref_value(self, p: Any) -> Any:
        token = int(lib.keel_externref_value(p))
        try:
            return self._ext_objs[token]
        except KeyError:
            return UnknownExternRef(token)

    # ----------------------------------------------------------- wrappers
    def _wrap_func(self, p: Any) -> Any:
        from ._func import Func
        return Func._wrap(self, p)

    def _wrap_ref(self, p: Any) -> Any:
        from ._objects import Ref
        return Ref._wrap(self, p)

    def _wrap_exn(self, p: Any) -> Any:
        from ._objects import Exn
        return Exn._wrap(self, p)

    # ----------------------------------------------------------- control
    def interrupt(self) -> None:
        """Make the running call (or the next one) trap with 'interrupted'.
        Any thread, any time; the store stays usable."""
        if self._inner is not None:
            lib.keel_store_interrupt(self._inner)

    def limit_memory(self, max_bytes: int) -> None:
        """Limit the total bytes of the store's memories (0 = no limit)."""
        check(lib.keel_store_limit_memory(self._ptr(), _u64(max_bytes, "max_bytes")))

    def limit_table_elements(self, max_elements: int) -> None:
        """Limit the total elements of the store's tables (0 = no limit)."""
        check(lib.keel_store_limit_table_elements(self._ptr(), _u64(max_elements, "max_elements")))

    def limit_instances(self, max_instances: int) -> None:
        """Limit the number of instances (0 = no limit)."""
        if not isinstance(max_instances, int) or not 0 <= max_instances <= 0xFFFFFFFF:
            raise ValueError("max_instances must be an int in 0..2**32-1")
        check(lib.keel_store_limit_instances(self._ptr(), max_instances))


def _u64(x: Any, what: str) -> int:
    if not isinstance(x, int) or isinstance(x, bool) or not 0 <= x < 1 << 64:
        raise ValueError("%s must be an int in 0..2**64-1, got %r" % (what, x))
    return x


def store_of(obj: Any, what: str) -> Store:
    """Check that obj is a Store (clear TypeError otherwise)."""
    if not isinstance(obj, Store):
        raise TypeError("%s: expected a keel.Store, got %s" % (what, type(obj).__name__))
    return obj


def optional(p: Any) -> Optional[Any]:
    """None for NULL."""
    return None if p == ffi.NULL else p
