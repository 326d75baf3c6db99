"""Func: calling wasm functions from Python, and host functions made from
Python callables.

The GIL: CFFI's API mode releases the GIL around every C call, so other
Python threads run while wasm runs; a host callback re-acquires it through
``@ffi.def_extern``.

Number-only signatures (i32, i64, f32, f64; issue 4: calls under 1 us) go
through the C accelerator (src/keel_accel.c, module keel._accel): a Func
whose signature is known switches to a per-signature subclass whose
``__call__`` is a C method descriptor calling keel_func_call_raw with the
GIL released, and a number-only host function (without caller or exact) is
registered with a C trampoline. Both hand anything unusual to the general
path here, which converts it or raises the precise error.

Exceptions: a host function's exception travels through wasm inside a
KEEL_ERROR_HOST error (see _errors.py) and is raised again, the same object,
by the outer call.
"""
from __future__ import annotations

import gc
import inspect
import typing
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _timeout, _values
from ._errors import Timeout, Trap, TrapCode, check, error_from, host_error_for
from ._ffi import accel, ffi, lib
from ._handle import Handle
from ._store import Store, host_states, register_host, store_of
from ._types import FuncType, ValType, normalize_functype, valtype

__all__ = ["Func", "Caller"]

_NULL = ffi.NULL


class Caller:
    """The context of a host function call: the calling instance's exports.

    Only valid while the host function runs; using it afterwards raises
    ValueError.
    """

    __slots__ = ("_p", "store")

    def __init__(self, p: Any, store: Store) -> None:
        self._p = p
        self.store = store
        """The keel.Store the call runs in."""

    def _ptr(self) -> Any:
        if self._p is None:
            raise ValueError("a keel.Caller is only valid inside its host function call")
        return self._p

    def export(self, name: str) -> Any:
        """An export of the calling instance (e.g. its "memory"), or raise
        InvalidArgumentError ("unknown export") when there is none."""
        from ._objects import wrap_extern
        b = name.encode("utf-8")
        out = ffi.new("keel_extern **")
        check(lib.keel_caller_export(self._ptr(), b, len(b), out))
        return wrap_extern(self.store, out[0])

    def get(self, name: str, default: Any = None) -> Any:
        """Like export() but returns ``default`` when the export does not exist."""
        try:
            return self.export(name)
        except Exception:
            return default


class _HostState:
    """What a host function needs at each call (owned by its Store)."""

    fn: Callable[..., Any]
    ftype: FuncType
    writers: List[Callable[[Any, Any, Any], None]]
    nres: int
    store_ref: Any
    wants_caller: bool
    exact: bool
    fields: Optional[List[str]]
    res_fields: Optional[List[str]]
    kinds: Optional[Tuple[bytes, bytes]]

    __slots__ = ("fn", "ftype", "writers", "nres", "store_ref", "wants_caller", "exact", "fields",
                 "res_fields", "kinds", "__weakref__")


def _signature_from_annotations(fn: Callable[..., Any], wants_caller: bool) -> FuncType:
    try:
        hints = typing.get_type_hints(fn)
    except Exception as e:
        raise TypeError("cannot read the annotations of host function %r: %s" % (fn, e)) from None
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        raise TypeError("host function %r has no signature; pass type=keel.FuncType(...)" % (fn,)) from None
    params = []
    names = list(sig.parameters)
    if wants_caller or (names and hints.get(names[0]) is Caller):
        names = names[1:]
    for n in names:
        p = sig.parameters[n]
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY):
            raise TypeError("host function %r: parameter %r must be positional; pass type=" % (fn, n))
        if n not in hints:
            raise TypeError("host function %r: parameter %r has no annotation; annotate it "
                            "(keel.i32, keel.f64, ...) or pass type=keel.FuncType(...)" % (fn, n))
        params.append(valtype(hints[n]))
    ret = hints.get("return", type(None))
    if ret is type(None) or ret is None:
        results: Tuple[ValType, ...] = ()
    elif typing.get_origin(ret) in (tuple, Tuple):
        results = tuple(valtype(a) for a in typing.get_args(ret))
    else:
        results = (valtype(ret),)
    return FuncType(tuple(params), results)


