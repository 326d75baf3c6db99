"""Timeouts on wasm calls: ``func(*args, timeout=seconds)`` (issue 9).

One daemon watchdog thread serves every timed call of the process (a thread
per call would cost far more than the call). A timed call registers an
entry (deadline, store) before entering wasm and withdraws it after; when a
deadline passes while its entry is still registered, the watchdog calls
keel_store_interrupt on the entry's store, so the guest traps with
KEEL_TRAP_INTERRUPTED at its next function entry or loop back-edge (or
within about 50 ms when blocked inside WASI).

The race with the end of the call: the watchdog fires only under the lock
and only for an entry still registered; the caller withdraws it under the
same lock. If the watchdog fired but the call ended some other way (it
returned just before the check, or trapped for another reason), the
request is still pending in the store and would make the NEXT call trap at
once, so the caller withdraws it with keel_store_interrupt_clear.

The store pointer an entry holds stays valid while the entry is
registered: the calling thread holds the Store wrapper (and through it a
C reference) for the whole call.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Any, List, Optional, Tuple

from ._ffi import lib

__all__ = ["Timed", "check_timeout"]


def check_timeout(timeout: Any) -> float:
    """Validate a timeout in seconds (a non-negative int or float)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be a number of seconds, got %s" % type(timeout).__name__)
    if not timeout >= 0:  # also rejects NaN
        raise ValueError("timeout must be >= 0 seconds, got %r" % (timeout,))
    return float(timeout)


class Timed:
    """One timed call's registration with the watchdog."""

    __slots__ = ("deadline", "store", "fired", "active")

    def __init__(self, deadline: float, store: Any) -> None:
        self.deadline = deadline
        self.store = store      # borrowed keel_store * (the caller keeps it alive)
        self.fired = False      # the watchdog interrupted the store for this call
        self.active = True      # still registered (guarded by _Watchdog.cond)


class _Watchdog:
    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.heap: List[Tuple[float, int, Timed]] = []
        self.seq = itertools.count()
        self.thread: Optional[threading.Thread] = None
        self.stale = 0  # withdrawn entries still in the heap

    def start(self, seconds: float, store: Any) -> Timed:
        t = Timed(time.monotonic() + seconds, store)
        with self.cond:
            heapq.heappush(self.heap, (t.deadline, next(self.seq), t))
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="keel-timeout-watchdog", daemon=True)
                self.thread.start()
            self.cond.notify()
        return t

    def finish(self, t: Timed) -> bool:
        """Withdraw a registration; True when the watchdog fired for it. The
        heap entry stays until its deadline passes (it is inactive then)."""
        with self.cond:
            t.active = False
            if not t.fired:
                self.stale += 1
                # Many short calls with long timeouts would otherwise pile up
                # withdrawn entries until their deadlines pass.
                if self.stale > 64 and self.stale * 2 > len(self.heap):
                    self.heap = [e for e in self.heap if e[2].active]
                    heapq.heapify(self.heap)
                    self.stale = 0
            return t.fired

    def _run(self) -> None:
        cond = self.cond
        with cond:
            while True:
                if not self.heap:
                    # Idle: wait for work; the thread stays (daemon) for the next timed call.
                    cond.wait()
                    continue
                deadline, _seq, t = self.heap[0]
                now = time.monotonic()
                if not t.active:
                    heapq.heappop(self.heap)
                    self.stale = max(0, self.stale - 1)
                    continue
                if deadline > now:
                    cond.wait(deadline - now)
                    continue
                heapq.heappop(self.heap)
                t.fired = True
                # Lock-free and async-signal-safe in the ABI: fine under our lock.
                lib.keel_store_interrupt(t.store)


_watchdog = _Watchdog()


def start(seconds: float, store: Any) -> Timed:
    """Arm a timeout of ``seconds`` for a call about to run in ``store`` (a keel_store *)."""
    return _watchdog.start(seconds, store)


def finish(t: Timed, interrupted_trap: bool) -> bool:
    """Disarm after the call; returns whether the timeout fired. When it
    fired but the call did not end with an 'interrupted' trap, the pending
    request is withdrawn so the next call runs normally."""
    fired = _watchdog.finish(t)
    if fired and not interrupted_trap:
        lib.keel_store_interrupt_clear(t.store)
    return fired
