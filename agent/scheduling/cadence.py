"""Occurrence dates of a cadence: weekly for a while, then every few weeks, inside a horizon.

A phase after the first starts one of *its own* intervals after the previous phase's last meeting
(weekly x6 then every 2 weeks: the 7th meeting is two weeks after the 6th). Phases are cut at the
end of the horizon; an open-ended last phase runs to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from agent.domain.model import CadencePhase


def phase_dates(first: date, phases: Sequence[CadencePhase], end: date) -> list[list[date]]:
    """Dates per phase from ``first`` (inclusive) to ``end`` (exclusive); empty phases are dropped."""
    return [[first + timedelta(days=k) for k in days] for days in phase_offsets(tuple(phases), (end - first).days)]


def phase_ordinals(first: date, phases: Sequence[CadencePhase], end: date) -> list[int]:
    """All dates of ``phase_dates`` as ordinals, in order (the engine's input)."""
    base = first.toordinal()
    return [base + k for days in phase_offsets(tuple(phases), (end - first).days) for k in days]


@lru_cache(maxsize=1024)
def phase_offsets(phases: tuple[CadencePhase, ...], days: int) -> tuple[tuple[int, ...], ...]:
    """``phase_dates`` as day offsets from the first date; cached, as every weekday repeats it."""
    first, end = date(2000, 1, 3), date(2000, 1, 3) + timedelta(days=days)
    return tuple(tuple((d - first).days for d in dates) for dates in _phase_dates(first, phases, end))


def _phase_dates(first: date, phases: Sequence[CadencePhase], end: date) -> list[list[date]]:
    found: list[list[date]] = []
    current = first
    for number, phase in enumerate(phases):
        step = timedelta(weeks=phase.interval_weeks)
        if number and found:
            current = found[-1][-1] + step
        dates: list[date] = []
        while current < end and (phase.count is None or len(dates) < phase.count):
            dates.append(current)
            current += step
        if not dates:
            break
        found.append(dates)
    return found


def first_on_weekday(start: date, weekday: int) -> date:
    """The first date on or after ``start`` that falls on ``weekday`` (Monday = 0)."""
    return start + timedelta(days=(weekday - start.weekday()) % 7)
