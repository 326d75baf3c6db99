"""Memories (with generation-checked views), tables, globals, tags,
exceptions and GC references, plus the wrapping of a ``keel_extern *``."""
from __future__ import annotations

from typing import Any, Iterator, List, Optional, Union

from . import _values
from ._errors import Error, check
from ._ffi import ffi, lib
from ._handle import Handle
from ._store import Store, store_of
from ._types import FuncType, GlobalType, MemoryType, TableType, ValType, normalize_functype, take_externtype, valtype

__all__ = ["Memory", "MemoryView", "StaleViewError", "Table", "Global", "Tag", "Exn", "Ref", "wrap_extern"]

_NULL = ffi.NULL


class StaleViewError(Error):
    """A MemoryView was used after its memory grew (its bytes may have moved)."""


class _StoreObject(Handle):
    """A handle of an object that lives in a store."""

    _store: Store

    @classmethod
    def _wrap(cls, store: Store, h: Any) -> Any:
        self = cls.__new__(cls)
        self._init_handle(h)
        self._store = store
        self._post_wrap()
        return self

    def _post_wrap(self) -> None:
        pass

    @property
    def store(self) -> Store:
        """The keel.Store this object belongs to."""
        return self._store

    def _type(self, fn: Any) -> Any:
        out = ffi.new("keel_externtype **")
        h = self._enter()
        try:
            check(fn(h, out))
        finally:
            self._leave()
        return take_externtype(out[0])


def _u64(x: Any, what: str) -> int:
    if not isinstance(x, int) or isinstance(x, bool):
        raise TypeError("%s must be an int, got %s" % (what, type(x).__name__))
    if not 0 <= x < 1 << 64:
        raise ValueError("%s must be in 0..2**64-1, got %d" % (what, x))
    return x


# ------------------------------------------------------------------- memory

