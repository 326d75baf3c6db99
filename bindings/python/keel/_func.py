"""Func: calling wasm functions from Python, and host functions made from
Python callables.

The GIL: CFFI's API mode releases the GIL around every C call, so other
Python threads run while wasm runs; a host callback re-acquires it through
``@ffi.def_extern``.

Exceptions: a host function's exception travels through wasm inside a
KEEL_ERROR_HOST error (see _errors.py) and is raised again, the same object,
by the outer call.
"""
from __future__ import annotations

import gc
import inspect
import typing
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _handle, _timeout, _values
from ._errors import Timeout, Trap, TrapCode, check, error_from, host_error_for
from ._ffi import ffi, lib
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
    fast: Optional[Callable[[Callable[..., Any], Any, Any], Any]]

    __slots__ = ("fn", "ftype", "writers", "nres", "store_ref", "wants_caller", "exact", "fields",
                 "res_fields", "fast", "__weakref__")


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
    # Number-only signatures read and write the union fields directly.
    names = {_values.I32: "i32", _values.I64: "i64", _values.F32: "f32", _values.F64: "f64"}
    numeric = not exact and all(t.kind in names for t in ft.params + ft.results)
    st.fields = [names[t.kind] for t in ft.params] if numeric else None
    st.res_fields = [names[t.kind] for t in ft.results] if numeric else None
    st.fast = _host_trampoline(st.fields, st.res_fields) if numeric and not caller else None
    return ft, st


# The host side of issue 4's call cost: for number-only host functions
# (without caller or exact), a trampoline generated once per signature reads
# each argument straight from its union field and writes a single result
# the same way, with no list, no getattr and no per-call dispatch. It
# returns _DONE, or the Python result when writing it needs the general
# writers (an unsigned value to wrap, a wrong type to explain, several results).
_DONE = object()
_HOST_TEMPLATE = """
def trampoline(fn, args, results):
    r = fn({args})
{write}
"""
_trampolines: Dict[Tuple[Tuple[str, ...], Tuple[str, ...]], Any] = {}


def _host_trampoline(fields: List[str], res_fields: List[str]) -> Any:
    key = (tuple(fields), tuple(res_fields))
    tr = _trampolines.get(key)
    if tr is None:
        args = ", ".join("args[%d].of.%s" % (i, f) for i, f in enumerate(fields))
        if not res_fields:
            write = "    return r"  # None expected; anything else goes to the general check
        elif len(res_fields) == 1:
            f = res_fields[0]
            write = ("    if type(r) is %s:\n        try:\n            results[0].of.%s = r\n"
                     "            return DONE\n        except OverflowError:\n            pass\n    return r"
                     % ("float" if f[0] == "f" else "int", f))
        else:
            write = "    return r"
        ns: Dict[str, Any] = {"DONE": _DONE}
        exec(compile(_HOST_TEMPLATE.format(args=args, write=write), "<keel host trampoline>", "exec"), ns)
        tr = _trampolines[key] = ns["trampoline"]
    return tr


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
        fast = st.fast
        if fast is not None and nresults == n:
            # nargs always matches: the ABI checks arguments against the function type.
            res = fast(st.fn, args, results)
            if res is _DONE:
                return _NULL
            if n == 0 and res is None:
                return _NULL
        else:
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

    __slots__ = ("ftype", "nparams", "nres", "writers", "nbuf", "fast", "arg_slots", "res_slots")
    ftype: FuncType
    nparams: int
    nres: int
    writers: List[Callable[[Any, Any, Any], None]]
    nbuf: int
    fast: bool
    arg_slots: List[Tuple[int, int]]
    res_slots: List[Tuple[int, int]]


# keel_val is {uint32 kind; uint32 reserved; union of (16 bytes)} = 24 bytes, so
# the union of slot i starts at byte 24*i + 8: as int32/float it is element
# 6*i + 2, as int64/double element 3*i + 1. ORDER KEEL_VAL_LAYOUT (keel/val.h).
_VAL_SIZE = ffi.sizeof("keel_val")
_UNION_OFF = ffi.offsetof("keel_val", "of")
_NUMERIC = {_values.I32: ("int32_t *", 4), _values.I64: ("int64_t *", 8),
            _values.F32: ("float *", 4), _values.F64: ("double *", 8)}


def _slot(kind: int, i: int) -> Tuple[int, int]:
    """(alias pointer kind, element index) of the payload of keel_val slot i."""
    ctype, width = _NUMERIC[kind]
    return kind, (_VAL_SIZE * i + _UNION_OFF) // width


def _new_buf(sig: "_Sig") -> Tuple[Any, ...]:
    """A call's keel_val array with its kinds pre-set, as the tuple the
    generated fast call unpacks: (vals, results, int32*, int64*, float*, double*)."""
    vals = ffi.new("keel_val[]", sig.nbuf)
    for i, t in enumerate(sig.ftype.params + sig.ftype.results):
        vals[i].kind = t.kind
    return (vals, vals + sig.nparams) + tuple(ffi.cast(_NUMERIC[k][0], vals)
                                            for k in (_values.I32, _values.I64, _values.F32, _values.F64))


