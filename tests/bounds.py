"""Run one hostile case with a hang guard and measure the memory it took (shared by the fuzz tests).

Time: ``signal.alarm(HANG_GUARD)`` raises :class:`Hung` (a BaseException, so no ``except Exception``
in the code under test can swallow it) when a case runs on: a hang guard, not a speed assertion.

Memory: the growth of the process's resident high-water mark (``VmHWM`` after resetting it through
``/proc/self/clear_refs``) over the resident size before the call. Unlike tracemalloc it costs
nothing (tracemalloc slows allocation-heavy parsing 2-50 times, which would make any hang guard
meaningless) and it also counts C allocations (binascii, regex, SQLite). Where /proc is not there
(not Linux) tracemalloc's peak is used instead.
"""

from __future__ import annotations

import signal
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

HANG_GUARD = 5  # seconds
MAX_MEMORY = 100 * 1024 * 1024
_PROC = Path("/proc/self")


class Hung(BaseException):
    """A case ran past the hang guard."""


@contextmanager
def hang_guard(seconds: int = HANG_GUARD):
    def ring(signum, frame):
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _status(field: str) -> int:
    for line in (_PROC / "status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _can_reset_peak() -> bool:
    try:
        (_PROC / "clear_refs").write_text("5")
        return _status("VmHWM") > 0
    except (OSError, KeyError, ValueError):
        return False


RSS_PEAK = _can_reset_peak()


@contextmanager
def measured(seconds: int = HANG_GUARD):
    """Yield a dict that receives ``seconds`` and ``memory`` (bytes above the starting point) afterwards."""
    found: dict[str, float] = {}
    if RSS_PEAK:
        (_PROC / "clear_refs").write_text("5")
        base = _status("VmRSS")
    else:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        with hang_guard(seconds):
            yield found
    finally:
        found["seconds"] = time.perf_counter() - start
        if RSS_PEAK:
            found["memory"] = _status("VmHWM") - base
        else:
            found["memory"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


def assert_bounded(found: dict, what: str) -> None:
    assert found["memory"] < MAX_MEMORY, f"{found['memory'] / 1e6:.0f} MB for {what}"
