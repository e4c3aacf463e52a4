"""The running process's own health facts, set by the loop and read by /healthz and /metrics.

Everything durable is in the store; this holds only what exists in memory: when the loop last
finished a tick and last read the mailbox successfully. One instance per App.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ProcessState:
    worker: str = ""
    last_tick_at: datetime | None = None
    last_tick_ok: bool = True
    last_mailbox_sync_at: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def tick_finished(self, at: datetime, ok: bool) -> None:
        with self._lock:
            self.last_tick_at, self.last_tick_ok = at, ok

    def mailbox_synced(self, at: datetime) -> None:
        with self._lock:
            self.last_mailbox_sync_at = at
