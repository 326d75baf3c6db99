"""The build: the cdef is generated from keel.h (every KEEL_API function is
in it), and the installed package carries its type information."""
import importlib.util
import os
import re

import pytest

import keel

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PKG))
HEADERS = os.path.join(REPO, "capi", "include")


def load_build_script():
    os.environ["KEEL_BUILD_NO_FFI"] = "1"
    try:
        spec = importlib.util.spec_from_file_location("keel_build_for_test", os.path.join(PKG, "keel_build.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        del os.environ["KEEL_BUILD_NO_FFI"]


@pytest.mark.skipif(not os.path.isdir(HEADERS), reason="needs the Keel repository's headers")
def test_cdef_is_generated_from_every_header_declaration():
    kb = load_build_script()
    cdef = kb.generate_cdef(REPO)
    declared = set()
    for name in os.listdir(os.path.join(HEADERS, "keel")):
        with open(os.path.join(HEADERS, "keel", name)) as f:
            text = f.read()
        declared |= set(re.findall(r"KEEL_API\s+[^;(]*?\b(keel_\w+)\s*\(", text))
    assert len(declared) > 100
    missing = sorted(n for n in declared if not re.search(r"\b%s\s*\(" % n, cdef))
    assert not missing
    # every declared function is callable through the compiled module
    assert all(hasattr(keel._lib, n) for n in declared)
    assert "#define KEEL_TRAP_HOST ..." in cdef and "KEEL_API" not in cdef


def test_package_is_typed():
    assert os.path.isfile(os.path.join(os.path.dirname(keel.__file__), "py.typed"))
