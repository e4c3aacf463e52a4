"""When timed rules act (pure): a pair's meetings, activity and action items in, ``Occasion`` values out.

An occasion is one thing a rule acts on: a meeting, a quiet spell, the end of a series, an action
item falling due, a week. Its key is stable (``meeting:2026-12-08T17:30Z``), so the rule fires at
most once for it, and re-deriving after a rule file changed moves the pending action rather than
adding a second one. Occasions meant for one person (an action item's owner, each side of a weekly
digest) carry that person's role and are timed in that person's zone: ``week:2026-W49@mentee``.

Occasions already expired are left out, so a restart after downtime catches up on what still makes
sense (an agenda reminder before a meeting that has not started) and skips what does not. Only
occasions due within ``look_ahead`` are returned: the runner re-derives every tick, so the store
holds days of pending actions rather than a whole series' worth for every pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.rules.model import Rule

TIMED_TRIGGERS = ("before_meeting", "after_meeting", "inactivity", "series_ending", "action_item_due", "weekly")
AFTER_MEETING_GRACE = timedelta(days=3)
INACTIVITY_GRACE = timedelta(days=7)
ITEM_GRACE = timedelta(days=2)
WEEKLY_GRACE = timedelta(days=1)
SERIES_ENDING_OFFSET = timedelta(days=14)
MORNING = time(9, 0)
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Occasion:
    key: str
    due_at: datetime
    expires_at: datetime
    role: str | None = None  # meant for this person only (mentee, mentor, admins)


@dataclass(frozen=True)
class Meeting:
    start: datetime
    end: datetime
    number: int | None = None  # 1 for the pair's first booked meeting


@dataclass(frozen=True)
class DueItem:
    """An open action item with a due date, as the notes named it."""

    id: int
    owner: str | None  # mentor, mentee, both, or None (not stated: both)
    due: date


def owner_roles(owner: str | None) -> tuple[str, ...]:
    return (owner,) if owner in ("mentee", "mentor") else ("mentee", "mentor")


def catch_up_span(rule: Rule) -> timedelta:
    """How long after it falls due an occasion of this rule may still act (its expiry)."""
    return {
        "before_meeting": rule.offset or timedelta(0), "after_meeting": AFTER_MEETING_GRACE,
        "inactivity": INACTIVITY_GRACE, "series_ending": rule.offset or SERIES_ENDING_OFFSET,
        "action_item_due": ITEM_GRACE + (rule.offset or timedelta(0)), "weekly": WEEKLY_GRACE,
    }.get(rule.trigger, timedelta(0))


def occasions(
    rule: Rule,
    *,
    meetings: Sequence[Meeting],
    last_activity: datetime,
    now: datetime,
    look_ahead: timedelta = timedelta(days=8),
    last_meeting: datetime | None = None,
    items: Sequence[DueItem] = (),
    zones: Mapping[str, ZoneInfo] | None = None,
    flags: frozenset[str] | None = None,
) -> list[Occasion]:
    """When a timed rule should act for one pair, for every meeting or state it refers to.

    ``meetings`` may be a window of the pair's meetings (with their numbers); ``last_meeting`` is
    the start of the pair's last booked meeting (default: the last of ``meetings``); ``zones`` maps
    mentee, mentor and admins to their zones (UTC when not given). With the pair's ``flags``, a rule
    whose flag conditions cannot hold now yields nothing (a weekly digest for pairs without the
    flag); every condition is checked again when the action fires.
    """
    zones = zones or {}
    if flags is not None and not _flags_may_match(rule, flags):
        return []
    offset = rule.offset or timedelta(0)
    found: list[Occasion] = []
    if rule.trigger == "before_meeting":
        found = [Occasion(f"meeting:{iso(m.start)}", m.start - offset, m.start) for m in meetings
                 if _count_may_match(rule, None if m.number is None else m.number - 1)]
    elif rule.trigger == "after_meeting":
        found = [Occasion(f"meeting:{iso(m.start)}", m.end + offset, m.end + offset + AFTER_MEETING_GRACE)
                 for m in meetings if _count_may_match(rule, m.number)]
    elif rule.trigger == "inactivity":
        due = last_activity + timedelta(days=rule.days or 0)
        found = [Occasion(f"inactive-since:{iso(last_activity)}", due, due + INACTIVITY_GRACE)]
    elif rule.trigger == "series_ending":
        last = last_meeting or (meetings[-1].start if meetings else None)
        if last is not None:
            found = [Occasion(f"series-end:{iso(last)}", last - (rule.offset or SERIES_ENDING_OFFSET), last)]
    elif rule.trigger == "action_item_due":
        found = _item_occasions(rule, items, zones)
    elif rule.trigger == "weekly":
        found = _weekly_occasions(rule, now, zones)
    return [o for o in found if o.expires_at > now and o.due_at <= now + look_ahead]


def _flags_may_match(rule: Rule, flags: frozenset[str]) -> bool:
    wanted, unwanted = rule.condition("flag"), rule.condition("not_flag")
    return (wanted is None or wanted in flags) and (unwanted is None or unwanted not in flags)


def _count_may_match(rule: Rule, held: int | None) -> bool:
    """Skip meetings whose number already rules out a meeting_count condition (checked again on firing)."""
    if held is None:
        return True
    exact, low, high = (rule.condition(k) for k in ("meeting_count", "meeting_count_min", "meeting_count_max"))
    return (exact is None or held == exact) and (low is None or held >= low) and (high is None or held <= high)


def _roles(rule: Rule) -> tuple[str, ...]:
    return {"mentee": ("mentee",), "mentor": ("mentor",), "both": ("mentee", "mentor"),
            "admins": ("admins",)}.get(rule.to or "", ("mentee",))


def _item_occasions(rule: Rule, items: Sequence[DueItem], zones: Mapping[str, ZoneInfo]) -> list[Occasion]:
    """On the due date at 09:00 (or ``at``) in the owner's zone, less ``offset``; one per owner."""
    found = []
    for item in items:
        per_owner = rule.to == "owner"
        for role in owner_roles(item.owner) if per_owner else _roles(rule)[:1]:
            local = datetime.combine(item.due, rule.at_time or MORNING, tzinfo=zones.get(role, _UTC))
            due = local.astimezone(UTC) - (rule.offset or timedelta(0))
            key = f"action-item:{item.id}" + (f"@{role}" if per_owner else "")
            found.append(Occasion(key, due, due + ITEM_GRACE + (rule.offset or timedelta(0)),
                                  role if per_owner else None))
    return found