class Memory(_StoreObject):
    """A linear memory.

    ``Memory(store, MemoryType(min, max))`` creates one (or take an export).
    Bounds-checked copies: ``read(offset, n)`` and ``write(offset, data)``.
    Zero-copy access: ``view()`` returns a MemoryView, valid until the memory
    grows; a stale view raises StaleViewError instead of touching freed memory.
    """

    _free = lib.keel_memory_release

    def __init__(self, store: Store, type: Union[MemoryType, int], max: Optional[int] = None) -> None:
        store_of(store, "Memory(store, type)")
        mt = type if isinstance(type, MemoryType) else MemoryType(_u64(type, "min pages"), max)
        flags = 0
        if mt.is64:
            flags |= lib.KEEL_MEMORY_64
        if mt.shared:
            flags |= lib.KEEL_MEMORY_SHARED
        if mt.page_size == 1:
            flags |= lib.KEEL_MEMORY_PAGE_SIZE_1
        elif mt.page_size != 65536:
            raise ValueError("page_size must be 65536 or 1")
        out = ffi.new("keel_memory **")
        hi = lib.KEEL_NO_MAX if mt.max is None else _u64(mt.max, "max pages")
        check(lib.keel_memory_new(store._ptr(), _u64(mt.min, "min pages"), hi, flags, out))
        self._init_handle(out[0])
        self._store = store

    @property
    def type(self) -> MemoryType:
        """The memory's type (min = current size in pages)."""
        return self._type(lib.keel_memory_type)

    @property
    def pages(self) -> int:
        """The current size in pages."""
        return int(lib.keel_memory_pages(self._ptr()))

    @property
    def size(self) -> int:
        """The current size in bytes."""
        return int(lib.keel_memory_size(self._ptr()))

    def __len__(self) -> int:
        return self.size

    @property
    def generation(self) -> int:
        """A number that changes on every grow."""
        g = ffi.new("uint64_t *")
        h = self._enter()
        try:
            lib.keel_memory_data(h, ffi.NULL, g)
        finally:
            self._leave()
        return int(g[0])

    def grow(self, delta: int) -> int:
        """Grow by ``delta`` pages; returns the previous size in pages. Raises
        LimitError past the maximum. Invalidates every MemoryView."""
        old = ffi.new("uint64_t *")
        d = _u64(delta, "delta")
        h = self._enter()
        try:
            check(lib.keel_memory_grow(h, d, old))
        finally:
            self._leave()
        return int(old[0])

    def read(self, offset: int, length: int) -> bytes:
        """Copy ``length`` bytes at ``offset`` (InvalidArgumentError when out of bounds)."""
        if not isinstance(length, int) or length < 0:
            raise ValueError("length must be a non-negative int")
        if length > self.size:  # refuse before allocating a huge buffer
            from ._errors import InvalidArgumentError
            raise InvalidArgumentError("out of bounds memory access", int(lib.KEEL_ERROR_INVALID_ARGUMENT))
        buf = ffi.new("uint8_t[]", max(length, 1))
        off = _u64(offset, "offset")
        h = self._enter()
        try:
            check(lib.keel_memory_read(h, off, buf, length))
        finally:
            self._leave()
        return bytes(ffi.buffer(buf, length))

    def write(self, offset: int, data: Union[bytes, bytearray, memoryview]) -> None:
        """Copy ``data`` into the memory at ``offset`` (bounds-checked)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("write(offset, data): data must be bytes-like, got %s" % type(data).__name__)
        b = ffi.from_buffer(data)
        off = _u64(offset, "offset")
        h = self._enter()
        try:
            check(lib.keel_memory_write(h, off, b, len(b)))
        finally:
            self._leave()

    def view(self) -> "MemoryView":
        """A zero-copy, generation-checked view of the current bytes."""
        return MemoryView(self)

    def __buffer__(self, flags: int) -> memoryview:
        """PEP 688 buffer protocol (Python 3.12+): ``memoryview(memory)`` is a
        zero-copy view of the current bytes. Like MemoryView.memoryview() it
        is NOT generation-checked: valid only until the memory grows and
        while this Memory is open. On Python 3.11 use ``memory.view()``."""
        return self.view().memoryview()


class MemoryView:
    """A zero-copy view of a Memory's bytes, valid until the memory grows.

    Indexing and slicing (``v[i]``, ``v[a:b]``, assignment) check the memory's
    generation on every access and raise StaleViewError once it has grown.
    ``memoryview()`` hands out the underlying Python memoryview for APIs
    that take the buffer protocol (``struct.unpack_from``, numpy, ...): that
    object is NOT checked, so do not keep it across anything that may grow
    the memory (a wasm call or Memory.grow); ``view.obj`` of it is the CFFI
    buffer over the memory's bytes.
    """

    __slots__ = ("_memory", "_gen", "_mv", "_stale", "__weakref__")

    def __init__(self, memory: Memory) -> None:
        size = ffi.new("size_t *")
        gen = ffi.new("uint64_t *")
        h = memory._enter()
        try:
            p = lib.keel_memory_data(h, size, gen)
            # The view holds its own handle: closing the Memory wrapper it came
            # from does not invalidate it (only a grow does).
            self._memory = Memory._wrap(memory._store, lib.keel_memory_retain(h))
        finally:
            memory._leave()
        self._gen = int(gen[0])
        self._stale: Optional[str] = None
        self._mv: Optional[memoryview] = memoryview(ffi.buffer(p, size[0])) if p != _NULL and size[0] else \
            memoryview(bytearray(0))

    def _check(self) -> memoryview:
        mv = self._mv
        if mv is None:
            if self._stale:
                raise StaleViewError(self._stale)
            raise ValueError("MemoryView was released")
        g = ffi.new("uint64_t *")
        h = self._memory._enter()
        try:
            lib.keel_memory_data(h, ffi.NULL, g)
        finally:
            self._memory._leave()
        if g[0] != self._gen:
            self._mv = None
            self._stale = ("this MemoryView is stale: the memory grew (generation %d -> %d) and "
                                 "its bytes may have moved; take a new view with memory.view()"
                                 % (self._gen, int(g[0])))
            raise StaleViewError(self._stale)
        return mv

    @property
    def valid(self) -> bool:
        """Whether the view can still be used (the memory has not grown)."""
        try:
            self._check()
            return True
        except (StaleViewError, ValueError):
            return False

    def __len__(self) -> int:
        return len(self._check())

    def __getitem__(self, key: Any) -> Any:
        mv = self._check()
        r = mv[key]
        return bytes(r) if isinstance(r, memoryview) else r

    def __setitem__(self, key: Any, value: Any) -> None:
        self._check()[key] = value

    def tobytes(self) -> bytes:
        """A copy of the bytes."""
        return self._check().tobytes()

    def memoryview(self) -> memoryview:
        """The underlying zero-copy memoryview (writable); valid only until the
        memory grows, and not checked: see the class docstring."""
        return self._check()

    def release(self) -> None:
        """Drop the view and its memory handle."""
        self._mv = None
        self._memory.close()

    def __enter__(self) -> "MemoryView":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# ------------------------------------------------------------------- table

class Table(_StoreObject):
    """A table of references. ``Table(store, TableType(keel.funcref, 10), init=None)``."""

    _free = lib.keel_table_release
    _elem: Optional[ValType]

    def __init__(self, store: Store, type: TableType, init: Any = None) -> None:
        store_of(store, "Table(store, type)")
        if not isinstance(type, TableType):
            raise TypeError("Table(store, type): expected a keel.TableType, got %s" % type.__class__.__name__)
        et = valtype(type.element)
        ct = et._new_c()
        try:
            v = ffi.new("keel_val *")
            _values.writer_for(et)(v, init, store)
            out = ffi.new("keel_table **")
            hi = lib.KEEL_NO_MAX if type.max is None else _u64(type.max, "max")
            check(lib.keel_table_new(store._ptr(), ct, _u64(type.min, "min"), hi, v, out))
        finally:
            lib.keel_valtype_free(ct)
        self._init_handle(out[0])
        self._store = store
        self._elem = et

    def _post_wrap(self) -> None:
        self._elem = None

    def _element(self) -> ValType:
        if self._elem is None:
            self._elem = self.type.element
        return self._elem

    @property
    def type(self) -> TableType:
        """The table's type (min = current size)."""
        return self._type(lib.keel_table_type)

    @property
    def size(self) -> int:
        """The number of elements."""
        return int(lib.keel_table_size(self._ptr()))

    def __len__(self) -> int:
        return self.size

    def get(self, index: int) -> Any:
        """Element ``index`` (a Func, Python object, Ref or None)."""
        v = ffi.new("keel_val *")
        i = _u64(index, "index")
        h = self._enter()
        try:
            check(lib.keel_table_get(h, i, v))
        finally:
            self._leave()
        return _values.read(v[0], self._store, True)

    def set(self, index: int, value: Any) -> None:
        """Set element ``index``."""
        v = ffi.new("keel_val *")
        _values.writer_for(self._element())(v, value, self._store)
        i = _u64(index, "index")
        h = self._enter()
        try:
            check(lib.keel_table_set(h, i, v))
        finally:
            self._leave()

    def grow(self, delta: int, init: Any = None) -> int:
        """Add ``delta`` elements set to ``init``; returns the previous size."""
        v = ffi.new("keel_val *")
        _values.writer_for(self._element())(v, init, self._store)
        old = ffi.new("uint64_t *")
        d = _u64(delta, "delta")
        h = self._enter()
        try:
            check(lib.keel_table_grow(h, d, v, old))
        finally:
            self._leave()
        return int(old[0])

    def __getitem__(self, index: int) -> Any:
        return self.get(index)

    def __setitem__(self, index: int, value: Any) -> None:
        self.set(index, value)

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.size):
            yield self.get(i)


