"""Conversions between Python values and ``keel_val``.

Python side: i32/i64 are ints (accepted signed or unsigned, returned signed),
f32/f64 are floats (ints accepted), v128 is 16 bytes (or an int, returned as
bytes), funcref is a keel.Func or None, externref is any Python object or
None, anyref/exnref are keel.Ref/keel.Exn or None. ``keel.Val`` carries an
exact value with its kind, e.g. a float with a particular NaN payload
(``Val.f32_bits(0x7fa00000)``): Python floats cannot hold a signalling f32
NaN, so exact bit patterns go through Val.

Ownership (keel/val.h): references we pass in are borrowed by Keel; those
Keel gives us (call results) are owned and released here once converted;
those a host callback returns are given to Keel, so they are retained first.
"""
from __future__ import annotations

import struct
from typing import Any, Callable, List, Optional

from ._ffi import ffi, lib
from ._types import ValType

__all__ = ["Val"]

I32, I64, F32, F64, V128 = (int(lib.KEEL_I32), int(lib.KEEL_I64), int(lib.KEEL_F32),
                            int(lib.KEEL_F64), int(lib.KEEL_V128))
FUNCREF, EXTERNREF, ANYREF, EXNREF = (int(lib.KEEL_FUNCREF), int(lib.KEEL_EXTERNREF),
                                      int(lib.KEEL_ANYREF), int(lib.KEEL_EXNREF))
_NAMES = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128", FUNCREF: "funcref",
          EXTERNREF: "externref", ANYREF: "anyref", EXNREF: "exnref"}


class Val:
    """A wasm value with its kind, exact to the bit.

    ``kind`` is a KEEL_* value kind; ``raw`` is the payload: for numbers the
    bit pattern as an unsigned int (i32/f32: 32 bits, i64/f64: 64 bits), for
    v128 16 bytes, for references the Python object (None = null).
    """

    __slots__ = ("kind", "raw")

    def __init__(self, kind: int, raw: Any) -> None:
        self.kind = int(kind)
        self.raw = raw

    @staticmethod
    def i32(x: int) -> "Val":
        """An i32 from a signed or unsigned int."""
        return Val(I32, _int_bits(x, 32))

    @staticmethod
    def i64(x: int) -> "Val":
        """An i64 from a signed or unsigned int."""
        return Val(I64, _int_bits(x, 64))

    @staticmethod
    def f32(x: float) -> "Val":
        """An f32 from a Python float (rounded to single precision)."""
        return Val(F32, struct.unpack("<I", struct.pack("<f", x))[0])

    @staticmethod
    def f64(x: float) -> "Val":
        """An f64 from a Python float."""
        return Val(F64, struct.unpack("<Q", struct.pack("<d", x))[0])

    @staticmethod
    def f32_bits(bits: int) -> "Val":
        """An f32 with an exact bit pattern (NaN payloads included)."""
        return Val(F32, _int_bits(bits, 32))

    @staticmethod
    def f64_bits(bits: int) -> "Val":
        """An f64 with an exact bit pattern."""
        return Val(F64, _int_bits(bits, 64))

    @staticmethod
    def v128(x: Any) -> "Val":
        """A v128 from 16 bytes (lane 0 first) or an unsigned 128-bit int."""
        return Val(V128, _v128_bytes(x))

    @staticmethod
    def ref(kind: int, obj: Any) -> "Val":
        """A reference of a KEEL_*REF kind (obj None = null)."""
        return Val(kind, obj)

    @property
    def bits(self) -> int:
        """The bit pattern of a number value (unsigned)."""
        if self.kind not in (I32, I64, F32, F64):
            raise TypeError("%s values have no bit pattern" % _NAMES.get(self.kind, "?"))
        return self.raw

    @property
    def value(self) -> Any:
        """The natural Python value: signed int, float, bytes or reference."""
        k = self.kind
        if k == I32:
            return self.raw - (1 << 32) if self.raw >= 1 << 31 else self.raw
        if k == I64:
            return self.raw - (1 << 64) if self.raw >= 1 << 63 else self.raw
        if k == F32:
            return struct.unpack("<f", struct.pack("<I", self.raw))[0]
        if k == F64:
            return struct.unpack("<d", struct.pack("<Q", self.raw))[0]
        return self.raw

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Val) and other.kind == self.kind and (
            other.raw is self.raw or other.raw == self.raw)

    def __hash__(self) -> int:
        return hash((self.kind, self.raw if self.kind <= V128 else id(self.raw)))

    def __repr__(self) -> str:
        k = _NAMES.get(self.kind, "?%d" % self.kind)
        if self.kind in (F32, F64):
            return "Val.%s_bits(0x%x) # %r" % (k, self.raw, self.value)
        return "Val.%s(%r)" % (k, self.value) if self.kind <= V128 else "Val.ref(%s, %r)" % (k, self.raw)


