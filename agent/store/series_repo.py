"""Queries for changing one series after it was booked (moved occurrences, SEQUENCE, the stored object)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from agent.ports import BusyTime
from agent.store import repo
from agent.store import tables as t


def series_row(conn: Connection, uid: str):
    return conn.execute(select(t.series).where(t.series.c.uid == uid)).one_or_none()


def occurrence_at(conn: Connection, uid: str, starts_at: datetime):
    return conn.execute(
        select(t.occurrences).where(t.occurrences.c.series_uid == uid, t.occurrences.c.starts_at == starts_at)
    ).one_or_none()


def next_occurrence(conn: Connection, uid: str, after: datetime):
    return conn.execute(
        select(t.occurrences)
        .where(t.occurrences.c.series_uid == uid, t.occurrences.c.starts_at > after,
               t.occurrences.c.status == "scheduled")
        .order_by(t.occurrences.c.starts_at).limit(1)
    ).one_or_none()


def pair_meetings(conn: Connection, pair_key: str) -> list[tuple[datetime, datetime]]:
    rows = conn.execute(
        select(t.occurrences.c.starts_at, t.occurrences.c.ends_at)
        .where(t.occurrences.c.pair_key == pair_key, t.occurrences.c.status == "scheduled")
    )
    return [(row.starts_at, row.ends_at) for row in rows]


def move_occurrence(conn: Connection, occurrence_id: int, new_start: datetime, minutes: int) -> None:
    conn.execute(
        update(t.occurrences).where(t.occurrences.c.id == occurrence_id)
        .values(starts_at=new_start, ends_at=new_start + timedelta(minutes=minutes))
    )


def save_series_object(conn: Connection, uid: str, *, ics: bytes, sequence: int, now: datetime) -> None:
    conn.execute(
        update(t.series).where(t.series.c.uid == uid).values(ics=ics.decode(), sequence=sequence, updated_at=now)
    )


def set_occurrence_status(conn: Connection, occurrence_id: int, status: str) -> None:
    conn.execute(update(t.occurrences).where(t.occurrences.c.id == occurrence_id).values(status=status))


def busy_around(conn: Connection, pair_key: str, mentor: str, *, exclude: datetime | None) -> list[BusyTime]:
    """What a moved meeting must not overlap: the pair's other meetings and the mentor's other pairs'."""
    own = [(start, end) for start, end in pair_meetings(conn, pair_key) if start != exclude]
    return [BusyTime(start, end) for start, end in own + repo.mentor_busy(conn, mentor, pair_key)]


def cancelled_after(conn: Connection, pair_key: str, after: datetime) -> list:
    """The pair's cancelled meetings still to come, of series still active (what ``resume`` can bring back)."""
    return list(conn.execute(
        select(t.occurrences)
        .join(t.series, t.series.c.uid == t.occurrences.c.series_uid)
        .where(t.occurrences.c.pair_key == pair_key, t.occurrences.c.status == "cancelled",
               t.occurrences.c.starts_at > after, t.series.c.status == "active")
        .order_by(t.occurrences.c.starts_at)
    ))


def occurrence_by_id(conn: Connection, occurrence_id: int):
    return conn.execute(select(t.occurrences).where(t.occurrences.c.id == occurrence_id)).one_or_none()


def cancel_from(conn: Connection, uid: str, start: datetime) -> None:
    """Every meeting of the series from ``start`` on is cancelled (a series cut short or replaced)."""
    conn.execute(update(t.occurrences)
                 .where(t.occurrences.c.series_uid == uid, t.occurrences.c.starts_at >= start,
                        t.occurrences.c.status == "scheduled")
                 .values(status="cancelled"))


def set_series_status(conn: Connection, uid: str, status: str, now: datetime) -> None:
    conn.execute(update(t.series).where(t.series.c.uid == uid).values(status=status, updated_at=now))


def active_series(conn: Connection, pair_key: str) -> list:
    return list(conn.execute(select(t.series).where(t.series.c.pair_key == pair_key, t.series.c.status == "active")
                             .order_by(t.series.c.phase)))


def max_phase(conn: Connection, pair_key: str) -> int:
    phases = conn.execute(select(t.series.c.phase).where(t.series.c.pair_key == pair_key)).scalars().all()
    return max(phases, default=-1)