# ------------------------------------------------------------------- global

class Global(_StoreObject):
    """A global. ``Global(store, GlobalType(keel.i32, mutable=True), 5)``;
    read and write ``.value``."""

    _free = lib.keel_global_release
    _vt: Optional[ValType]

    def __init__(self, store: Store, type: GlobalType, value: Any) -> None:
        store_of(store, "Global(store, type, value)")
        if not isinstance(type, GlobalType):
            raise TypeError("Global(store, type, value): expected a keel.GlobalType, got %s"
                            % type.__class__.__name__)
        vt = valtype(type.content)
        ct = vt._new_c()
        try:
            v = ffi.new("keel_val *")
            _values.writer_for(vt)(v, value, store)
            out = ffi.new("keel_global **")
            check(lib.keel_global_new(store._ptr(), ct, bool(type.mutable), v, out))
        finally:
            lib.keel_valtype_free(ct)
        self._init_handle(out[0])
        self._store = store
        self._vt = vt

    def _post_wrap(self) -> None:
        self._vt = None

    @property
    def type(self) -> GlobalType:
        """The global's type."""
        return self._type(lib.keel_global_type)

    def _get(self, exact: bool) -> Any:
        v = ffi.new("keel_val *")
        h = self._enter()
        try:
            check(lib.keel_global_get(h, v))
        finally:
            self._leave()
        return _values.read(v[0], self._store, True, exact)

    def _set(self, value: Any) -> None:
        if self._vt is None:
            self._vt = self.type.content
        v = ffi.new("keel_val *")
        _values.writer_for(self._vt)(v, value, self._store)
        h = self._enter()
        try:
            check(lib.keel_global_set(h, v))
        finally:
            self._leave()

    value = property(lambda self: self._get(False), _set,
                     doc="The global's value; assigning to an immutable global raises InvalidArgumentError.")

    def get_exact(self) -> "_values.Val":
        """The value as a bit-exact keel.Val."""
        return self._get(True)