def _int_bits(x: Any, width: int) -> int:
    if not isinstance(x, int):
        raise TypeError("expected an int for an i%d value, got %s" % (width, type(x).__name__))
    if not -(1 << (width - 1)) <= x < (1 << width):
        raise OverflowError("%d does not fit in i%d (range %d..%d)" % (x, width, -(1 << (width - 1)),
                                                                      (1 << width) - 1))
    return x & ((1 << width) - 1)


def _v128_bytes(x: Any) -> bytes:
    if isinstance(x, int) and not isinstance(x, bool):
        if not 0 <= x < 1 << 128:
            raise OverflowError("v128 int out of range 0..2**128-1")
        return x.to_bytes(16, "little")
    if isinstance(x, (bytes, bytearray, memoryview)):
        b = bytes(x)
        if len(b) != 16:
            raise ValueError("a v128 value needs exactly 16 bytes, got %d" % len(b))
        return b
    raise TypeError("expected 16 bytes or an int for a v128 value, got %s" % type(x).__name__)


def _from_valobj(x: "Val", kind: int) -> Any:
    if x.kind != kind:
        raise TypeError("expected a %s value, got a keel.Val of kind %s" % (_NAMES.get(kind, "?"),
                                                                            _NAMES.get(x.kind, "?")))
    return x.raw


# --------------------------------------------------------------- Python -> C
# Each writer fills one keel_val slot: writer(slot, pyvalue, store).

def _w_i32(v: Any, x: Any, store: Any) -> None:
    if type(x) is not int:
        if isinstance(x, Val):
            x = _from_valobj(x, I32)
        elif not isinstance(x, int):
            raise TypeError("expected an int for an i32 argument, got %s" % type(x).__name__)
    if x >= 0x80000000:
        if x > 0xFFFFFFFF:
            raise OverflowError("%d does not fit in i32" % x)
        x -= 0x100000000
    elif x < -0x80000000:
        raise OverflowError("%d does not fit in i32" % x)
    v.kind = I32
    v.of.i32 = x


def _w_i64(v: Any, x: Any, store: Any) -> None:
    if type(x) is not int:
        if isinstance(x, Val):
            x = _from_valobj(x, I64)
        elif not isinstance(x, int):
            raise TypeError("expected an int for an i64 argument, got %s" % type(x).__name__)
    if x >= 0x8000000000000000:
        if x > 0xFFFFFFFFFFFFFFFF:
            raise OverflowError("%d does not fit in i64" % x)
        x -= 0x10000000000000000
    elif x < -0x8000000000000000:
        raise OverflowError("%d does not fit in i64" % x)
    v.kind = I64
    v.of.i64 = x


def _w_f32(v: Any, x: Any, store: Any) -> None:
    v.kind = F32
    if type(x) is float or (isinstance(x, (int, float)) and not isinstance(x, bool)):
        v.of.f32 = x
    elif isinstance(x, Val):
        v.of.f32_bits = _from_valobj(x, F32)
    else:
        raise TypeError("expected a float for an f32 argument, got %s" % type(x).__name__)


def _w_f64(v: Any, x: Any, store: Any) -> None:
    v.kind = F64
    if type(x) is float or (isinstance(x, (int, float)) and not isinstance(x, bool)):
        v.of.f64 = x
    elif isinstance(x, Val):
        v.of.f64_bits = _from_valobj(x, F64)
    else:
        raise TypeError("expected a float for an f64 argument, got %s" % type(x).__name__)


def _w_v128(v: Any, x: Any, store: Any) -> None:
    b = _from_valobj(x, V128) if isinstance(x, Val) else _v128_bytes(x)
    v.kind = V128
    ffi.memmove(v.of.v128, b, 16)


def _same_store(x: Any, store: Any, what: str) -> None:
    """References never cross stores (DESIGN.md rule 6). Keel checks the
    values it is given, but host-function results are written straight into
    the engine's slots, so the binding checks them here too."""
    if store is not None and x._store is not store:
        from ._errors import StoreMismatchError
        raise StoreMismatchError("store mismatch: this %s belongs to another store" % what,
                                 int(lib.KEEL_ERROR_STORE_MISMATCH))


def _w_funcref(v: Any, x: Any, store: Any) -> None:
    if isinstance(x, Val):
        x = _from_valobj(x, FUNCREF)
    v.kind = FUNCREF
    if x is None:
        v.of.funcref = ffi.NULL
        return
    from ._func import Func
    if not isinstance(x, Func):
        raise TypeError("expected a keel.Func or None for a funcref argument, got %s" % type(x).__name__)
    _same_store(x, store, "funcref")
    v.of.funcref = x._ptr()


def _w_externref(v: Any, x: Any, store: Any) -> None:
    if isinstance(x, Val):
        x = _from_valobj(x, EXTERNREF)
    v.kind = EXTERNREF
    v.of.externref = ffi.NULL if x is None else store._externref_for(x)


