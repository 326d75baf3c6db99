"""The shared, language-neutral test vectors (tests/vectors, format in its README)."""
import glob
import json
import math
import os
import struct

import pytest

import keel
from conftest import VECTORS

CASES = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(VECTORS, "*.json")))
TYPES = {"i32": keel.i32, "i64": keel.i64, "f32": keel.f32, "f64": keel.f64,
         "funcref": keel.funcref, "externref": keel.externref}


class ExternBox:
    """The host object behind {"type": "externref", "value": "42"}: compares by the integer."""

    def __init__(self, n):
        self.n = n


def arg(v):
    t = v["type"]
    if t in ("i32", "i64"):
        n = int(v["value"], 0)
        width = 32 if t == "i32" else 64
        n &= (1 << width) - 1
        return keel.Val.i32(n) if t == "i32" else keel.Val.i64(n)
    if t == "f32":
        return keel.Val.f32_bits(int(v["bits"], 16))
    if t == "f64":
        return keel.Val.f64_bits(int(v["bits"], 16))
    if t == "externref":
        return None if v["value"] is None else ExternBox(int(v["value"], 0))
    if t == "funcref":
        assert v["value"] is None
        return None
    raise AssertionError("unknown value type " + t)


def matches(expect, got):
    """Compare one expected VALUE with a keel.Val result."""
    t = expect["type"]
    if t in ("i32", "i64"):
        width = 32 if t == "i32" else 64
        return got.kind == TYPES[t].kind and got.bits == int(expect["value"], 0) & ((1 << width) - 1)
    if t in ("f32", "f64"):
        if got.kind != TYPES[t].kind:
            return False
        if "nan" in expect:
            exp_bits, mant = (8, 23) if t == "f32" else (11, 52)
            is_nan = (got.bits >> mant) & ((1 << exp_bits) - 1) == (1 << exp_bits) - 1 and got.bits & ((1 << mant) - 1)
            if not is_nan:
                return False
            payload = got.bits & ((1 << mant) - 1)
            if expect["nan"] == "canonical":
                return payload == 1 << (mant - 1)
            return bool(payload & (1 << (mant - 1)))
        return got.bits == int(expect["bits"], 16)
    if t == "externref":
        if expect["value"] is None:
            return got.raw is None
        return isinstance(got.raw, ExternBox) and got.raw.n == int(expect["value"], 0)
    if t == "funcref":
        if expect["value"] is None:
            return got.raw is None
        return isinstance(got.raw, keel.Func)
    return False


def behavior(spec):
    kind = spec["behavior"]
    results = spec["results"]
    if kind == "add":
        rt = results[0]

        def add(*args):
            if rt in ("i32", "i64"):
                width = 32 if rt == "i32" else 64
                s = sum(a.bits for a in args) & ((1 << width) - 1)
                return keel.Val(TYPES[rt].kind, s)
            fmt = "<f" if rt == "f32" else "<d"
            total = sum(a.value for a in args)
            return keel.Val.f32(total) if rt == "f32" else keel.Val.f64(total)
        return add
    if kind == "echo":
        def echo(*args):
            return args[0] if len(args) == 1 else tuple(args)
        return echo
    if kind == "trap":
        def trap(*args):
            raise keel.Trap("host trap")
        return trap
    raise AssertionError("unknown behavior " + kind)


def run_case(name):
    with open(os.path.join(VECTORS, name + ".json")) as f:
        case = json.load(f)
    with open(os.path.join(VECTORS, name + ".wat")) as f:
        wat = f.read()
    engine = keel.Engine()
    store = keel.Store(engine)
    module = keel.Module(engine, wat)
    linker = keel.Linker(engine)
    for imp in case.get("imports", []):
        ft = keel.FuncType.of(imp["params"], imp["results"])
        linker.define(imp["module"], imp["name"], keel.Func(store, behavior(imp), ft, exact=True))
    if "link_error" in case:
        with pytest.raises(keel.LinkError) as ei:
            linker.instantiate(store, module)
        assert case["link_error"] in ei.value.message
        return []
    if "instantiate_trap" in case:
        with pytest.raises(keel.Trap) as ei:
            linker.instantiate(store, module)
        assert case["instantiate_trap"] in ei.value.message
        return []
    inst = linker.instantiate(store, module)
    ex = inst.exports
    failures = []
    for i, step in enumerate(case["steps"]):
        try:
            run_step(ex, step)
        except AssertionError as e:
            failures.append("step %d %s: %s" % (i, json.dumps(step)[:120], e))
    return failures


def run_step(ex, step):
    if "invoke" in step:
        f = ex[step["invoke"]]
        args = [arg(a) for a in step["args"]]
        if "trap" in step:
            try:
                f.call_exact(*args)
            except keel.Trap as e:
                assert step["trap"] in e.message, "trap %r, expected %r" % (e.message, step["trap"])
                return
            raise AssertionError("no trap, expected %r" % step["trap"])
        r = f.call_exact(*args)
        got = [] if r is None else list(r) if isinstance(r, tuple) else [r]
        exp = step["expect"]
        assert len(got) == len(exp), "got %d results, expected %d" % (len(got), len(exp))
        for g, e in zip(got, exp):
            assert matches(e, g), "got %r, expected %r" % (g, e)
    elif "memory" in step:
        m = step["memory"]
        want = bytes.fromhex(m["hex"])
        mem = ex[m.get("export", "memory")]
        assert mem.read(m["offset"], len(want)) == want
        with mem.view() as v:
            assert v[m["offset"]:m["offset"] + len(want)] == want
    elif "memory_write" in step:
        m = step["memory_write"]
        ex[m.get("export", "memory")].write(m["offset"], bytes.fromhex(m["hex"]))
    elif "memory_size" in step:
        m = step["memory_size"]
        assert ex[m.get("export", "memory")].pages == m["pages"]
    elif "table_size" in step:
        t = step["table_size"]
        assert ex[t.get("export", "table")].size == t["size"]
    elif "global_get" in step:
        g = ex[step["global_get"]].get_exact()
        assert matches(step["expect"], g), "got %r, expected %r" % (g, step["expect"])
    elif "global_set" in step:
        g = ex[step["global_set"]]
        if "error" in step:
            try:
                g.value = arg(step["value"])
            except keel.Error:
                return
            raise AssertionError("global_set did not fail")
        g.value = arg(step["value"])
    else:
        raise AssertionError("unknown step %r" % step)


@pytest.mark.parametrize("name", CASES)
def test_vector(name):
    failures = run_case(name)
    assert not failures, "\n".join(failures)


def test_vectors_present():
    assert len(CASES) >= 10