# ------------------------------------------------------------------- tags, exceptions, refs

class Tag(_StoreObject):
    """An exception tag. ``Tag(store, FuncType.of(["i32"], []))``."""

    _free = lib.keel_tag_release

    def __init__(self, store: Store, type: Any) -> None:
        store_of(store, "Tag(store, type)")
        ft = normalize_functype(type)
        ct = ft._new_c()
        try:
            out = ffi.new("keel_tag **")
            check(lib.keel_tag_new(store._ptr(), ct, out))
        finally:
            lib.keel_functype_free(ct)
        self._init_handle(out[0])
        self._store = store

    @property
    def type(self) -> FuncType:
        """The payload type (params only)."""
        out = ffi.new("keel_functype **")
        check(lib.keel_tag_type(self._ptr(), out))
        try:
            return FuncType._from_c(out[0])
        finally:
            lib.keel_functype_free(out[0])


class Exn(_StoreObject):
    """A wasm exception (exnref): ``Exn(store, tag, [payload...])``."""

    _free = lib.keel_exn_release

    def __init__(self, store: Store, tag: Tag, payload: List[Any] = ()) -> None:  # type: ignore[assignment]
        store_of(store, "Exn(store, tag, payload)")
        if not isinstance(tag, Tag):
            raise TypeError("Exn(store, tag, payload): expected a keel.Tag, got %s" % type(tag).__name__)
        params = tag.type.params
        payload = list(payload)
        if len(payload) != len(params):
            raise TypeError("the tag's payload has %d values, got %d" % (len(params), len(payload)))
        buf = ffi.new("keel_val[]", max(1, len(params)))
        for i, t in enumerate(params):
            _values.writer_for(t)(buf[i], payload[i], store)
        out = ffi.new("keel_exn **")
        check(lib.keel_exn_new(store._ptr(), tag._ptr(), buf, len(params), out))
        self._init_handle(out[0])
        self._store = store

    @property
    def tag(self) -> Tag:
        """The exception's tag."""
        out = ffi.new("keel_tag **")
        check(lib.keel_exn_tag(self._ptr(), out))
        return Tag._wrap(self._store, out[0])

    @property
    def payload(self) -> List[Any]:
        """The payload values."""
        h = self._ptr()
        out = []
        v = ffi.new("keel_val *")
        for i in range(lib.keel_exn_payload_count(h)):
            check(lib.keel_exn_payload(h, i, v))
            out.append(_values.read(v[0], self._store, True))
        return out


class Ref(_StoreObject):
    """An opaque GC reference (anyref) held by the host; keeps the object alive."""

    _free = lib.keel_ref_release


def wrap_extern(store: Store, ext: Any, name: Optional[str] = None) -> Any:
    """Wrap an OWNED keel_extern * as Func/Memory/Table/Global/Tag."""
    from ._func import Func
    kind = lib.keel_extern_kind(ext)
    if kind == lib.KEEL_EXTERN_FUNC:
        return Func._wrap(store, lib.keel_extern_as_func(ext), name)
    if kind == lib.KEEL_EXTERN_MEMORY:
        return Memory._wrap(store, lib.keel_extern_as_memory(ext))
    if kind == lib.KEEL_EXTERN_TABLE:
        return Table._wrap(store, lib.keel_extern_as_table(ext))
    if kind == lib.KEEL_EXTERN_GLOBAL:
        return Global._wrap(store, lib.keel_extern_as_global(ext))
    if kind == lib.KEEL_EXTERN_TAG:
        return Tag._wrap(store, lib.keel_extern_as_tag(ext))
    lib.keel_extern_release(ext)
    raise ValueError("the library returned an extern of unknown kind %d" % kind)


def as_extern(item: Any) -> Any:
    """The borrowed keel_extern * of a wrapper (TypeError for other objects)."""
    from ._func import Func
    if isinstance(item, Func):
        return lib.keel_func_as_extern(item._ptr())
    if isinstance(item, Memory):
        return lib.keel_memory_as_extern(item._ptr())
    if isinstance(item, Table):
        return lib.keel_table_as_extern(item._ptr())
    if isinstance(item, Global):
        return lib.keel_global_as_extern(item._ptr())
    if isinstance(item, Tag):
        return lib.keel_tag_as_extern(item._ptr())
    raise TypeError("expected a keel.Func, Memory, Table, Global or Tag, got %s" % type(item).__name__)
