"""WebAssembly types as immutable Python values: ValType, FuncType,
TableType, MemoryType, GlobalType, TagType, ImportType and ExportType.

They are plain Python objects (hashable, comparable); the C type objects
(keel_valtype/keel_functype/keel_externtype) are only made for a moment when
a C call needs one and freed right after.
"""
from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Optional, Sequence, Tuple, Union

from ._errors import check
from ._ffi import ffi, lib

__all__ = ["ValType", "FuncType", "TableType", "MemoryType", "GlobalType", "TagType",
           "ImportType", "ExportType", "ExternType", "i32", "i64", "f32", "f64", "v128",
           "funcref", "externref", "anyref", "exnref"]

_KIND_NAMES = {
    int(lib.KEEL_I32): "i32", int(lib.KEEL_I64): "i64", int(lib.KEEL_F32): "f32",
    int(lib.KEEL_F64): "f64", int(lib.KEEL_V128): "v128",
}
_HEAP_NAMES = {
    int(lib.KEEL_HEAP_FUNC): "func", int(lib.KEEL_HEAP_EXTERN): "extern", int(lib.KEEL_HEAP_ANY): "any",
    int(lib.KEEL_HEAP_EQ): "eq", int(lib.KEEL_HEAP_I31): "i31", int(lib.KEEL_HEAP_STRUCT): "struct",
    int(lib.KEEL_HEAP_ARRAY): "array", int(lib.KEEL_HEAP_EXN): "exn", int(lib.KEEL_HEAP_NONE): "none",
    int(lib.KEEL_HEAP_NOFUNC): "nofunc", int(lib.KEEL_HEAP_NOEXTERN): "noextern",
    int(lib.KEEL_HEAP_NOEXN): "noexn", int(lib.KEEL_HEAP_CONCRETE): "$type",
}
# Which keel_val kind carries references of each abstract heap type.
_HEAP_FAMILY = {
    int(lib.KEEL_HEAP_FUNC): int(lib.KEEL_FUNCREF), int(lib.KEEL_HEAP_NOFUNC): int(lib.KEEL_FUNCREF),
    int(lib.KEEL_HEAP_EXTERN): int(lib.KEEL_EXTERNREF), int(lib.KEEL_HEAP_NOEXTERN): int(lib.KEEL_EXTERNREF),
    int(lib.KEEL_HEAP_EXN): int(lib.KEEL_EXNREF), int(lib.KEEL_HEAP_NOEXN): int(lib.KEEL_EXNREF),
}


class ValType(NamedTuple):
    """A value type. ``kind`` is the keel_val kind that carries it (KEEL_I32 ...
    KEEL_EXNREF); for references, ``heap`` is a KEEL_HEAP_* number and
    ``nullable`` says whether null belongs to the type."""

    kind: int
    heap: int = 0
    nullable: bool = False

    @property
    def is_ref(self) -> bool:
        """True for reference types."""
        return self.heap != 0

    def __str__(self) -> str:
        if not self.heap:
            return _KIND_NAMES.get(self.kind, "?%d" % self.kind)
        if self.nullable and self.heap in (lib.KEEL_HEAP_FUNC, lib.KEEL_HEAP_EXTERN, lib.KEEL_HEAP_ANY,
                                           lib.KEEL_HEAP_EXN):
            return _HEAP_NAMES[self.heap] + "ref"
        return "(ref %s%s)" % ("null " if self.nullable else "", _HEAP_NAMES.get(self.heap, "?"))

    @staticmethod
    def ref(heap: int, nullable: bool = True) -> "ValType":
        """A reference type (ref null? heap) with an abstract KEEL_HEAP_* heap type."""
        return ValType(_HEAP_FAMILY.get(int(heap), int(lib.KEEL_ANYREF)), int(heap), bool(nullable))

    # -- C conversions
    def _new_c(self) -> Any:
        out = ffi.new("keel_valtype **")
        if self.heap:
            check(lib.keel_valtype_new_ref(self.nullable, self.heap, out))
        else:
            check(lib.keel_valtype_new(self.kind, out))
        return out[0]

    @staticmethod
    def _from_c(p: Any) -> "ValType":
        kind = int(lib.keel_valtype_kind(p))
        heap = int(lib.keel_valtype_heap(p))
        return ValType(kind, heap, bool(lib.keel_valtype_is_nullable(p)) if heap else False)


ValType.__repr__ = ValType.__str__  # type: ignore[method-assign,assignment]

i32 = ValType(int(lib.KEEL_I32))
"""The i32 value type (also usable as a host-function annotation)."""
i64 = ValType(int(lib.KEEL_I64))
"""The i64 value type."""
f32 = ValType(int(lib.KEEL_F32))
"""The f32 value type."""
f64 = ValType(int(lib.KEEL_F64))
"""The f64 value type."""
v128 = ValType(int(lib.KEEL_V128))
"""The v128 value type (Python: 16 bytes or an int)."""
funcref = ValType(int(lib.KEEL_FUNCREF), int(lib.KEEL_HEAP_FUNC), True)
"""(ref null func)."""
externref = ValType(int(lib.KEEL_EXTERNREF), int(lib.KEEL_HEAP_EXTERN), True)
"""(ref null extern): any Python object, or None."""
anyref = ValType(int(lib.KEEL_ANYREF), int(lib.KEEL_HEAP_ANY), True)
"""(ref null any)."""
exnref = ValType(int(lib.KEEL_EXNREF), int(lib.KEEL_HEAP_EXN), True)
"""(ref null exn)."""

_BY_NAME = {"i32": i32, "i64": i64, "f32": f32, "f64": f64, "v128": v128, "funcref": funcref,
            "externref": externref, "anyref": anyref, "exnref": exnref}


