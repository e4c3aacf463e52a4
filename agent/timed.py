"""Timed rules as durable due actions: derive them from the rules, fire them when their time comes.

``derive_all`` makes the pending rows in ``due_actions`` match what the current rules ask for, for
every booked pair (or some) in one pass of batched reads: new occasions are created, changed
timings move, and pending actions that no rule asks for any more are cancelled. So editing a rule
file applies to meetings that are already booked. Rows are written only when something changed.

``derive_due`` is what each tick runs: the first tick of a process (and so the first after a rule
file was edited and the program reloaded) derives every pair; later ticks derive only the pairs
that need it: pairs whose mail was just handled or whose flags changed (``mark_changed``), newly
booked pairs, pairs whose next meeting has started since (it counts as activity), and a rotating
share of the rest so that every pair is derived again within the hour. Occasions are derived eight
days ahead, so nothing falls due that was not derived. Each action is checked again when it
fires: a moved or cancelled meeting, new activity or a renewed series cancels it.

What "activity" means for the ``inactivity`` trigger: a message from either person of the pair
(agendas, notes, replies; not out-of-office or other automatic mail), the booking itself, or a
booked meeting whose start has passed. Twenty-one quiet days therefore means no meeting and no
message for three weeks.

``fire_due`` claims the rows whose time has come a batch at a time (``claims.claim_due``: SKIP
LOCKED on PostgreSQL, a lease of ``[store] lease_seconds`` so a dead worker's claims are taken over)
and fires each in its own transaction. That transaction first checks the row is still this
worker's and pending (``claims.fence_due``, which on PostgreSQL also locks it until the commit),
and records the rule's decision with the effects, so nothing fires twice even when several workers
run. Derivation may run in every worker at once: its writes are idempotent upserts.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from agent.app import App
from agent.domain.model import Pair
from agent.rules.actions import fire, pair_facts
from agent.rules.freshness import freshness, mark_changed
from agent.rules.occasions import (
    TIMED_TRIGGERS, DueItem, Meeting, catch_up_span, occasions, owner_roles, parse_iso, parse_occasion,
)
from agent.store import claims, repo, rule_queries

__all__ = ["derive", "derive_all", "derive_due", "fire_due", "mark_changed"]

log = logging.getLogger(__name__)

BATCH = 25  # due actions claimed at a time: small, so that several workers share a backlog
LOOK_AHEAD = timedelta(days=8)
REFRESH = timedelta(minutes=30)  # every pair is derived again within REFRESH..2*REFRESH


def derive(app: App, conn: Connection, pair_key: str, now: datetime) -> int:
    """Make one pair's pending due actions match the current rules; returns how many are wanted."""
    return derive_all(app, conn, now, keys=[pair_key])


def derive_due(app: App, conn: Connection, now: datetime) -> int:
    """The tick's derivation: every pair on the first call, then only the pairs that need it."""
    state = freshness(app)
    if not state.complete:
        return derive_all(app, conn, now)
    keys = {key for key in rule_queries.booked_keys(conn) if state.fresh_until.get(key, now) <= now}
    keys |= state.changed
    return derive_all(app, conn, now, keys=sorted(keys)) if keys else 0


def derive_all(app: App, conn: Connection, now: datetime, keys: Iterable[str] | None = None) -> int:
    """Make the pending due actions of every booked pair (or of ``keys``) match the current rules."""
    state = freshness(app)
    rules = [r for r in app.program.rules.rules if r.trigger in TIMED_TRIGGERS and r.enabled]
    keys = None if keys is None else list(keys)
    pairs = rule_queries.booked_pairs(conn, keys)
    if keys is None:
        state.changed.clear()
        state.complete = True
    else:
        state.changed.difference_update(keys)
    if not pairs:
        return 0
    span = max((catch_up_span(r) for r in rules), default=timedelta(0))
    before = max((r.offset for r in rules if r.trigger == "before_meeting" and r.offset), default=timedelta(0))
    after = max((r.offset for r in rules if r.trigger == "after_meeting" and r.offset), default=timedelta(0))
    window = rule_queries.meetings_between(conn, now - after - timedelta(days=4), now + LOOK_AHEAD + before, keys)
    bounds = rule_queries.meeting_bounds(conn, now, keys) if rules else {}
    items = rule_queries.open_items(conn, keys) if any(r.trigger == "action_item_due" for r in rules) else {}
    known = rule_queries.known_due(conn, now - span - timedelta(days=1), keys)
    program_zone = ZoneInfo(app.config.program.timezone)
    by_key, people = pairs_by_key(app), app.roster.participants
    wanted: dict[str, set[str]] = {}
    for row in pairs:
        pair = by_key.get(row.key)
        if pair is None:
            continue
        zones = dict(mentee=people[pair.mentee].zone, mentor=people[pair.mentor].zone, admins=program_zone)
        last, held = bounds.get(row.key, (None, None))
        activity = max(a for a in (row.last_activity_at or row.created_at, held) if a is not None)
        meetings = [Meeting(m.starts_at, m.ends_at, m.number) for m in window.get(row.key, ())]
        due_items = [DueItem(i.id, i.owner, i.due) for i in items.get(row.key, ())]
        flags, mine = frozenset(row.flags), wanted.setdefault(row.key, set())
        for rule in rules:
            if rule.trigger == "action_item_due" and not due_items:
                continue
            for occasion in occasions(rule, meetings=meetings, last_activity=activity, now=now, look_ahead=LOOK_AHEAD,
                                      last_meeting=last, items=due_items, zones=zones, flags=flags):
                key = f"{rule.name}:{row.key}:{occasion.key}"
                mine.add(key)
                have = known.get(key)
                if have is None or (have.status == "pending" and (have.due_at, have.expires_at)
                                    != (occasion.due_at, occasion.expires_at)):
                    repo.schedule_due(conn, idem_key=key, pair_key=row.key, rule=rule.name, occasion=occasion.key,
                                      due_at=occasion.due_at, expires_at=occasion.expires_at)
        next_start = next((m.start for m in meetings if m.start > now), None)  # a meeting started is activity
        state.fresh_until[row.key] = min(d for d in (now + _refresh(row.key), next_start) if d is not None)
    _cancel_stale(conn, known, wanted, now)
    return sum(len(keys) for keys in wanted.values())