def _w_anyref(v: Any, x: Any, store: Any) -> None:
    if isinstance(x, Val):
        x = _from_valobj(x, ANYREF)
    v.kind = ANYREF
    if x is None:
        v.of.anyref = ffi.NULL
        return
    from ._objects import Ref
    if not isinstance(x, Ref):
        raise TypeError("expected a keel.Ref or None for an anyref argument, got %s" % type(x).__name__)
    _same_store(x, store, "anyref")
    v.of.anyref = x._ptr()


def _w_exnref(v: Any, x: Any, store: Any) -> None:
    if isinstance(x, Val):
        x = _from_valobj(x, EXNREF)
    v.kind = EXNREF
    if x is None:
        v.of.exnref = ffi.NULL
        return
    from ._objects import Exn
    if not isinstance(x, Exn):
        raise TypeError("expected a keel.Exn or None for an exnref argument, got %s" % type(x).__name__)
    _same_store(x, store, "exnref")
    v.of.exnref = x._ptr()


WRITERS = {I32: _w_i32, I64: _w_i64, F32: _w_f32, F64: _w_f64, V128: _w_v128, FUNCREF: _w_funcref,
           EXTERNREF: _w_externref, ANYREF: _w_anyref, EXNREF: _w_exnref}


def writer_for(t: ValType) -> Callable[[Any, Any, Any], None]:
    """The writer for values of type ``t``; non-null reference types reject None."""
    w = WRITERS.get(t.kind)
    if w is None:
        raise TypeError("values of type %s cannot be passed from Python" % (t,))
    if t.heap and not t.nullable:
        def w_nonnull(v: Any, x: Any, store: Any, _w: Any = w, _t: Any = t) -> None:
            if x is None or (isinstance(x, Val) and x.raw is None):
                raise TypeError("None is not a value of the non-null type %s" % (_t,))
            _w(v, x, store)
        return w_nonnull
    return w


# --------------------------------------------------------------- C -> Python

def read(v: Any, store: Any, owned: bool, exact: bool = False) -> Any:
    """Convert one keel_val. ``owned``: the reference in it belongs to us (it is
    then handed to a wrapper or released). ``exact``: return a Val."""
    k = v.kind
    if k == I32:
        return Val(I32, v.of.i32 & 0xFFFFFFFF) if exact else v.of.i32
    if k == I64:
        return Val(I64, v.of.i64 & 0xFFFFFFFFFFFFFFFF) if exact else v.of.i64
    if k == F32:
        return Val(F32, v.of.f32_bits) if exact else v.of.f32
    if k == F64:
        return Val(F64, v.of.f64_bits) if exact else v.of.f64
    if k == V128:
        b = bytes(ffi.buffer(v.of.v128, 16))
        return Val(V128, b) if exact else b
    if k == FUNCREF:
        p = v.of.funcref
        obj = None if p == ffi.NULL else store._wrap_func(p if owned else lib.keel_func_retain(p))
    elif k == EXTERNREF:
        p = v.of.externref
        if p == ffi.NULL:
            obj = None
        else:
            obj = store._externref_value(p)
            if owned:
                lib.keel_externref_release(p)
    elif k == ANYREF:
        p = v.of.anyref
        obj = None if p == ffi.NULL else store._wrap_ref(p if owned else lib.keel_ref_retain(p))
    elif k == EXNREF:
        p = v.of.exnref
        obj = None if p == ffi.NULL else store._wrap_exn(p if owned else lib.keel_exn_retain(p))
    else:
        if owned:
            lib.keel_val_release(v)
        raise TypeError("the library returned a value of unknown kind %d" % k)
    return Val(k, obj) if exact else obj


def read_all(vals: Any, n: int, store: Any, owned: bool, exact: bool = False) -> List[Any]:
    """Convert n keel_vals; on failure the remaining owned references are released."""
    out = []
    try:
        for i in range(n):
            out.append(read(vals[i], store, owned, exact))
    except BaseException:
        if owned:
            for j in range(len(out) + 1, n):
                lib.keel_val_release(vals + j)
        raise
    return out


def retain_into_keel(v: Any) -> None:
    """Add a reference for a value handed to Keel (host results are owned by Keel)."""
    k = v.kind
    if k == FUNCREF and v.of.funcref != ffi.NULL:
        lib.keel_func_retain(v.of.funcref)
    elif k == EXTERNREF and v.of.externref != ffi.NULL:
        lib.keel_externref_retain(v.of.externref)
    elif k == ANYREF and v.of.anyref != ffi.NULL:
        lib.keel_ref_retain(v.of.anyref)
    elif k == EXNREF and v.of.exnref != ffi.NULL:
        lib.keel_exn_retain(v.of.exnref)


def kind_name(kind: int) -> str:
    """A value kind's name ("i32", "externref", ...)."""
    return _NAMES.get(kind, "kind %d" % kind)


def maybe_none(p: Any) -> Optional[Any]:
    """None for a NULL pointer."""
    return None if p == ffi.NULL else p