def _weekly_occasions(rule: Rule, now: datetime, zones: Mapping[str, ZoneInfo]) -> list[Occasion]:
    """This week's and next week's ``at`` (default Monday 09:00) in each recipient's own zone."""
    found = []
    weekday, at = rule.at_weekday or 0, rule.at_time or MORNING
    for role in _roles(rule):
        zone = zones.get(role, _UTC)
        today = now.astimezone(zone).date()
        this_week = today - timedelta(days=(today.weekday() - weekday) % 7)
        for day in (this_week, this_week + timedelta(days=7)):
            due = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
            year, week, _ = day.isocalendar()
            found.append(Occasion(f"week:{year}-W{week:02d}@{role}", due, due + WEEKLY_GRACE, role))
    return found


def iso(moment: datetime) -> str:
    """``2026-12-08T17:30Z``: the minute in UTC (isoformat is the fast path; this runs for every meeting)."""
    return moment.astimezone(UTC).isoformat()[:16] + "Z"


def parse_occasion(key: str) -> tuple[str, str, str | None]:
    """``"week:2026-W49@mentee"`` -> ("week", "2026-W49", "mentee"); the role is None when absent."""
    kind, _, rest = key.partition(":")
    value, _, role = rest.partition("@")
    return kind, value, role or None


def parse_iso(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