# The fast call (issue 4: under 1 us for a trivial export). For number-only
# signatures, __call__ is generated once per signature with the argument
# count and every payload offset unrolled as constants, and a Func whose
# signature is known switches to that signature's subclass of Func (same
# layout, no new state). It writes each argument through a typed alias of a
# per-Func keel_val buffer whose kinds are already set, calls keel_func_call,
# and reads the result back the same way: no ffi.new, no per-call type
# dispatch, no loop. Buffers are taken with list.pop() (atomic under the
# GIL), so a reentrant or concurrent call of the same Func simply takes the
# general path with a buffer of its own. Anything unusual (a timeout, a
# wrong arity, a value the alias rejects: wrong type, or an unsigned i32/i64
# that must wrap) also goes to the general path, which converts or explains.
_FAST_TEMPLATE = """
def __call__(self, *args, timeout=None):
    if timeout is not None or len(args) != {n}:
        return self._invoke(args, False, timeout=timeout)
    fb = self._fb
    try:
        t = fb.pop()
    except IndexError:
        return self._invoke(args, False)
    vals, res, I, L, F, D = t
    {unpack}
    try:
{writes}
    except (TypeError, OverflowError):
        fb.append(t)
        return self._invoke(args, False)
    if _handle._gc_every_use:
        gc.collect()
    self._uses += 1
    h = self._h
    if h is None or self._closing:
        fb.append(t)
        self._leave()
        raise ValueError("Func is closed")
    try:
        err = call(h, vals, {n}, res, {nres})
    finally:
        self._uses -= 1
        if self._closing and self._uses <= 0:
            self._do_release()
    if err:
        fb.append(t)
        raise error_from(err, self._store._wrap_exn)
    {result}
    fb.append(t)
    return r
"""
_ALIAS = {_values.I32: "I", _values.I64: "L", _values.F32: "F", _values.F64: "D"}
_fast_classes: Dict[Tuple[Tuple[int, ...], Tuple[int, ...]], type] = {}


def _fast_class(sig: "_Sig") -> type:
    """The Func subclass whose __call__ is unrolled for this number-only signature."""
    key = (tuple(t.kind for t in sig.ftype.params), tuple(t.kind for t in sig.ftype.results))
    cls = _fast_classes.get(key)
    if cls is not None:
        return cls
    n = sig.nparams
    names = ["a%d" % i for i in range(n)]
    unpack = ("%s, = args" % names[0]) if n == 1 else ("%s = args" % ", ".join(names)) if n else "pass"
    writes = "\n".join("        %s[%d] = %s" % (_ALIAS[k], idx, names[i])
                       for i, (k, idx) in enumerate(sig.arg_slots)) or "        pass"
    reads = ["%s[%d]" % (_ALIAS[k], idx) for k, idx in sig.res_slots]
    if not reads:
        result = "r = None"
    elif len(reads) == 1:
        result = "r = " + reads[0]
    else:
        result = "r = (%s,)" % ", ".join(reads)
    src = _FAST_TEMPLATE.format(n=n, nres=sig.nres, unpack=unpack, writes=writes, result=result)
    ns: Dict[str, Any] = {"_handle": _handle, "gc": gc, "call": lib.keel_func_call, "error_from": error_from}
    exec(compile(src, "<keel fast call %s>" % (sig.ftype,), "exec"), ns)
    call = ns["__call__"]
    call.__doc__ = Func.__call__.__doc__
    call.__qualname__ = "Func.__call__"
    cls = type("Func", (Func,), {"__call__": call, "__module__": Func.__module__,
                                 "__qualname__": "Func", "__doc__": Func.__doc__})
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
    _fb: List[Tuple[Any, ...]]
    _buf: Any

    def __init__(self, store: Store, fn: Callable[..., Any], type: Optional[Any] = None, *,
                 caller: bool = False, exact: bool = False) -> None:
        store_of(store, "Func(store, fn)")
        ft, st = _make_host(store, fn, type, caller, exact)
        key = register_host(store, st)
        ctype = ft._new_c()
        try:
            out = ffi.new("keel_func **")
            check(lib.keel_func_new(store._ptr(), ctype, lib._keel_py_host_cb, key, ffi.NULL, out))
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
        s.fast = all(k in _NUMERIC for k in kinds) and _VAL_SIZE == 24 and _UNION_OFF == 8
        if s.fast:
            s.arg_slots = [_slot(t.kind, i) for i, t in enumerate(ft.params)]
            s.res_slots = [_slot(t.kind, s.nparams + i) for i, t in enumerate(ft.results)]
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
            self._fb = [_new_buf(sig)]
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
        # Number-only signatures are served by the generated subclass
        # (_fast_class) once the signature is known; this is the general path.
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
