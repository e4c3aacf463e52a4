"""Read-only queries the rules need, batched over every pair so a tick costs a handful of statements.

``agent.timed.derive_all`` asks for all booked pairs, the meetings inside a window (each with its
number in the pair's series), the last meeting, open action items and the due actions already
known, once per tick, instead of once per pair. The digest and the rotating prompts read a pair's
week and how often a rule already fired. Nothing here writes; writes stay in ``agent.store.repo``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, bindparam, case, func, or_, select, type_coerce

from agent.store import tables as t

DUE_STATUSES = ("pending", "done", "expired", "cancelled")


def _only(query, column, keys: Iterable[str] | None):
    return query if keys is None else query.where(column.in_(list(keys)))


def booked_pairs(conn: Connection, keys: Iterable[str] | None = None) -> list:
    """Rows (key, start, flags, last_activity_at, created_at) of booked pairs."""
    query = select(t.pairs.c.key, t.pairs.c.start, t.pairs.c.flags, t.pairs.c.last_activity_at,
                   t.pairs.c.created_at).where(t.pairs.c.status == "booked")
    return list(conn.execute(_only(query, t.pairs.c.key, keys)))


def meetings_between(conn: Connection, since: datetime, until: datetime,
                     keys: Iterable[str] | None = None) -> dict[str, list]:
    """Scheduled meetings starting in [since, until) per pair, each with ``number`` (1 = the first)."""
    o = t.occurrences
    numbered = _only(
        select(o.c.pair_key, o.c.starts_at, o.c.ends_at,
               func.row_number().over(partition_by=o.c.pair_key, order_by=o.c.starts_at).label("number"))
        .where(o.c.status == "scheduled"), o.c.pair_key, keys).subquery()
    query = (select(numbered).where(numbered.c.starts_at >= since, numbered.c.starts_at < until)
             .order_by(numbered.c.pair_key, numbered.c.starts_at))
    found: dict[str, list] = defaultdict(list)
    for row in conn.execute(query):
        found[row.pair_key].append(row)
    return found


def meeting_bounds(conn: Connection, now: datetime, keys: Iterable[str] | None = None) -> dict[str, tuple]:
    """Per pair: (start of the last booked meeting, start of the last meeting that has begun by ``now``)."""
    o = t.occurrences
    query = _only(
        select(o.c.pair_key, type_coerce(func.max(o.c.starts_at), t.UTC_TIME).label("last"),
               type_coerce(func.max(case((o.c.starts_at <= now, o.c.starts_at))), t.UTC_TIME).label("held"))
        .where(o.c.status == "scheduled").group_by(o.c.pair_key), o.c.pair_key, keys)
    return {row.pair_key: (row.last, row.held) for row in conn.execute(query)}


def open_items(conn: Connection, keys: Iterable[str] | None = None) -> dict[str, list]:
    """Open action items with a due date, per pair: rows (id, owner, text, due)."""
    a = t.action_items
    query = _only(select(a.c.id, a.c.pair_key, a.c.owner, a.c.text, a.c.due)
                  .where(a.c.status == "open", a.c.due.is_not(None)).order_by(a.c.id), a.c.pair_key, keys)
    found: dict[str, list] = defaultdict(list)
    for row in conn.execute(query):
        found[row.pair_key].append(row)
    return found


def action_item(conn: Connection, item_id: int):
    return conn.execute(select(t.action_items).where(t.action_items.c.id == item_id)).one_or_none()


def known_due(conn: Connection, since: datetime, keys: Iterable[str] | None = None) -> dict[str, object]:
    """Due actions by idem_key: every pending one, and the others due since ``since`` (fired, expired...)."""
    d = t.due_actions
    columns = (d.c.id, d.c.idem_key, d.c.pair_key, d.c.status, d.c.due_at, d.c.expires_at)
    query = select(*columns).where(or_(d.c.status == "pending", d.c.status.in_(DUE_STATUSES) & (d.c.due_at >= since)))
    return {row.idem_key: row for row in conn.execute(_only(query, d.c.pair_key, keys))}


def next_due_at(conn: Connection, after: datetime) -> datetime | None:
    """When the next pending due action falls due after ``after`` (for the in-process timer)."""
    d = t.due_actions
    return conn.execute(select(type_coerce(func.min(d.c.due_at), t.UTC_TIME))
                        .where(d.c.status == "pending", d.c.due_at > after)).scalar_one_or_none()


_TIMES_FIRED = (
    select(func.count()).select_from(t.rule_firings)
    .where(t.rule_firings.c.rule == bindparam("rule"), t.rule_firings.c.pair_key == bindparam("pair_key"),
           t.rule_firings.c.fired)
)


def times_fired(conn: Connection, rule: str, pair_key: str) -> int:
    """How often ``rule`` acted for the pair (rotating prompts: never the same twice in a row)."""
    return conn.execute(_TIMES_FIRED, {"rule": rule, "pair_key": pair_key}).scalar_one()


def week_of(conn: Connection, pair_key: str, since: datetime, until: datetime) -> dict:
    """What happened for a pair in [since, until): for the weekly digest. Instants stay datetimes."""
    o, g, n, a = t.occurrences, t.agendas, t.notes, t.action_items
    meetings = conn.execute(select(o.c.starts_at).where(o.c.pair_key == pair_key, o.c.status == "scheduled",
                                                        o.c.starts_at >= since, o.c.starts_at < until)
                            .order_by(o.c.starts_at)).scalars()
    agendas = conn.execute(select(g.c.received_at, g.c.data).where(g.c.pair_key == pair_key, g.c.received_at >= since,
                                                                   g.c.received_at < until).order_by(g.c.id))
    notes = conn.execute(select(n.c.received_at, n.c.data).where(n.c.pair_key == pair_key, n.c.received_at >= since,
                                                                 n.c.received_at < until).order_by(n.c.id))
    items = conn.execute(select(a.c.text, a.c.owner, a.c.due).where(a.c.pair_key == pair_key, a.c.status == "open")
                         .order_by(a.c.due.is_(None), a.c.due, a.c.id))
    return dict(
        meetings=list(meetings),
        agendas=[dict(received_at=row.received_at, **row.data) for row in agendas],
        notes=[dict(received_at=row.received_at, **row.data) for row in notes],
        open_items=[dict(text=row.text, owner=row.owner, due=row.due.isoformat() if row.due else None)
                    for row in items],
    )


def booked_keys(conn: Connection) -> list[str]:
    return list(conn.execute(select(t.pairs.c.key).where(t.pairs.c.status == "booked")).scalars())
