"""Evaluate administrator rules (pure): facts about a pair in, decisions with reasons out.

Every evaluation yields a ``Decision`` that says whether the rule fired and why, in words an
administrator reads in ``mentor-agent explain``. Timed rules are turned into ``Occasion`` values
(when to act, until when it still makes sense, and a stable occasion key), which the runner stores
as durable due actions; re-deriving them after a rule file changes moves the pending ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.rules.model import Rule

TIMED_TRIGGERS = ("before_meeting", "after_meeting", "inactivity", "series_ending")


@dataclass(frozen=True)
class PairFacts:
    """What conditions may ask about a pair at the moment a rule is evaluated."""

    meeting_count: int
    agenda_received: bool
    notes_received: bool
    flags: frozenset[str]
    cadence_phase: int
    sender_role: str | None = None


@dataclass(frozen=True)
class Decision:
    rule: str
    fired: bool
    reason: str


@dataclass(frozen=True)
class Occasion:
    key: str
    due_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Meeting:
    start: datetime
    end: datetime


def _yes(value: bool) -> str:
    return "yes" if value else "no"


_CONDITIONS: dict[str, Callable[[PairFacts, object], tuple[bool, str]]] = {
    "agenda_received": lambda f, v: (f.agenda_received == v, f"agenda received: {_yes(f.agenda_received)}"),
    "notes_received": lambda f, v: (f.notes_received == v, f"notes received: {_yes(f.notes_received)}"),
    "sender_role": lambda f, v: (f.sender_role == v, f"sender is the {f.sender_role or 'unknown'}"),
    "meeting_count_min": lambda f, v: (f.meeting_count >= v, f"{f.meeting_count} meetings held (min {v})"),
    "meeting_count_max": lambda f, v: (f.meeting_count <= v, f"{f.meeting_count} meetings held (max {v})"),
    "cadence_phase": lambda f, v: (f.cadence_phase == v, f"cadence phase {f.cadence_phase}"),
    "flag": lambda f, v: (v in f.flags, f"flag {v!r} {'set' if v in f.flags else 'not set'}"),
    "not_flag": lambda f, v: (v not in f.flags, f"flag {v!r} {'set' if v in f.flags else 'not set'}"),
}


def decide(rule: Rule, facts: PairFacts) -> Decision:
    """Check every condition; the reason lists them all so a miss is easy to understand."""
    if not rule.enabled:
        return Decision(rule.name, False, "rule is disabled")
    results = [_CONDITIONS[key](facts, expected) for key, expected in rule.conditions]
    fired = all(ok for ok, _ in results)
    failed = [text for ok, text in results if not ok]
    if fired:
        reason = "; ".join(text for _, text in results) or "no conditions"
    else:
        reason = "not met: " + "; ".join(failed)
    return Decision(rule.name, fired, reason)


def occasions(
    rule: Rule,
    *,
    meetings: Sequence[Meeting],
    last_activity: datetime,
    now: datetime,
    look_ahead: timedelta = timedelta(days=8),
) -> list[Occasion]:
    """When a timed rule should act for one pair, for every meeting or state it refers to.

    Occasions already expired are left out, so a restart after downtime catches up on what still
    makes sense (an agenda reminder before a meeting that has not started) and skips what does not.
    Only occasions due within ``look_ahead`` are returned: the runner re-derives every tick, so the
    store holds days of pending actions rather than a whole series' worth for every pair.
    """
    offset = rule.offset or timedelta(0)
    found: list[Occasion] = []
    if rule.trigger == "before_meeting":
        for meeting in meetings:
            found.append(Occasion(f"meeting:{_iso(meeting.start)}", meeting.start - offset, meeting.start))
    elif rule.trigger == "after_meeting":
        for meeting in meetings:
            due = meeting.end + offset
            found.append(Occasion(f"meeting:{_iso(meeting.start)}", due, due + timedelta(days=3)))
    elif rule.trigger == "inactivity":
        due = last_activity + timedelta(days=rule.days or 0)
        found.append(Occasion(f"inactive-since:{_iso(last_activity)}", due, due + timedelta(days=7)))
    elif rule.trigger == "series_ending" and meetings:
        last = meetings[-1].start
        due = last - (rule.offset or timedelta(days=14))
        found.append(Occasion(f"series-end:{_iso(last)}", due, last))
    return [o for o in found if o.expires_at > now and o.due_at <= now + look_ahead]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")
