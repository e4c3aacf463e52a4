"""Does one meeting fit both people? And which nearby times would? Pure: instants in, answers out.

Used when a single meeting moves: an attendee's "propose new time" (iTIP COUNTER), a decline that
asks for alternatives, a request to reschedule one meeting. The series engine (``overlap``) checks
whole series; this checks one occurrence, in each person's own zone, with the same rules: inside
core hours (or stretch hours when allowed), not on the person's public holiday, not over a busy time,
not crossing the person's midnight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.domain.model import Participant
from agent.phrases import Day, Phrase
from agent.ports import BusyTime
from agent.scheduling.holidays import holiday_names


@dataclass(frozen=True)
class Fit:
    ok: bool
    reasons: tuple[Phrase, ...] = ()  # why not, or notes such as "in Katy's stretch hours"


def meeting_fits(start: datetime, minutes: int, people: Sequence[Participant], *, busy: Sequence[BusyTime] = (),
                 allow_stretch: bool = True) -> Fit:
    """Check one meeting starting at ``start`` (aware) for ``minutes`` against every person."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    end = start + timedelta(minutes=minutes)
    problems: list[Phrase] = []
    notes: list[Phrase] = []
    for person in people:
        local, local_end = start.astimezone(person.zone), end.astimezone(person.zone)
        name = person.first_name
        when = _when(local, local_end, person)
        first = local.hour * 60 + local.minute
        last = first + minutes
        if local_end.date() != local.date() and not (local_end.hour == 0 and local_end.minute == 0):
            problems.append(Phrase("crosses_midnight", when=when()))
            continue
        if person.hours.contains(local.weekday(), first, last):
            pass
        elif allow_stretch and person.stretch is not None and person.stretch.contains(local.weekday(), first, last):
            notes.append(Phrase("in_stretch", when=when(), name=name))
        else:
            problems.append(Phrase("outside_hours", when=when(), name=name))
        if person.country:
            holiday = holiday_names(person.country, person.subdivision, local.year).get(local.date())
            if holiday:
                problems.append(Phrase("holiday_for", date=f"{local:%Y-%m-%d}", holiday=holiday, name=name,
                                       country=person.country))
    for period in busy:
        if period.start < end and start < period.end:
            problems.append(Phrase("overlaps_busy", start=f"{start:%Y-%m-%d %H:%M}"))
            break
    return Fit(not problems, tuple(problems) if problems else tuple(notes))


def _when(local: datetime, local_end: datetime, person: Participant):
    """The meeting on one person's clock, built only when a reason needs it (fits are checked often)."""
    return lambda: Phrase("when", day=Day(local.weekday(), short=True), date=f"{local:%Y-%m-%d}",
                          start=f"{local:%H:%M}", end=f"{local_end:%H:%M}", name=person.first_name,
                          zone=person.timezone)


def alternatives(near: datetime, minutes: int, people: Sequence[Participant], *, not_before: datetime,
                 busy: Sequence[BusyTime] = (), count: int = 3, days: int = 7, step_minutes: int = 15) -> list[datetime]:
    """Up to ``count`` start times that fit everyone, closest to ``near`` first, on different days
    (of the first person's calendar).

    Core hours are preferred; stretch hours are used only when core hours give fewer than ``count``.
    The search covers ``days`` days either side of ``near`` and never goes before ``not_before``.
    """
    step = timedelta(minutes=step_minutes)
    first = max(not_before, near - timedelta(days=days))
    first = first.replace(second=0, microsecond=0)
    first += timedelta(minutes=(-first.minute) % step_minutes)
    last = near + timedelta(days=days)
    candidates = []
    moment = first
    while moment <= last:
        candidates.append(moment)
        moment += step
    candidates.sort(key=lambda m: abs(m - near))
    chosen: list[datetime] = []
    day_of = lambda m: m.astimezone(people[0].zone).date()  # noqa: E731 - "different days" for the first person
    for allow_stretch in (False, True):
        for moment in candidates:
            if len(chosen) == count:
                break
            if any(day_of(moment) == day_of(c) for c in chosen):
                continue
            if meeting_fits(moment, minutes, people, busy=busy, allow_stretch=allow_stretch).ok:
                chosen.append(moment)
        if len(chosen) == count:
            break
    return sorted(chosen)
