"""The right to read the mailbox, held by one worker at a time under a renewable lease.

Several workers may share one store; only the holder of ``mailbox:<identity>`` in the ``leases``
table lists and handles inbound mail. The others still fire due actions and deliver the outbox.
The holder renews the lease at the start of each tick, between messages once a third of it has
passed, and before waiting on the mailbox (the wait is kept shorter than the lease). A holder that
dies stops renewing; its lease expires after ``[store] lease_seconds`` and the next worker to ask
takes it. A graceful stop gives it up at once.

On the embedded SQLite store (one machine by nature) a holder named ``host:pid`` for this host
whose process no longer exists is taken over at once, so a single ``run`` restarted after a crash
reads mail straight away, as before leases existed. On PostgreSQL only expiry hands a lease over:
a process on another machine cannot be checked.

Lease times are the wall clock (``claims.wall_clock``), never the agent's ``--now`` clock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime

from agent.app import App
from agent.store import claims

log = logging.getLogger(__name__)


def lease_name(identity: str) -> str:
    """``mailbox:<identity>``, hashed when it would not fit the 200-character key."""
    name = f"mailbox:{identity}"
    return name if len(name) <= 200 else f"mailbox:sha256:{hashlib.sha256(identity.encode()).hexdigest()}"


def gone_here(holder: str) -> bool:
    """True when ``holder`` is ``<this host>:<pid>`` of another process that no longer exists."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


class MailboxLease:
    def __init__(self, app: App, clock: Callable[[], datetime] = claims.wall_clock):
        self.engine = app.engine
        self.name = lease_name(app.mailbox.identity)
        self.holder = app.worker
        self.seconds = float(app.config.store.lease_seconds)
        self.clock = clock
        self.single_host = app.engine.dialect.name == "sqlite"
        self._renewed: float | None = None  # time.monotonic() of the last successful take or renewal

    @property
    def held(self) -> bool:
        """Held as far as this worker knows (it renewed less than a lease ago)."""
        return self._renewed is not None and time.monotonic() - self._renewed < self.seconds

    def acquire(self) -> bool:
        """Take or renew the lease now; True when this worker holds it."""
        at = self.clock()
        with self.engine.begin() as conn:
            ok = claims.take_lease(conn, self.name, self.holder, at, self.seconds)
            if not ok and self.single_host:
                row = claims.lease_of(conn, self.name)
                if row is not None and gone_here(row.holder):
                    ok = claims.take_over_lease(conn, self.name, self.holder, row.holder, at, self.seconds)
                    if ok:
                        log.info("took the mailbox lease over from %s, which is gone", row.holder)
        was_held, self._renewed = self.held, time.monotonic() if ok else None
        if ok and not was_held:
            log.info("%s reads the mailbox (lease %s)", self.holder, self.name)
        return ok

    def keep(self) -> bool:
        """Between messages: still ours? Renews once a third of the lease has passed."""
        if self._renewed is None:
            return False
        if time.monotonic() - self._renewed < self.seconds / 3:
            return True
        return self.acquire()

    def wait_limit(self) -> float:
        """How long the holder may wait on the mailbox before it must renew."""
        return self.seconds / 3

    def release(self) -> None:
        """Give the lease up (graceful stop), so another worker takes it at once."""
        with self.engine.begin() as conn:
            claims.release_lease(conn, self.name, self.holder)
        self._renewed = None
