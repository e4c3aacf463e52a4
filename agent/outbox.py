"""Deliver the outbox: the only way mail leaves the agent.

A row is marked sent only after the backend accepted it. A crash between the two re-sends the row
under the same Message-ID; before re-sending, ``Outbound.already_sent`` asks the backend whether a
copy exists (the Maildir backend finds its file, IMAP-based backends can look in Sent), so the
recipient gets it once. Temporary failures are retried with exponential backoff; permanent ones
are marked failed and audited for the administrators.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from agent.app import App
from agent.errors import AdapterError, TransientError
from agent.store import repo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most 4 hours, before the next try."""
    return timedelta(minutes=min(2 ** attempts, 240))


def flush(app: App, now: datetime) -> int:
    """Send every pending row that is due; returns how many were sent."""
    sent = 0
    while True:
        with app.engine.begin() as conn:
            rows = repo.outbox_due(conn, now)
        if not rows:
            return sent
        for row in rows:
            sent += _deliver(app, row, now)
        if len(rows) < 100:
            return sent


def _deliver(app: App, row, now: datetime) -> int:
    try:
        if not app.outbound.already_sent(row.message_id):
            app.outbound.send(row.message_id, row.raw, row.recipients)
    except TransientError as exc:
        give_up = row.attempts + 1 >= MAX_ATTEMPTS
        with app.engine.begin() as conn:
            repo.outbox_retry(conn, row.id, str(exc), now + backoff(row.attempts), give_up)
            if give_up:
                repo.audit(conn, at=now, action="send failed", reason=f"gave up after {MAX_ATTEMPTS} tries: {exc}",
                           pair_key=row.pair_key, recipients=row.recipients, outbox_key=row.idem_key)
        log.warning("sending %s to %s failed, will retry: %s", row.subject, row.recipients, exc)
        return 0
    except AdapterError as exc:
        with app.engine.begin() as conn:
            repo.outbox_retry(conn, row.id, str(exc), now, give_up=True)
            repo.audit(conn, at=now, action="send failed", reason=str(exc), pair_key=row.pair_key,
                       recipients=row.recipients, outbox_key=row.idem_key)
        log.error("sending %s to %s failed permanently: %s", row.subject, row.recipients, exc)
        return 0
    with app.engine.begin() as conn:
        repo.outbox_sent(conn, row.id, now)
    return 1
