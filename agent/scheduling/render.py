"""Planned series as data and text: ``slots --json`` and the human summary of a slot.

Times in JSON are UTC with ``Z`` for instants, local ISO without offset plus a TZID for the
series itself (how iCalendar writes it), and each person's local time beside every occurrence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from agent.domain.model import CadencePhase, Participant, SeriesPlan
from agent.phrases import Day, Lines, Phrase

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


def describe_slot(plans: Sequence[SeriesPlan], first: Participant, second: Participant, locale: str = "en") -> str:
    """``Thursdays 17:00-17:45 Europe/Berlin (Katy: Thu 08:00 America/Los_Angeles; ...)``, one line
    per phase, then one indented line per note; in ``locale`` (see ``agent.phrases``)."""
    return slot_phrase(plans, first, second).say(locale) if plans else ""


def slot_phrase(plans: Sequence[SeriesPlan], first: Participant, second: Participant) -> Phrase:
    """``describe_slot`` as a phrase, to be said later in each reader's locale."""
    lines = []
    for plan in plans:
        start = plan.dtstart
        end = start + plan.duration
        shown = plan.occurrences[0] if plan.occurrences else start.astimezone(UTC)
        locals_ = tuple(_local(shown, p) for p in (first, second))
        skipped = Phrase("slot_skipped", n=len(plan.exdates)) if plan.exdates else ""
        lines.append(Phrase("slot", day=Day(start.weekday()), start=f"{start:%H:%M}", end=f"{end:%H:%M}",
                            tzid=plan.tzid, locals=locals_, rhythm=rhythm(CadencePhase(plan.interval_weeks)),
                            count=plan.count, first=f"{start:%Y-%m-%d}", skipped=skipped))
        lines.extend(Phrase("note_line", note=note) for note in plan.notes)
    return Phrase("lines", lines=Lines(lines))


def rhythm(phase: CadencePhase) -> Phrase:
    """``weekly``, ``every 2 weeks``, ``weekly x6``: a cadence phase as a phrase."""
    base = Phrase("weekly") if phase.interval_weeks == 1 else Phrase("every_weeks", n=phase.interval_weeks)
    return Phrase("times", rhythm=base, count=phase.count) if phase.count else base


def _local(moment: datetime, person: Participant) -> Phrase:
    local = moment.astimezone(person.zone)
    return Phrase("local_clock", name=person.first_name, day=Day(local.weekday(), short=True),
                  time=f"{local:%H:%M}", zone=person.timezone)


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
