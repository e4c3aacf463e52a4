"""What lets several workers share one store: the mailbox lease, and claims on due actions and outbox rows.

Every statement here works on SQLite and PostgreSQL. On PostgreSQL rows are claimed with ``FOR
UPDATE SKIP LOCKED``, so two workers claiming at the same moment get disjoint rows; on SQLite a write
transaction already excludes every other writer.

Two clocks, on purpose:

* ``now`` is the agent's clock (``run --now`` may set it): it decides what is *due*.
* ``at`` is the worker's wall clock (``datetime.now(UTC)``): it decides when a lease or a claim
  *expires*. Workers on several machines must have synchronised clocks (NTP); a skew far below
  ``[store] lease_seconds`` is assumed.

A claim or lease whose holder is the asking worker is always its own to take again: a process that
restarts under the same worker name (or a new ``App`` in the same process, as tests do) carries on
at once instead of waiting for its own old claims to expire. Worker names must therefore be unique
among live workers (the default ``host:pid`` is).

Fencing: before acting on a claimed row, the worker extends its claim with a conditional UPDATE
(``fence_due``, ``begin_send``). If another worker took the row over after an expiry, the UPDATE
matches nothing and the row is left alone; on PostgreSQL the UPDATE also holds the row lock until
the commit, so a take-over cannot slip in between.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from agent.store import tables as t



def wall_clock() -> datetime:
    """The clock leases and claims expire by (never ``run --now``'s agent clock)."""
    return datetime.now(UTC)


# -- the mailbox lease (table ``leases``) ----------------------------------------------------------


def take_lease(conn: Connection, name: str, holder: str, at: datetime, seconds: float) -> bool:
    """Take or renew the lease ``name`` until ``at + seconds``: True when ``holder`` has it now.

    One atomic upsert: a new lease is inserted; an existing one changes hands only when it expired
    before ``at`` or is ``holder``'s already.
    """
    until = at + timedelta(seconds=seconds)
    insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t.leases)
    statement = (
        insert.values(name=name, holder=holder, until=until)
        .on_conflict_do_update(index_elements=["name"], set_=dict(holder=holder, until=until),
                               where=or_(t.leases.c.until < at, t.leases.c.holder == holder))
        .returning(t.leases.c.holder)
    )
    return conn.execute(statement).first() is not None


def take_over_lease(conn: Connection, name: str, holder: str, dead_holder: str, at: datetime,
                    seconds: float) -> bool:
    """Take the lease from ``dead_holder``, known to be gone, without waiting for it to expire."""
    statement = (
        update(t.leases).where(t.leases.c.name == name, t.leases.c.holder == dead_holder)
        .values(holder=holder, until=at + timedelta(seconds=seconds)).returning(t.leases.c.name)
    )
    return conn.execute(statement).first() is not None


def lease_of(conn: Connection, name: str):
    """The lease row (``holder``, ``until``) or None."""
    return conn.execute(select(t.leases).where(t.leases.c.name == name)).one_or_none()


def release_lease(conn: Connection, name: str, holder: str) -> None:
    """Give the lease up (a graceful stop), so another worker takes it at once. No-op if not held."""
    conn.execute(delete(t.leases).where(t.leases.c.name == name, t.leases.c.holder == holder))


# -- pairs to book ---------------------------------------------------------------------------------


def lock_new_pair(conn: Connection, key: str) -> bool:
    """Is the pair still ``new`` and no other worker booking it? Locks its row until the commit (PostgreSQL)."""
    query = select(t.pairs.c.key).where(t.pairs.c.key == key, t.pairs.c.status == "new")
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return conn.execute(query).first() is not None


def lock_pair(conn: Connection, key: str) -> bool:
    """Lock the pair's row until the commit so no other worker changes its series meanwhile (PostgreSQL);
    False when another worker holds it."""
    query = select(t.pairs.c.key).where(t.pairs.c.key == key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return conn.execute(query).first() is not None


# -- claims on rows ----------------------------------------------------------------------------------


def _free(table, worker: str, at: datetime):
    """Unclaimed, claimed under a lease that expired before ``at``, or claimed by ``worker`` itself."""
    return or_(table.c.lease_until.is_(None), table.c.lease_until < at, table.c.claimed_by == worker)


def _claim(conn: Connection, table, where, order, worker: str, at: datetime, seconds: float, limit: int) -> list:
    query = select(table).where(*where, _free(table, worker, at)).order_by(*order).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(conn.execute(query))
    if rows:
        conn.execute(update(table).where(table.c.id.in_([r.id for r in rows]))
                     .values(claimed_by=worker, lease_until=at + timedelta(seconds=seconds)))
    return rows


def _extend(conn: Connection, table, row_id: int, worker: str, at: datetime, seconds: float, **values) -> bool:
    statement = (
        update(table).where(table.c.id == row_id, table.c.status == "pending", table.c.claimed_by == worker)
        .values(lease_until=at + timedelta(seconds=seconds), **values).returning(table.c.id)
    )
    return conn.execute(statement).first() is not None


def _release(conn: Connection, table, worker: str) -> int:
    statement = (update(table).where(table.c.claimed_by == worker, table.c.status == "pending")
                 .values(claimed_by=None, lease_until=None))
    return conn.execute(statement).rowcount


def claim_due(conn: Connection, now: datetime, worker: str, at: datetime, seconds: float, limit: int = 50) -> list:
    """Claim pending due actions whose time (``now``) has come, for ``seconds`` from ``at``."""
    d = t.due_actions
    return _claim(conn, d, [d.c.status == "pending", d.c.due_at <= now], [d.c.due_at, d.c.id],
                  worker, at, seconds, limit)


def fence_due(conn: Connection, row_id: int, worker: str, at: datetime, seconds: float) -> bool:
    """Still ours and pending? Extends the claim and (PostgreSQL) locks the row until the commit."""
    return _extend(conn, t.due_actions, row_id, worker, at, seconds)


def claim_outbox(conn: Connection, now: datetime, worker: str, at: datetime, seconds: float,
                 limit: int = 50) -> list:
    """Claim pending outbox rows due for an attempt at ``now``, for ``seconds`` from ``at``."""
    o = t.outbox
    return _claim(conn, o, [o.c.status == "pending", o.c.next_attempt_at <= now], [o.c.id],
                  worker, at, seconds, limit)


def begin_send(conn: Connection, row_id: int, worker: str, now: datetime, at: datetime, seconds: float) -> bool:
    """Before an attempt: still ours and pending? Extends the claim and sets ``sending_since`` once."""
    o = t.outbox
    return _extend(conn, o, row_id, worker, at, seconds, sending_since=func.coalesce(o.c.sending_since, literal(now, t.UTC_TIME)))


def unclaim_outbox(conn: Connection, row_id: int) -> None:
    """Drop the claim on a row that was sent, failed or put back for a later retry."""
    conn.execute(update(t.outbox).where(t.outbox.c.id == row_id).values(claimed_by=None, lease_until=None))


def release_claims(conn: Connection, worker: str) -> tuple[int, int]:
    """A graceful stop: give back this worker's claimed-but-unfinished rows (due actions, outbox)."""
    return _release(conn, t.due_actions, worker), _release(conn, t.outbox, worker)