def _refresh(pair_key: str) -> timedelta:
    """REFRESH plus a stable share of it per pair, so the rotation spreads over the ticks."""
    return REFRESH + REFRESH * (zlib.crc32(pair_key.encode()) % 1000) / 1000


def _cancel_stale(conn: Connection, known: dict, wanted: dict[str, set[str]], now: datetime) -> None:
    """Cancel pending actions no rule asks for; those past their time are left for ``fire_due`` to expire."""
    keep: dict[str, set[str]] = {}
    stale: set[str] = set()
    for key, have in known.items():
        if have.status != "pending" or have.pair_key not in wanted:
            continue
        if have.expires_at <= now:
            keep.setdefault(have.pair_key, set()).add(key)
        elif key not in wanted[have.pair_key]:
            stale.add(have.pair_key)
    for pair_key in sorted(stale):
        repo.cancel_due_except(conn, pair_key, wanted[pair_key] | keep.get(pair_key, set()),
                               "the rule no longer asks for it")


def pairs_by_key(app: App) -> dict[str, Pair]:
    """The roster's pairs by key (the mentee's address)."""
    return {pair.key: pair for pair in app.roster.pairs}


def fire_due(app: App, now: datetime, stop: Callable[[], bool] | None = None) -> int:
    """Fire every due action whose time has come and that no other worker holds; returns how many acted.

    ``stop()`` is asked between actions: a graceful stop finishes the one in hand and leaves the
    rest (their claims are given back by the runner).
    """
    acted, seconds, by_key = 0, app.config.store.lease_seconds, None
    while True:
        with app.engine.begin() as conn:
            claimed = claims.claim_due(conn, now, app.worker, claims.wall_clock(), seconds, limit=BATCH)
        if not claimed:
            return acted
        by_key = by_key or pairs_by_key(app)
        for row in claimed:  # each row leaves "pending and ours" whatever happens, so this loop ends
            if stop is not None and stop():
                return acted
            with app.engine.begin() as conn:
                if claims.fence_due(conn, row.id, app.worker, claims.wall_clock(), seconds):
                    acted += _fire_one(app, conn, row, by_key.get(row.pair_key), now)


def _fire_one(app: App, conn: Connection, row, pair: Pair | None, now: datetime) -> int:
    rule = app.program.rules.by_name(row.rule)
    if rule is None or pair is None:
        repo.finish_due(conn, row.id, "cancelled", "the rule or the pair is gone", now)
        return 0
    if row.expires_at <= now:
        repo.finish_due(conn, row.id, "expired", f"its time passed at {row.expires_at:%Y-%m-%d %H:%M}Z", now)
        return 0
    kind, value, role = parse_occasion(row.occasion)
    gone = _outdated(conn, pair, kind, value, now)
    if gone:
        repo.finish_due(conn, row.id, "cancelled", gone, now)
        return 0
    meeting_at = parse_iso(value) if kind == "meeting" else None
    extra: dict[str, object] = dict(meeting_at=meeting_at.isoformat() if meeting_at else None)
    owners: tuple[str, ...] = ()
    if kind == "series-end":
        extra["last_meeting"] = parse_iso(value)
    elif kind == "action-item":
        item = rule_queries.action_item(conn, int(value))
        owners = owner_roles(item.owner)
        extra["action_item"] = dict(text=item.text, owner=item.owner, due=item.due.isoformat() if item.due else None)
    elif kind == "week":
        extra["week"] = rule_queries.week_of(conn, pair.key, now - timedelta(days=7), now)
    facts = pair_facts(conn, pair, now, meeting_at=meeting_at, owner_roles=owners,
                       only_roles=frozenset({role}) if role else None)
    acted = fire(app, conn, rule, pair, occasion=row.occasion, facts=facts, now=now, extra=extra)
    repo.finish_due(conn, row.id, "done", "fired" if acted else "conditions not met or decided before", now)
    return int(acted.acted)


def _outdated(conn: Connection, pair: Pair, kind: str, value: str, now: datetime) -> str | None:
    """Why an action derived earlier no longer applies (the store changed since), or None."""
    if kind == "action-item":
        item = rule_queries.action_item(conn, int(value))
        return None if item is not None and item.status == "open" else "the action item is gone or no longer open"
    if kind not in ("meeting", "inactive-since", "series-end"):
        return None
    starts = [m.starts_at for m in repo.occurrences_of(conn, pair.key)]
    if kind == "meeting" and parse_iso(value) not in starts:
        return "the meeting was moved or cancelled"
    if kind == "series-end" and (not starts or starts[-1] != parse_iso(value)):
        return "the series was renewed or changed"
    if kind == "inactive-since":
        row = repo.pair_row(conn, pair.key)
        held = max((s for s in starts if s <= now), default=None)
        activity = max(a for a in (row.last_activity_at or row.created_at, held) if a is not None)
        if activity > parse_iso(value) + timedelta(minutes=1):
            return f"activity since, at {activity:%Y-%m-%d %H:%M}Z"
    return None
