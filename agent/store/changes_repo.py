"""Queries for changes a participant asked for and must confirm (``pending_changes``) and for the
confirmed availability changes read over the roster (``participant_overrides``).

A pending change lives until the requester answers the confirmation mail (threaded to its
Message-ID), a newer request of the same pair supersedes it, or it expires. Every transition is
guarded by ``status = 'pending'`` in the UPDATE, so a change is decided at most once even when the
same "yes" arrives twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from agent.store import tables as t

OPEN = "pending"


def add_change(conn: Connection, *, pair_key: str, requested_by: str, kind: str, payload: dict,
               confirm_message_id: str | None, now: datetime, expires_at: datetime, ledger_id: int | None = None) -> int:
    """Hold a new change; the pair's earlier open changes are superseded (the newest request wins)."""
    conn.execute(update(t.pending_changes)
                 .where(t.pending_changes.c.pair_key == pair_key, t.pending_changes.c.status == OPEN)
                 .values(status="superseded", decided_at=now))
    result = conn.execute(insert(t.pending_changes).values(
        pair_key=pair_key, requested_by=requested_by, kind=kind, payload=payload,
        confirm_message_id=confirm_message_id, status=OPEN, created_at=now, expires_at=expires_at,
        ledger_id=ledger_id))
    return int(result.inserted_primary_key[0])


def set_confirm_message_id(conn: Connection, change_id: int, message_id: str) -> None:
    conn.execute(update(t.pending_changes).where(t.pending_changes.c.id == change_id)
                 .values(confirm_message_id=message_id))


_ANSWERED_BY = (  # built once: every message is checked against it
    select(t.pending_changes)
    .where(t.pending_changes.c.pair_key == bindparam("pair_key"),
           t.pending_changes.c.confirm_message_id.in_(bindparam("ids", expanding=True)))
    .order_by(t.pending_changes.c.id.desc()).limit(1)
)


def change_answered_by(conn: Connection, pair_key: str, message_ids: Iterable[str]):
    """The change (any status) whose confirmation mail one of ``message_ids`` names, newest first."""
    ids = list(dict.fromkeys(f"<{m.strip().strip('<>')}>" for m in message_ids
                             if m and m.strip("<> ")))  # stored as in the header
    if not ids:
        return None
    return conn.execute(_ANSWERED_BY, {"pair_key": pair_key, "ids": ids}).one_or_none()


def decide(conn: Connection, change_id: int, status: str, now: datetime, ledger_id: int | None = None) -> bool:
    """pending -> ``status``; False when it was decided already (a duplicate answer acts once)."""
    values = dict(status=status, decided_at=now)
    if ledger_id is not None:
        values["ledger_id"] = ledger_id
    result = conn.execute(update(t.pending_changes)
                          .where(t.pending_changes.c.id == change_id, t.pending_changes.c.status == OPEN)
                          .values(**values))
    return result.rowcount == 1


def expire_due(conn: Connection, now: datetime) -> int:
    result = conn.execute(update(t.pending_changes)
                          .where(t.pending_changes.c.status == OPEN, t.pending_changes.c.expires_at <= now)
                          .values(status="expired", decided_at=now))
    return result.rowcount


def changes_of(conn: Connection, pair_key: str) -> list:
    return list(conn.execute(select(t.pending_changes).where(t.pending_changes.c.pair_key == pair_key)
                             .order_by(t.pending_changes.c.id)))


# -- participant overrides -------------------------------------------------------------------------


def set_override(conn: Connection, email: str, *, hours: list[str] | None, timezone: str | None,
                 change_id: int | None, now: datetime) -> None:
    """Store (or merge into) a participant's override: a field left None keeps the earlier override."""
    row = override_of(conn, email)
    if row is None:
        conn.execute(insert(t.participant_overrides).values(email=email, hours=hours, timezone=timezone,
                                                            change_id=change_id, updated_at=now))
        return
    conn.execute(update(t.participant_overrides).where(t.participant_overrides.c.email == email).values(
        hours=hours if hours is not None else row.hours, timezone=timezone or row.timezone, change_id=change_id,
        updated_at=now))


def override_of(conn: Connection, email: str):
    return conn.execute(select(t.participant_overrides).where(t.participant_overrides.c.email == email)).one_or_none()


def overrides(conn: Connection) -> list:
    return list(conn.execute(select(t.participant_overrides)))
