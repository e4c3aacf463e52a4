"""The running process's own health facts, set by the loop and read by /healthz and /metrics.

Everything durable is in the store; this holds only what exists in memory: when the loop last
finished a tick (and the last one that went well) and last read the mailbox successfully. One
instance per App; the loop writes it and the metrics thread reads a ``snapshot``, under a lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime


@dataclass
class ProcessState:
    worker: str = ""
    last_tick_at: datetime | None = None
    last_tick_ok: bool = True
    last_ok_tick_at: datetime | None = None  # one failed tick is news, not yet ill health
    last_mailbox_sync_at: datetime | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def tick_finished(self, at: datetime, ok: bool) -> None:
        with self._lock:
            self.last_tick_at, self.last_tick_ok = at, ok
            if ok:
                self.last_ok_tick_at = at

    def mailbox_synced(self, at: datetime) -> None:
        with self._lock:
            self.last_mailbox_sync_at = at

    def snapshot(self) -> ProcessState:
        """A consistent copy for a reader in another thread."""
        with self._lock:
            return replace(self, _lock=threading.Lock())
