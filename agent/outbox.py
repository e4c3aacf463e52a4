"""Deliver the outbox: the only way mail leaves the agent.

Several workers may flush the same outbox: each claims a few due rows at a time under a lease
(``claims.claim_outbox``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``claimed_by``/``lease_until``),
so no two workers attempt the same row; a dead worker's claims expire after ``[store]
lease_seconds`` and are taken over. Exactly once, step by step, for each claimed row:

1. ``sending_since`` is committed before the first attempt, in the same statement that checks the
   row is still this worker's and still pending and extends the claim (``claims.begin_send``).
2. If an earlier attempt was made (the mark was there already), ``Outbound.already_sent`` asks the
   backend whether that attempt got through after all: the Maildir backend finds its file, SMTP
   with ``SentFolderCheck`` finds the copy in the IMAP Sent folder. Only rows never attempted skip
   the look-up, which keeps it off the common path.
3. The backend is called; the row is marked sent only after it accepted the message. A crash
   between the two leaves the row pending with the mark, and step 2 finds the message next time.

Temporary failures (``TransientError``: SMTP 4xx, network) are retried with exponential backoff up
to ``MAX_ATTEMPTS``; permanent ones (5xx, ``AdapterError``) are marked failed at once and audited.
``failed_since`` lists what failed, for the administrators' report; a failed row's
``next_attempt_at`` is the moment it failed. A retry or a failure drops the claim; a sent row keeps
``claimed_by`` as the worker that sent it (a row no longer pending is never claimed again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection

from agent.app import App
from agent.errors import AdapterError, TransientError
from agent.mail.compose import bytes_to_send
from agent.store import claims, repo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BATCH = 25  # rows claimed at a time: small, so that several workers share a long queue


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most 4 hours, before the next try."""
    return timedelta(minutes=min(2 ** attempts, 240))


def flush(app: App, now: datetime, stop: Callable[[], bool] | None = None) -> int:
    """Send every pending row that is due and not claimed by another worker; returns how many were sent.

    ``stop()`` is asked between rows: a graceful stop finishes the row in hand and leaves the rest
    (their claims are given back by the runner).
    """
    sent, seconds = 0, app.config.store.lease_seconds
    while True:
        with app.engine.begin() as conn:
            rows = claims.claim_outbox(conn, now, app.worker, claims.wall_clock(), seconds, limit=BATCH)
        if not rows:
            return sent
        for row in rows:  # each row leaves "pending, due and ours" whatever happens, so this loop ends
            if stop is not None and stop():
                return sent
            sent += _deliver(app, row, now)


def failed_since(conn: Connection, since: datetime) -> list[dict]:
    """Outbound mail given up on since ``since``: what, to whom, why, when (for administrators).

    Each item: ``id``, ``recipients``, ``subject``, ``error``, ``failed_at``, ``pair_key``,
    ``message_id``, ``attempts``. Never includes the message body.
    """
    return [
        dict(id=row.id, recipients=list(row.recipients), subject=row.subject, error=row.last_error,
             failed_at=row.next_attempt_at, pair_key=row.pair_key, message_id=row.message_id,
             attempts=row.attempts)
        for row in repo.outbox_failed_since(conn, since)
    ]


def _tell_admins(app: App, conn, row, error: str, now: datetime) -> None:
    """A permanent failure (5xx) is mailed to the administrators, unless it was a notice to them."""
    admins = {a.email for a in app.admins()}
    pair = app.roster.pair_of(row.pair_key) if row.pair_key else None
    if pair is None or admins & set(row.recipients):
        return
    from agent.messenger import send_template  # the messenger renders; the outbox only delivers

    send_template(app, conn, template="send_failed_admin", audience="admins", pair=pair,
                  occasion=f"send-failed:{row.idem_key}", now=now, reason=f"delivery failed: {error}"[:500],
                  extra=dict(addresses=list(row.recipients), error=error[:500]))


def _deliver(app: App, row, now: datetime) -> int:
    try:
        attempted_before = row.sending_since is not None
        with app.engine.begin() as conn:
            if not claims.begin_send(conn, row.id, app.worker, now, claims.wall_clock(),
                                     app.config.store.lease_seconds):
                log.info("%s was taken over by another worker; leaving it", row.message_id)
                return 0
        if attempted_before and app.outbound.already_sent(row.message_id):  # can't tell -> TransientError
            log.info("%s to %s got through before a restart; marking it sent", row.message_id, row.recipients)
        else:
            app.outbound.send(row.message_id, bytes_to_send(row.raw, row.content), row.recipients)
    except TransientError as exc:
        give_up = row.attempts + 1 >= MAX_ATTEMPTS
        with app.engine.begin() as conn:
            repo.outbox_retry(conn, row.id, str(exc), now if give_up else now + backoff(row.attempts), give_up)
            claims.unclaim_outbox(conn, row.id)
            if give_up:
                repo.audit(conn, at=now, action="send failed", reason=f"gave up after {MAX_ATTEMPTS} tries: {exc}",
                           pair_key=row.pair_key, recipients=row.recipients, outbox_key=row.idem_key)
        log.warning("sending %s to %s failed, will retry: %s", row.subject, row.recipients, exc)
        return 0
    except AdapterError as exc:
        with app.engine.begin() as conn:
            repo.outbox_retry(conn, row.id, str(exc), now, give_up=True)
            claims.unclaim_outbox(conn, row.id)
            repo.audit(conn, at=now, action="send failed", reason=str(exc), pair_key=row.pair_key,
                       recipients=row.recipients, outbox_key=row.idem_key)
            _tell_admins(app, conn, row, str(exc), now)
        log.error("sending %s to %s failed permanently: %s", row.subject, row.recipients, exc)
        return 0
    with app.engine.begin() as conn:
        repo.outbox_sent(conn, row.id, now)  # claimed_by stays: which worker sent it
    return 1
