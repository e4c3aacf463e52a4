"""Timed rules as durable due actions: derived from the rules and the booked meetings, fired on time.

``derive`` runs every tick for every booked pair. It computes what each timed rule wants (reminder
48 hours before each meeting, notes request 2 hours after, a nudge after 21 quiet days...) and makes
the pending rows in ``due_actions`` match: new ones are created, changed timings move, and actions
of rules that were removed or changed are cancelled. So editing a rule file applies to meetings
that are already booked.

``fire_due`` claims the rows whose time has come (SKIP LOCKED on PostgreSQL) and fires each in its
own transaction; the rule's decision is recorded with it, so nothing fires twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from agent.app import App
from agent.rules.actions import fire, pair_facts
from agent.rules.engine import TIMED_TRIGGERS, Meeting, occasions
from agent.store import repo

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


def derive(app: App, conn: Connection, pair_key: str, now: datetime) -> int:
    """Make the pair's pending due actions match the current rules; returns how many are wanted."""
    row = repo.pair_row(conn, pair_key)
    if row is None or row.status != "booked":
        return 0
    meetings = [Meeting(m.starts_at, m.ends_at) for m in repo.occurrences_of(conn, pair_key)]
    last_activity = row.last_activity_at or row.created_at
    wanted: set[str] = set()
    for rule in app.program.rules.rules:
        if rule.trigger not in TIMED_TRIGGERS or not rule.enabled:
            continue
        for occasion in occasions(rule, meetings=meetings, last_activity=last_activity, now=now):
            key = f"{rule.name}:{pair_key}:{occasion.key}"
            wanted.add(key)
            repo.schedule_due(conn, idem_key=key, pair_key=pair_key, rule=rule.name, occasion=occasion.key,
                              due_at=occasion.due_at, expires_at=occasion.expires_at)
    repo.cancel_due_except(conn, pair_key, wanted, "the rule no longer asks for it")
    return len(wanted)


def fire_due(app: App, now: datetime) -> int:
    """Fire every due action whose time has come; returns how many acted."""
    with app.engine.begin() as conn:
        claimed = repo.due_now(conn, now, app.worker, LEASE)
    acted = 0
    for row in claimed:
        with app.engine.begin() as conn:
            acted += _fire_one(app, conn, row, now)
    return acted


def _fire_one(app: App, conn: Connection, row, now: datetime) -> int:
    rule = app.program.rules.by_name(row.rule)
    pair = app.roster.pair_of(row.pair_key)
    if rule is None or pair is None:
        repo.finish_due(conn, row.id, "cancelled", "the rule or the pair is gone", now)
        return 0
    if row.expires_at <= now:
        repo.finish_due(conn, row.id, "expired", f"its time passed at {row.expires_at:%Y-%m-%d %H:%M}Z", now)
        return 0
    meeting_at = None
    if row.occasion.startswith("meeting:"):
        meeting_at = datetime.strptime(row.occasion.removeprefix("meeting:"), "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    facts = pair_facts(conn, pair, now, meeting_at=meeting_at)
    acted = fire(app, conn, rule, pair, occasion=row.occasion, facts=facts, now=now,
                 extra=dict(meeting_at=meeting_at.isoformat() if meeting_at else None))
    repo.finish_due(conn, row.id, "done", "fired" if acted else "conditions not met or decided before", now)
    return int(acted)
