"""Planned series as data and text: ``slots --json`` and the human summary of a slot.

Times in JSON are UTC with ``Z`` for instants, local ISO without offset plus a TZID for the
series itself (how iCalendar writes it), and each person's local time beside every occurrence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from agent.domain.model import Participant, SeriesPlan

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def slots_json(plans: Sequence[SeriesPlan], people: Sequence[Participant] = ()) -> dict:
    """The object ``mentor-agent slots --json`` prints; ``series`` is the first phase's."""
    if not plans:
        raise ValueError("slots_json needs at least one plan")
    phases = [_series(plan) for plan in plans]
    occurrences = [start for plan in plans for start in plan.occurrences]
    result = {
        "minutes": plans[0].minutes,
        "occurrences": [_utc(start) for start in occurrences],
        "series": phases[0],
        "phases": phases,
        "notes": [note for plan in plans for note in plan.notes],
    }
    if people:
        result["local_times"] = [
            {
                "utc": _utc(start),
                "local": {p.name: {"time": start.astimezone(p.zone).isoformat(), "tzid": p.timezone} for p in people},
            }
            for start in occurrences
        ]
    return result


def describe_slot(plans: Sequence[SeriesPlan], first: Participant, second: Participant) -> str:
    """``Thursdays 17:00-17:45 Europe/Berlin (Katy: Thu 08:00 America/Los_Angeles; ...)``, one line
    per phase, then one indented line per note."""
    lines = []
    for plan in plans:
        start = plan.dtstart
        end = start + plan.duration
        shown = plan.occurrences[0] if plan.occurrences else start.astimezone(UTC)
        locals_ = "; ".join(f"{p.first_name}: {_clock(shown, p)} {p.timezone}" for p in (first, second))
        rhythm = "weekly" if plan.interval_weeks == 1 else f"every {plan.interval_weeks} weeks"
        skipped = f", {len(plan.exdates)} skipped" if plan.exdates else ""
        lines.append(
            f"{DAY_NAMES[start.weekday()]}s {start:%H:%M}-{end:%H:%M} {plan.tzid} ({locals_}), {rhythm}, "
            f"{plan.count} meetings from {start:%Y-%m-%d}{skipped}"
        )
        lines.extend(f"  - {note}" for note in plan.notes)
    return "\n".join(lines)


def _series(plan: SeriesPlan) -> dict:
    return {
        "dtstart": plan.dtstart.replace(tzinfo=None).isoformat(timespec="seconds"),
        "tzid": plan.tzid,
        "rrule": plan.rrule,
        "exdates": [e.replace(tzinfo=None).isoformat(timespec="seconds") for e in plan.exdates],
        "interval_weeks": plan.interval_weeks,
        "count": plan.count,
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clock(moment: datetime, person: Participant) -> str:
    local = moment.astimezone(person.zone)
    return f"{DAY_NAMES[local.weekday()][:3]} {local:%H:%M}"