def _make_host(store: Store, fn: Callable[..., Any], ftype: Optional[Any], caller: bool, exact: bool) -> Any:
    if not callable(fn):
        raise TypeError("a host function must be callable, got %s" % type(fn).__name__)
    if not caller and ftype is None:
        # a first parameter annotated keel.Caller asks for the caller
        try:
            first = next(iter(inspect.signature(fn).parameters), None)
            caller = first is not None and typing.get_type_hints(fn).get(first) is Caller
        except Exception:
            pass
    ft = normalize_functype(ftype) if ftype is not None else _signature_from_annotations(fn, caller)
    st = _HostState()
    st.fn = fn
    st.ftype = ft
    st.writers = [_values.writer_for(t) for t in ft.results]
    st.nres = len(ft.results)
    st.store_ref = __import__("weakref").ref(store)
    st.wants_caller = caller
    st.exact = exact
    # Number-only signatures read and write the union fields directly (the
    # CFFI callback, for a caller=True function); without a caller the C
    # trampoline of keel._accel serves them (kinds).
    names = {_values.I32: "i32", _values.I64: "i64", _values.F32: "f32", _values.F64: "f64"}
    numeric = not exact and all(t.kind in names for t in ft.params + ft.results)
    st.fields = [names[t.kind] for t in ft.params] if numeric else None
    st.res_fields = [names[t.kind] for t in ft.results] if numeric else None
    st.kinds = (bytes(t.kind for t in ft.params), bytes(t.kind for t in ft.results)) \
        if numeric and not caller else None
    return ft, st


def _host_result_bits(st: _HostState, res: Any) -> Tuple[int, ...]:
    """The C trampoline's general result conversion: the raw bits of each
    result (keel_func_call_raw's slot layout) written by the general
    writers, which wrap unsigned ints, take keel.Val or raise the precise
    TypeError/OverflowError, as the CFFI callback does."""
    n = st.nres
    if n == 0:
        if res is None:
            return ()
        raise TypeError("host function %s has no results but returned %r"
                        % (getattr(st.fn, "__name__", "?"), res))
    if n == 1:
        res = (res,)
    elif not isinstance(res, (tuple, list)) or len(res) != n:
        raise TypeError("host function %s must return a tuple of %d values (%s), got %r"
                        % (getattr(st.fn, "__name__", "?"), n, ", ".join(map(str, st.ftype.results)), res))
    buf = ffi.new("keel_val[]", n)
    out = []
    for i in range(n):
        st.writers[i](buf[i], res[i], None)
        wide = st.ftype.results[i].kind in (_values.I64, _values.F64)
        out.append(buf[i].of.f64_bits if wide else buf[i].of.f32_bits)
    return tuple(out)


def _host_error_addr(exc: BaseException) -> int:
    """The C trampoline's exception path: the KEEL_ERROR_HOST error (or exit
    request) carrying ``exc``, as an address (the same error the CFFI
    callback returns, so the outer call raises the same object)."""
    return int(ffi.cast("uintptr_t", host_error_for(exc)))


def _raise_call_error(func: "Func", addr: int) -> None:
    """The C fast call's error path: convert and free the keel_error at
    ``addr`` and raise it, as the general path does."""
    raise error_from(ffi.cast("keel_error *", addr), func._store._wrap_exn)


_ACCEL_CB = ffi.cast("keel_host_callback", accel.host_callback())
_ACCEL_FIN = ffi.cast("void (*)(void *)", accel.host_finalizer())


