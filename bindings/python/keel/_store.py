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
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._errors import Frame, check
from ._ffi import accel, ffi, lib
from ._handle import Handle

__all__ = ["Store", "UnknownExternRef"]

# token (as void * cdata) -> weakref to the HostState (see _func.py): the
# CFFI callback's map. The C trampoline of number-only host functions reads
# the same weakrefs from keel._accel's host table (src/keel_accel.c).
host_states: Dict[Any, "weakref.ref[Any]"] = {}
_host_tokens = itertools.count(1)
_host_lock = threading.Lock()

# token -> weakref to the Store whose deadline callback it names (the C side
# holds only the integer token as env, never a Python pointer).
_deadline_stores: Dict[int, "weakref.ref[Store]"] = {}
_UNKNOWN = 0xFFFFFFFF


def register_host(store: "Store", state: Any) -> Tuple[int, int]:
    """Give a host state a token (the CFFI callback's env) and an entry of
    the accelerator's host table; the store keeps the state alive. Returns
    (token, index)."""
    with _host_lock:
        token = next(_host_tokens)
    key = ffi.cast("void *", token)
    store._hosts[token] = state
    cell: List[int] = []

    def forget(_r: Any, k: Any = key, t: int = token, cell: List[int] = cell) -> None:
        host_states.pop(k, None)
        try:
            if cell:
                accel.host_unregister(cell[0], t)
        except Exception:  # interpreter shutdown
            pass

    wr = host_states[key] = weakref.ref(state, forget)
    cell.append(accel.host_register(token, wr, state.fn))
    return token, cell[0]


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
        self._fuel_on = False
        self._deadline_fn: Optional[Callable[[], Any]] = None
        self._deadline_token = 0

    def __del__(self) -> None:
        try:
            token = getattr(self, "_deadline_token", 0)
            if token:
                _deadline_stores.pop(token, None)
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
    # Interrupts, fuel and deadlines (keel/store.h, issue 9) share one check
    # at every function entry and loop back-edge of the guest, so a spinning
    # guest always reaches one.
    def interrupt(self) -> None:
        """Make the running call (or, when none runs, the next one) trap with
        TrapCode.INTERRUPTED ("interrupted") at its next function entry or
        loop back-edge. Any thread, any time, lock-free (also from a signal
        handler); the request is consumed by the trap and the store stays
        usable. A guest blocked inside WASI is woken within about 50 ms."""
        if self._inner is not None:
            lib.keel_store_interrupt(self._inner)

    def interrupt_clear(self) -> None:
        """Withdraw a pending interrupt request (one that raced with the end
        of a call), so the next call does not trap at once. Any thread."""
        if self._inner is not None:
            lib.keel_store_interrupt_clear(self._inner)

    def sample(self, max_frames: int = 256) -> List[Frame]:
        """The wasm call stack of the call running in this store right now,
        innermost frame first (``[]`` when no wasm runs). Meant to be called
        from ANOTHER thread while a call runs (the GIL is released during wasm
        calls): it does not stop the guest, takes no lock and allocates
        nothing on the C side. Each frame's ``offset`` is where the frame is
        (the innermost at its last function entry, call or loop back-edge);
        names come from the name section. At most ``max_frames`` frames (the
        innermost ones) are returned."""
        if not isinstance(max_frames, int) or isinstance(max_frames, bool) or max_frames < 1:
            raise ValueError("max_frames must be a positive int, got %r" % (max_frames,))
        inner = self._inner
        if inner is None:
            raise ValueError("Store is closed")
        buf = ffi.new("keel_frame_sample[]", max_frames)
        count = ffi.new("size_t *")
        rc = lib.keel_store_sample(inner, buf, max_frames, count)
        if rc == lib.KEEL_SAMPLE_INVALID:
            raise ValueError("keel_store_sample: the store handle is not valid")
        out = []
        for i in range(count[0]):
            f = buf[i]
            idx, off = int(f.func_index), int(f.offset)
            out.append(Frame(None if idx == _UNKNOWN else idx, _cstr(f.func_name), _cstr(f.module_name),
                             None if off == _UNKNOWN else off))
        return out

    # Fuel: one unit per function entry or loop iteration; per store, not
    # refilled by calls. The setters take the store's lock: call them between
    # calls (or from a host function running in this store).
    def set_fuel(self, fuel: int) -> None:
        """Turn fuel metering on with ``fuel`` units: a call traps with
        TrapCode.OUT_OF_FUEL ("all fuel consumed") when they are used up.
        What a call leaves is what the next one starts with."""
        check(lib.keel_store_set_fuel(self._ptr(), _u64(fuel, "fuel")))
        self._fuel_on = True

    def get_fuel(self) -> int:
        """The fuel left (0 after an out-of-fuel trap); raises
        InvalidArgumentError when fuel metering is off."""
        out = ffi.new("uint64_t *")
        check(lib.keel_store_get_fuel(self._ptr(), out))
        return int(out[0])

    def disable_fuel(self) -> None:
        """Turn fuel metering off (the default)."""
        check(lib.keel_store_disable_fuel(self._ptr()))
        self._fuel_on = False

    @property
    def fuel(self) -> Optional[int]:
        """The fuel left, or None while metering is off. Assign an int to
        (re)fill it and turn metering on, None to turn it off."""
        return self.get_fuel() if self._fuel_on else None

    @fuel.setter
    def fuel(self, value: Optional[int]) -> None:
        if value is None:
            self.disable_fuel()
        else:
            self.set_fuel(value)

    # Epoch deadlines: cheap wall-clock limits. A timer thread calls
    # engine.increment_epoch() every tick; a store with a deadline traps with
    # TrapCode.DEADLINE once the engine's epoch reaches it.
    def set_epoch_deadline(self, ticks_from_now: int) -> None:
        """Set the deadline to the engine's epoch now plus ``ticks_from_now``.
        It stays until changed or cleared: a call started after it passed
        traps at once (unless the deadline callback extends it)."""
        check(lib.keel_store_set_epoch_deadline(self._ptr(), _u64(ticks_from_now, "ticks_from_now")))

    def clear_epoch_deadline(self) -> None:
        """Remove the deadline."""
        check(lib.keel_store_clear_epoch_deadline(self._ptr()))

    def set_epoch_deadline_callback(self, fn: Optional[Callable[[], Any]]) -> None:
        """Call ``fn()`` when the epoch reaches the deadline, on the thread
        running the call, inside it. It returns a number of ticks (>= 1) to go
        on with a deadline that much later, or None/0/False to trap with
        TrapCode.DEADLINE. It must not call into this store (no wasm calls,
        no memory access); it may record, log or ``sample()``. An exception
        raised in it is reported with sys.unraisablehook and traps.
        ``None`` removes the callback."""
        if fn is not None and not callable(fn):
            raise TypeError("the deadline callback must be callable or None, got %s" % type(fn).__name__)
        if fn is None:
            check(lib.keel_store_set_epoch_deadline_callback(self._ptr(), ffi.NULL, ffi.NULL))
            self._deadline_fn = None
            return
        if not self._deadline_token:
            with _host_lock:
                self._deadline_token = next(_host_tokens)
            _deadline_stores[self._deadline_token] = weakref.ref(self)
        self._deadline_fn = fn
        check(lib.keel_store_set_epoch_deadline_callback(self._ptr(), lib._keel_py_deadline_cb,
                                                         ffi.cast("void *", self._deadline_token)))

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