def valtype(x: Union[ValType, str, type]) -> ValType:
    """Coerce ``x`` to a ValType: a ValType, a name ("i32", "externref", ...),
    or a Python type (int -> i32, float -> f64, object -> externref)."""
    if isinstance(x, ValType):
        return x
    if isinstance(x, str):
        try:
            return _BY_NAME[x]
        except KeyError:
            raise TypeError("unknown value type name %r (use i32, i64, f32, f64, v128, funcref, "
                            "externref, anyref or exnref)" % x) from None
    if x is int:
        return i32
    if x is float:
        return f64
    if x is object:
        return externref
    raise TypeError("cannot use %r as a wasm value type" % (x,))


class FuncType(NamedTuple):
    """A function type: ``params`` and ``results`` are tuples of ValType."""

    params: Tuple[ValType, ...]
    results: Tuple[ValType, ...]

    @staticmethod
    def of(params: Iterable[Union[ValType, str, type]] = (),
           results: Iterable[Union[ValType, str, type]] = ()) -> "FuncType":
        """Build a FuncType from ValTypes or names: FuncType.of(["i32", "i32"], ["i32"])."""
        return FuncType(tuple(valtype(p) for p in params), tuple(valtype(r) for r in results))

    def __str__(self) -> str:
        return "(func (param %s) (result %s))" % (" ".join(map(str, self.params)),
                                                  " ".join(map(str, self.results)))

    def _new_c(self) -> Any:
        made = []
        try:
            ps = [v._new_c() for v in self.params]
            made += ps
            rs = [v._new_c() for v in self.results]
            made += rs
            out = ffi.new("keel_functype **")
            check(lib.keel_functype_new(ffi.new("keel_valtype *[]", ps) if ps else ffi.NULL, len(ps),
                                        ffi.new("keel_valtype *[]", rs) if rs else ffi.NULL, len(rs), out))
            return out[0]
        finally:
            for p in made:
                lib.keel_valtype_free(p)

    @staticmethod
    def _from_c(p: Any) -> "FuncType":
        ps = tuple(ValType._from_c(lib.keel_functype_param(p, i)) for i in range(lib.keel_functype_param_count(p)))
        rs = tuple(ValType._from_c(lib.keel_functype_result(p, i)) for i in range(lib.keel_functype_result_count(p)))
        return FuncType(ps, rs)


class TableType(NamedTuple):
    """A table type: element type, limits (max None = none) and whether it is table64."""

    element: ValType
    min: int
    max: Optional[int] = None
    is64: bool = False


class MemoryType(NamedTuple):
    """A memory type: limits in pages (max None = none), memory64, shared, page size in bytes."""

    min: int
    max: Optional[int] = None
    is64: bool = False
    shared: bool = False
    page_size: int = 65536


class GlobalType(NamedTuple):
    """A global type: the value type and mutability."""

    content: ValType
    mutable: bool = False


class TagType(NamedTuple):
    """A tag (exception) type: the payload's function type (no results)."""

    functype: FuncType


ExternType = Union[FuncType, TableType, MemoryType, GlobalType, TagType]


def _limits(p: Any) -> Tuple[int, Optional[int]]:
    lo = ffi.new("uint64_t *")
    hi = ffi.new("uint64_t *")
    lib.keel_externtype_limits(p, lo, hi)
    return int(lo[0]), (None if hi[0] == 0xFFFFFFFFFFFFFFFF else int(hi[0]))


def externtype_from_c(p: Any) -> ExternType:
    """Convert a borrowed keel_externtype * into a Python type object."""
    kind = int(lib.keel_externtype_kind(p))
    if kind == lib.KEEL_EXTERN_FUNC:
        return FuncType._from_c(lib.keel_externtype_functype(p))
    if kind == lib.KEEL_EXTERN_TAG:
        return TagType(FuncType._from_c(lib.keel_externtype_functype(p)))
    if kind == lib.KEEL_EXTERN_GLOBAL:
        return GlobalType(ValType._from_c(lib.keel_externtype_valtype(p)), bool(lib.keel_externtype_mutable(p)))
    if kind == lib.KEEL_EXTERN_TABLE:
        lo, hi = _limits(p)
        return TableType(ValType._from_c(lib.keel_externtype_valtype(p)), lo, hi, bool(lib.keel_externtype_is64(p)))
    if kind == lib.KEEL_EXTERN_MEMORY:
        lo, hi = _limits(p)
        return MemoryType(lo, hi, bool(lib.keel_externtype_is64(p)), bool(lib.keel_externtype_shared(p)),
                          int(lib.keel_externtype_page_size(p)))
    raise ValueError("unknown extern kind %d (a newer library?)" % kind)


def take_externtype(p: Any) -> ExternType:
    """Convert an OWNED keel_externtype * and free it."""
    try:
        return externtype_from_c(p)
    finally:
        lib.keel_externtype_free(p)


class ImportType(NamedTuple):
    """One import of a module: its module name, name and type."""

    module: str
    name: str
    type: ExternType


class ExportType(NamedTuple):
    """One export of a module: its name and type."""

    name: str
    type: ExternType


def normalize_functype(t: Union[FuncType, Tuple[Sequence[Any], Sequence[Any]]]) -> FuncType:
    """Accept a FuncType or a (params, results) pair of type names/ValTypes."""
    if isinstance(t, FuncType):
        return FuncType(tuple(valtype(p) for p in t.params), tuple(valtype(r) for r in t.results))
    if isinstance(t, tuple) and len(t) == 2:
        return FuncType.of(t[0], t[1])
    raise TypeError("expected a keel.FuncType or a (params, results) pair, got %r" % (t,))
