"""Instance (with its exports as a mapping and as attributes) and Linker."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ._engine import Engine, Module
from ._errors import check
from ._ffi import ffi, lib
from ._func import Func
from ._handle import Handle
from ._objects import as_extern, wrap_extern
from ._store import Store, store_of
from ._types import FuncType

__all__ = ["Instance", "Exports", "Linker"]


def _host_or_item(store: Store, item: Any, want: Any, what: str) -> Any:
    """A plain Python callable given where a function import is expected
    becomes a host function of the import's type."""
    if callable(item) and not isinstance(item, Handle):
        if not isinstance(want, FuncType):
            raise TypeError("%s: a Python callable can only satisfy a function import" % what)
        return Func(store, item, want)
    return item


class Exports(Mapping[str, Any]):
    """An instance's exports: ``exports["f"]`` or ``exports.f``, in export order.

    Attribute access cannot reach exports named like Mapping methods (get,
    keys, items, values) or close: use ``exports["get"]`` for those.
    """

    def __init__(self, instance: "Instance") -> None:
        self._items: Dict[str, Any] = {}
        h = instance._ptr()
        name, nlen = ffi.new("const char **"), ffi.new("size_t *")
        out = ffi.new("keel_extern **")
        for i in range(lib.keel_instance_export_count(h)):
            check(lib.keel_instance_export_nth(h, i, name, nlen, out))
            n = bytes(ffi.buffer(name[0], nlen[0])).decode("utf-8", "surrogateescape") if nlen[0] else ""
            self._items[n] = wrap_extern(instance._store, out[0], n)

    def __getitem__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError("unknown export %r (exports: %s)" % (name, ", ".join(self._items) or "none")) from None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError("the instance has no export %r (exports: %s)"
                                 % (name, ", ".join(self._items) or "none")) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __dir__(self) -> List[str]:
        return list(self._items)

    def close(self) -> None:
        """Close every export wrapper."""
        for v in self._items.values():
            v.close()


class Instance(Handle):
    """An instance of a module in a store.

    ``Instance(store, module, imports=[...])`` with one item per import in the
    module's import order (keel.Func/Memory/Table/Global/Tag, or a Python
    callable for a function import). The start function runs before the
    constructor returns (a trap raises keel.Trap). Exports:
    ``instance.exports.f``, ``instance.exports["f"]`` or ``instance["f"]``.
    """

    _free = lib.keel_instance_release

    def __init__(self, store: Store, module: Module, imports: Sequence[Any] = ()) -> None:
        store_of(store, "Instance(store, module, imports)")
        if not isinstance(module, Module):
            raise TypeError("Instance(store, module): expected a keel.Module, got %s" % type(module).__name__)
        imports = list(imports)
        want = module.imports
        if len(imports) != len(want):
            raise TypeError("the module has %d imports (%s), got %d" % (
                len(want), ", ".join("%s::%s" % (w.module, w.name) for w in want), len(imports)))
        items = [_host_or_item(store, it, w.type, "import %s::%s" % (w.module, w.name))
                 for it, w in zip(imports, want)]
        arr = ffi.new("keel_extern *[]", max(1, len(items)))
        for i, it in enumerate(items):
            arr[i] = as_extern(it)
        out = ffi.new("keel_instance **")
        h = store._enter()
        try:
            check(lib.keel_instance_new(h, module._ptr(), arr, len(items), out))
        finally:
            store._leave()
        self._setup(store, module, out[0], items)

    def _setup(self, store: Store, module: Optional[Module], h: Any, keep: List[Any]) -> None:
        self._init_handle(h)
        self._store = store
        self.module = module
        self._keep = keep
        self._exports: Optional[Exports] = None

    @property
    def store(self) -> Store:
        """The keel.Store the instance lives in."""
        return self._store

    @property
    def exports(self) -> Exports:
        """The exports (a mapping with attribute access)."""
        if self._exports is None:
            self._exports = Exports(self)
        return self._exports

    def __getitem__(self, name: str) -> Any:
        return self.exports[name]


class Linker(Handle):
    """Resolves imports by (module, name).

    ``define(module, name, item)``, ``define_func(store, module, name, fn,
    type=None)``, ``define_instance(module, instance)``, then
    ``instantiate(store, module)``. One owner: use from one thread at a time.
    """

    _free = lib.keel_linker_free

    def __init__(self, engine: Engine) -> None:
        if not isinstance(engine, Engine):
            raise TypeError("Linker(engine): expected a keel.Engine, got %s" % type(engine).__name__)
        out = ffi.new("keel_linker **")
        check(lib.keel_linker_new(engine._ptr(), out))
        self._init_handle(out[0])
        self.engine = engine
        self._items: Dict[Tuple[str, str], Any] = {}
        self._instances: Dict[str, Any] = {}
        self._wasi_stores: List[Store] = []

    def allow_shadowing(self, allow: bool = True) -> None:
        """Let later definitions replace earlier ones instead of failing."""
        lib.keel_linker_allow_shadowing(self._ptr(), bool(allow))

    def define(self, module: str, name: str, item: Any) -> None:
        """Define (module, name) as a Func, Memory, Table, Global or Tag."""
        m, n = _utf8(module, "module"), _utf8(name, "name")
        ext = as_extern(item)
        check(lib.keel_linker_define(self._ptr(), m, len(m), n, len(n), ext))
        self._items[(module, name)] = item

    def define_func(self, store: Store, module: str, name: str, fn: Any, type: Any = None) -> Func:
        """Define (module, name) as a host function made from ``fn`` (see keel.Func)."""
        f = fn if isinstance(fn, Func) else Func(store, fn, type)
        self.define(module, name, f)
        return f

    def define_instance(self, module: str, instance: Instance) -> None:
        """Define every export of ``instance`` under ``module`` (the spec's "register")."""
        if not isinstance(instance, Instance):
            raise TypeError("define_instance: expected a keel.Instance, got %s" % type(instance).__name__)
        m = _utf8(module, "module")
        check(lib.keel_linker_define_instance(self._ptr(), m, len(m), instance._ptr()))
        self._instances[module] = instance

    def define_wasi(self, store: Store, config: Any) -> Any:
        """Define every WASI preview 1 function (module "wasi_snapshot_preview1")
        for ``store`` from a keel.WasiConfig; returns the keel.Wasi context
        (captured output)."""
        from ._wasi import define_wasi
        w = define_wasi(self, store, config)
        self._wasi_stores.append(store)  # the WASI functions live in that store
        return w

    def get(self, module: str, name: str) -> Optional[Any]:
        """The item defined as (module, name), or None."""
        item = self._items.get((module, name))
        if item is not None:
            return item
        inst = self._instances.get(module)
        if inst is not None:
            return inst.exports.get(name)
        return None

    def instantiate(self, store: Store, module: Module) -> Instance:
        """Instantiate ``module`` in ``store``, resolving its imports here.
        Raises LinkError for a missing or mistyped import."""
        store_of(store, "Linker.instantiate(store, module)")
        if not isinstance(module, Module):
            raise TypeError("Linker.instantiate: expected a keel.Module, got %s" % type(module).__name__)
        out = ffi.new("keel_instance **")
        h = store._enter()
        try:
            check(lib.keel_linker_instantiate(self._ptr(), h, module._ptr(), out))
        finally:
            store._leave()
        inst = Instance.__new__(Instance)
        inst._setup(store, module, out[0], list(self._items.values()))
        return inst


def _utf8(s: Any, what: str) -> bytes:
    if not isinstance(s, str):
        raise TypeError("%s must be a str, got %s" % (what, type(s).__name__))
    return s.encode("utf-8")