def _cstr(p: Any) -> Optional[str]:
    return None if p == ffi.NULL else ffi.string(p).decode("utf-8", "replace")


@ffi.def_extern()
def _keel_py_deadline_cb(env, extend_ticks):  # type: ignore[no-untyped-def]
    """The C deadline callback of every Store (env = token): asks the
    store's Python callback whether to extend. False = trap. An exception
    escaping here is reported by CFFI (sys.unraisablehook) and the callback
    returns its default, false: the call traps with 'deadline reached'."""
    r = _deadline_stores.get(int(ffi.cast("uintptr_t", env)))
    store = r() if r is not None else None
    fn = store._deadline_fn if store is not None else None
    if fn is None:
        return False
    ticks = fn()
    if ticks is None:
        return False
    ticks = int(ticks)  # True means one tick
    if ticks < 1:
        return False
    extend_ticks[0] = min(ticks, (1 << 64) - 1)
    return True


def store_of(obj: Any, what: str) -> Store:
    """Check that obj is a Store (clear TypeError otherwise)."""
    if not isinstance(obj, Store):
        raise TypeError("%s: expected a keel.Store, got %s" % (what, type(obj).__name__))
    return obj


def optional(p: Any) -> Optional[Any]:
    """None for NULL."""
    return None if p == ffi.NULL else p
