"""Queries for changing whole series after booking: a series moved by an accepted COUNTER, a series
extended by a renewal, and the busy times such a change must respect.

Each takes the caller's connection, so the series row, its occurrences and the outbox commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from agent.ports import BusyTime
from agent.store import repo
from agent.store import tables as t


def remaining(conn: Connection, uid: str, after: datetime) -> list:
    """The series' scheduled occurrences starting at or after ``after``, in order."""
    return list(conn.execute(
        select(t.occurrences)
        .where(t.occurrences.c.series_uid == uid, t.occurrences.c.starts_at >= after,
               t.occurrences.c.status == "scheduled")
        .order_by(t.occurrences.c.starts_at)
    ))


def busy_except_series(conn: Connection, pair_key: str, mentor: str, uid: str) -> list[BusyTime]:
    """What a changed series must not overlap: the pair's meetings in its other series and the
    mentor's meetings with other pairs."""
    own = conn.execute(
        select(t.occurrences.c.starts_at, t.occurrences.c.ends_at)
        .where(t.occurrences.c.pair_key == pair_key, t.occurrences.c.series_uid != uid,
               t.occurrences.c.status == "scheduled")
    )
    spans = [(row.starts_at, row.ends_at) for row in own] + repo.mentor_busy(conn, mentor, pair_key)
    return [BusyTime(start, end) for start, end in spans]


def move_series(conn: Connection, uid: str, old: Sequence, plan, *, ics: bytes, sequence: int,
                now: datetime) -> None:
    """Give the occurrences ``old`` (rows, in order) the starts of ``plan`` one by one (same count)
    and store the changed series. Rows are updated, not replaced, so anything pointing at an
    occurrence keeps pointing at it; the order avoids a moment where two rows share a start."""
    pairs = list(zip(old, plan.occurrences, strict=True))
    if pairs and pairs[0][1] > pairs[0][0].starts_at:
        pairs.reverse()
    for row, start in pairs:
        conn.execute(update(t.occurrences).where(t.occurrences.c.id == row.id)
                     .values(starts_at=start, ends_at=start + plan.duration))
    _store(conn, uid, plan, ics, sequence, now)


def extend_series(conn: Connection, uid: str, pair_key: str, plan, new_starts: Sequence[datetime], *,
                  ics: bytes, sequence: int, now: datetime) -> int:
    """Add the occurrences ``new_starts`` to a series and store the extended series; returns how
    many rows were added (a start already stored is not added twice)."""
    added = 0
    for start in new_starts:
        added += repo.insert_once(conn, t.occurrences, dict(series_uid=uid, pair_key=pair_key, starts_at=start,
                                                            ends_at=start + plan.duration, status="scheduled"),
                                  ["series_uid", "starts_at"])
    _store(conn, uid, plan, ics, sequence, now, notes_added=True)
    return added


def last_start(conn: Connection, pair_key: str) -> datetime | None:
    """The start of the pair's last scheduled meeting."""
    return conn.execute(
        select(func.max(t.occurrences.c.starts_at))
        .where(t.occurrences.c.pair_key == pair_key, t.occurrences.c.status == "scheduled")
    ).scalar_one_or_none()


def booked_pairs_ending_before(conn: Connection, before: datetime) -> list[str]:
    """Booked pairs whose last scheduled meeting starts before ``before`` (renewal candidates)."""
    last = func.max(t.occurrences.c.starts_at)
    rows = conn.execute(
        select(t.pairs.c.key)
        .join(t.occurrences, t.occurrences.c.pair_key == t.pairs.c.key)
        .where(t.pairs.c.status == "booked", t.occurrences.c.status == "scheduled")
        .group_by(t.pairs.c.key)
        .having(last < before)
        .order_by(t.pairs.c.key)
    )
    return [row.key for row in rows]


def _store(conn: Connection, uid: str, plan, ics: bytes, sequence: int, now: datetime, *,
           notes_added: bool = False) -> None:
    row = conn.execute(select(t.series.c.notes).where(t.series.c.uid == uid)).one()
    notes = [*row.notes, *plan.notes] if notes_added else list(plan.notes)
    conn.execute(
        update(t.series).where(t.series.c.uid == uid).values(
            tzid=plan.tzid, dtstart=plan.dtstart.replace(tzinfo=None).isoformat(), rrule=plan.rrule,
            minutes=plan.minutes, sequence=sequence, notes=notes, ics=ics.decode(), updated_at=now)
    )
