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

from agent.domain.model import WEEKDAYS, Participant
from agent.ports import BusyTime
from agent.scheduling.holidays import holiday_names


@dataclass(frozen=True)
class Fit:
    ok: bool
    reasons: tuple[str, ...] = ()  # why not, or notes such as "in Katy's stretch hours"


def meeting_fits(start: datetime, minutes: int, people: Sequence[Participant], *, busy: Sequence[BusyTime] = (),
                 allow_stretch: bool = True) -> Fit:
    """Check one meeting starting at ``start`` (aware) for ``minutes`` against every person."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    end = start + timedelta(minutes=minutes)
    problems: list[str] = []
    notes: list[str] = []
    for person in people:
        local, local_end = start.astimezone(person.zone), end.astimezone(person.zone)
        when = f"{WEEKDAYS[local.weekday()]} {local:%Y-%m-%d %H:%M}-{local_end:%H:%M} for {person.first_name} " \
               f"({person.timezone})"
        first = local.hour * 60 + local.minute
        last = first + minutes
        if local_end.date() != local.date() and not (local_end.hour == 0 and local_end.minute == 0):
            problems.append(f"{when} crosses midnight")
            continue
        if person.hours.contains(local.weekday(), first, last):
            pass
        elif allow_stretch and person.stretch is not None and person.stretch.contains(local.weekday(), first, last):
            notes.append(f"{when} is in {person.first_name}'s stretch hours")
        else:
            problems.append(f"{when} is outside {person.first_name}'s hours")
        if person.country:
            holiday = holiday_names(person.country, person.subdivision, local.year).get(local.date())
            if holiday:
                problems.append(f"{local:%Y-%m-%d} is {holiday} for {person.first_name} ({person.country})")
    for period in busy:
        if period.start < end and start < period.end:
            problems.append(f"{start:%Y-%m-%d %H:%M}Z overlaps another meeting or busy time")
            break
    return Fit(not problems, tuple(problems) if problems else tuple(notes))


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
