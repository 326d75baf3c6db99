"""Shared fixtures: fresh engine/store per test, and a leak check after each test."""
import gc
import os
import sys

import pytest

import keel

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VECTORS = os.path.join(REPO, "tests", "vectors")


def live() -> int:
    gc.collect()
    gc.collect()
    return keel.debug_live_handles()


@pytest.fixture(autouse=True)
def no_leaks(request):
    """After every test, once its objects are gone, no Keel handle is alive."""
    before = live()
    yield
    if request.node.get_closest_marker("allow_leak"):
        return
    # pytest keeps fixture values in item.funcargs until after teardown.
    for k in list(getattr(request.node, "funcargs", {}) or {}):
        if k not in ("no_leaks", "request"):
            request.node.funcargs[k] = None
    after = live()
    assert after == before, "leaked %d Keel handles (%s)" % (after - before, ", ".join(
        "%s=%d" % (k, keel.debug_live_handles(k)) for k in ("engine", "module", "store", "func", "memory",
                                                           "table", "global", "instance", "linker", "externref", "code")
        if keel.debug_live_handles(k)))


@pytest.fixture
def engine():
    return keel.Engine()


@pytest.fixture
def store(engine):
    return keel.Store(engine)


def instantiate(store, wat, imports=()):
    return keel.Instance(store, keel.Module(store.engine, wat), imports)


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_leak: the test intentionally keeps handles alive")