@ffi.def_extern()
def _keel_py_host_cb(env, caller, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
    """The one C callback of every Python host function (env = token)."""
    try:
        r = host_states.get(env)
        st = r() if r is not None else None
        store = st.store_ref() if st is not None else None
        if st is None or store is None:
            return lib.keel_error_new_trap(b"keel: the Python host function was garbage-collected")
        n = st.nres
        fields = st.fields
        if fields is not None:
            pyargs = [getattr(args[i].of, fields[i]) for i in range(nargs)]
        else:
            pyargs = _values.read_all(args, nargs, store, False, st.exact) if nargs else []
        if st.wants_caller:
            c = Caller(caller, store)
            try:
                res = st.fn(c, *pyargs)
            finally:
                c._p = None
        else:
            res = st.fn(*pyargs)
        if n != nresults:
            raise TypeError("keel: host function called with %d result slots, declared %d" % (nresults, n))
        if n == 1:
            if st.res_fields is not None and type(res) is (float if st.res_fields[0][0] == "f" else int):
                try:
                    setattr(results[0].of, st.res_fields[0], res)
                    return _NULL
                except OverflowError:
                    pass  # the writer wraps unsigned values or explains
            st.writers[0](results[0], res, store)
            _values.retain_into_keel(results[0])
        elif n:
            if not isinstance(res, (tuple, list)) or len(res) != n:
                raise TypeError("host function %s must return a tuple of %d values (%s), got %r"
                                % (getattr(st.fn, "__name__", "?"), n,
                                   ", ".join(map(str, st.ftype.results)), res))
            for i in range(n):
                st.writers[i](results[i], res[i], store)
            for i in range(n):
                _values.retain_into_keel(results[i])
        elif res is not None:
            raise TypeError("host function %s has no results but returned %r"
                            % (getattr(st.fn, "__name__", "?"), res))
        return _NULL
    except BaseException as e:
        try:
            return host_error_for(e)
        except BaseException:
            return lib.keel_error_new_trap(b"keel: a Python host function failed")


class _Sig:
    """A function's type prepared for calls."""

    __slots__ = ("ftype", "nparams", "nres", "writers", "nbuf", "fast")
    ftype: FuncType
    nparams: int
    nres: int
    writers: List[Callable[[Any, Any, Any], None]]
    nbuf: int
    fast: bool


_NUMERIC = (_values.I32, _values.I64, _values.F32, _values.F64)


# The fast call (issue 4: under 1 us for a trivial export). For number-only
# signatures, a Func whose signature is known switches to that signature's
# subclass of Func (same layout, no new state) whose __call__ is a C method
# descriptor (keel._accel.FuncCall, src/keel_accel.c): it converts the
# arguments into raw slots, calls keel_func_call_raw with the GIL released
# (holding a reference of its own to the handle) and builds the result in C.
# Anything unusual (a timeout, a wrong arity, a value it does not take: a
# wrong type, keel.Val, out of range; a closed Func) goes to Func.__call__,
# the general path, which converts or explains.
_fast_classes: Dict[Tuple[bytes, bytes], type] = {}


def _fast_class(sig: "_Sig") -> type:
    """The Func subclass whose __call__ is the C fast call for this number-only signature."""
    key = (bytes(t.kind for t in sig.ftype.params), bytes(t.kind for t in sig.ftype.results))
    cls = _fast_classes.get(key)
    if cls is None:
        cls = type("Func", (Func,), {"__call__": accel.FuncCall(*key), "__module__": Func.__module__,
                                     "__qualname__": "Func", "__doc__": Func.__doc__})
        accel.fast_class(cls)  # instances call the FuncCall without a __call__ lookup
        _fast_classes[key] = cls
    return cls


class Func(Handle):
    """A function of a store: a wasm export or a host function.

    ``Func(store, fn, type=None, *, caller=False, exact=False)`` makes a host
    function from a Python callable. Its type comes from ``type`` (a
    keel.FuncType or a (params, results) pair of type names) or from the
    callable's annotations (keel.i32, keel.f64, ... ; int means i32, float f64;
    a ``tuple[...]`` return means several results). With ``caller=True`` the
    callable receives a keel.Caller first. With ``exact=True`` it receives
    keel.Val arguments (bit-exact floats).

    Calling: ``f(*args)`` converts arguments with type checks (TypeError,
    OverflowError), runs the function with the GIL released, and returns None,
    one value, or a tuple for several results. A trap raises keel.Trap; an
    exception raised by a host function inside comes out as the same object.
    ``f(*args, timeout=seconds)`` interrupts a call that runs longer
    (keel.Timeout); another thread may also ``store.interrupt()`` it or
    ``store.sample()`` where it is while it runs.
    """

    _free = lib.keel_func_release
    _sig: Optional[_Sig]
    _buf: Any
    _addr: int

    def _init_handle(self, h: Any) -> None:
        super()._init_handle(h)
        # the handle as an int for the C fast call; 0 once close() began
        self._addr = int(ffi.cast("uintptr_t", h))

    def close(self) -> None:
        self._addr = 0
        super().close()

    def __init__(self, store: Store, fn: Callable[..., Any], type: Optional[Any] = None, *,
                 caller: bool = False, exact: bool = False) -> None:
        store_of(store, "Func(store, fn)")
        ft, st = _make_host(store, fn, type, caller, exact)
        token, index = register_host(store, st)
        ctype = ft._new_c()
        try:
            out = ffi.new("keel_func **")
            if st.kinds is not None:
                # the C trampoline; its env (the token and the kinds) belongs
                # to the store once keel_func_new succeeds
                env = accel.host_env_new(index, token, *st.kinds)
                err = lib.keel_func_new(store._ptr(), ctype, _ACCEL_CB, ffi.cast("void *", env),
                                        _ACCEL_FIN, out)
                if err != _NULL:
                    accel.host_env_free(env)
                check(err)
            else:
                check(lib.keel_func_new(store._ptr(), ctype, lib._keel_py_host_cb,
                                        ffi.cast("void *", token), ffi.NULL, out))
        finally:
            lib.keel_functype_free(ctype)
        self._init_handle(out[0])
        self._store = store
        self._buf = None
        self._name = getattr(fn, "__name__", "host function")
        self._host = st
        self._set_sig(self._make_sig(ft))

    @classmethod
    def _wrap(cls, store: Store, h: Any, name: Optional[str] = None) -> "Func":
        self = cls.__new__(cls)
        self._init_handle(h)
        self._store = store
        self._sig = None
        self._buf = None
        self._name = name or "wasm function"
        self._host = None
        return self

    @staticmethod
    def _make_sig(ft: FuncType) -> _Sig:
        s = _Sig()
        s.ftype = ft
        s.nparams = len(ft.params)
        s.nres = len(ft.results)
        s.writers = [_values.writer_for(t) for t in ft.params]
        s.nbuf = max(1, s.nparams + s.nres)
        kinds = [t.kind for t in ft.params + ft.results]
        s.fast = all(k in _NUMERIC for k in kinds)
        return s

    def _load_sig(self) -> _Sig:
        out = ffi.new("keel_functype **")
        check(lib.keel_func_type(self._ptr(), out))
        try:
            ft = FuncType._from_c(out[0])
        finally:
            lib.keel_functype_free(out[0])
        self._set_sig(self._make_sig(ft))
        return self._sig  # type: ignore[return-value]

    def _set_sig(self, sig: _Sig) -> None:
        """Record the signature; a number-only one switches to its fast-call class."""
        self._sig = sig
        if sig.fast and type(self) is Func:
            self.__class__ = _fast_class(sig)

    @property
    def store(self) -> Store:
        """The keel.Store the function belongs to."""
        return self._store

    @property
    def type(self) -> FuncType:
        """The function's type."""
        return (self._sig or self._load_sig()).ftype

    @property
    def param_count(self) -> int:
        """The number of parameters."""
        return (self._sig or self._load_sig()).nparams

    @property
    def result_count(self) -> int:
        """The number of results."""
        return (self._sig or self._load_sig()).nres

    def __repr__(self) -> str:
        return "<keel.Func %s %s>" % (self._name, self._sig.ftype if self._sig else "")

    def _invoke(self, args: Sequence[Any], exact: bool, try_only: bool = False,
                timeout: Optional[float] = None) -> Any:
        sig = self._sig or self._load_sig()
        secs = 0.0 if timeout is None else _timeout.check_timeout(timeout)
        n = sig.nparams
        if len(args) != n:
            raise TypeError("%s expects %d argument%s (%s), got %d" % (
                self._name, n, "" if n == 1 else "s", ", ".join(map(str, sig.ftype.params)), len(args)))
        buf = self._buf
        self._buf = None  # taken: a reentrant or concurrent call allocates its own
        if buf is None:
            buf = ffi.new("keel_val[]", sig.nbuf)
        store = self._store
        i = 0
        try:
            for i in range(n):
                sig.writers[i](buf[i], args[i], store)
        except (TypeError, OverflowError) as e:
            self._buf = buf
            raise type(e)("argument %d of %s: %s" % (i + 1, self._name, e)) from None
        nres = sig.nres
        timed = None
        err = _NULL
        fired = False
        h = self._enter()
        try:
            if timeout is not None:
                timed = _timeout.start(secs, store._inner)
            try:
                if try_only:
                    err = lib.keel_func_try_call(h, buf, n, buf + n, nres)
                else:
                    err = lib.keel_func_call(h, buf, n, buf + n, nres)
            finally:
                if timed is not None:
                    # Always disarm, even on KeyboardInterrupt, so the watchdog
                    # never touches the store after the call.
                    fired = _timeout.finish(timed, err != _NULL and _interrupted(err))
        finally:
            self._leave()
        if err != _NULL:
            self._buf = buf
            exc = error_from(err, store._wrap_exn)
            if timed is not None and fired and isinstance(exc, Trap) and exc.code == TrapCode.INTERRUPTED:
                exc = Timeout("%s timed out after %g s (interrupted)" % (self._name, secs), secs, exc.frames)
            raise exc
        if nres == 1:
            r = _values.read(buf[n], store, True, exact)
        elif nres == 0:
            r = None
        else:
            r = tuple(_values.read_all(buf + n, nres, store, True, exact))
        self._buf = buf
        return r

    def __call__(self, *args: Any, timeout: Optional[float] = None) -> Any:
        """Call the function. With ``timeout=seconds`` the call is
        interrupted when it runs longer: it raises keel.Timeout (a keel.Trap
        with code TrapCode.INTERRUPTED and a TimeoutError)."""
        # Number-only signatures are served by the C fast call of their
        # subclass (_fast_class) once the signature is known; this is the
        # general path, which it falls back to for anything unusual.
        return self._invoke(args, False, timeout=timeout)

    def call_exact(self, *args: Any, timeout: Optional[float] = None) -> Any:
        """Call and return keel.Val results (bit-exact floats): one Val, a
        tuple of Vals, or None. ``timeout`` as for calling the Func."""
        return self._invoke(args, True, timeout=timeout)

    def try_call(self, *args: Any, timeout: Optional[float] = None) -> Any:
        """Call, but raise keel.BusyError at once when another thread is
        inside the store. ``timeout`` as for calling the Func."""
        return self._invoke(args, False, True, timeout=timeout)


def _interrupted(err: Any) -> bool:
    """Whether an error is an 'interrupted' trap (before it is converted)."""
    return (lib.keel_error_kind(err) == lib.KEEL_ERROR_TRAP
            and lib.keel_error_trap_code(err) == lib.KEEL_TRAP_INTERRUPTED)


accel.configure(func_type=Func, general_call=Func.__call__, raise_error=_raise_call_error,
                host_error=_host_error_addr, host_results=_host_result_bits, gc_collect=gc.collect)
