"""Public holidays per participant, from the ``holidays`` library, as spans of UTC epoch minutes.

A holiday is a whole local date in the person's own zone: a meeting that touches any minute of it is
skipped for that occurrence. Holiday tables are cached per (country, subdivision, year) in a module
level LRU cache; that is pure, because the library's tables do not change while the process runs.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays as holiday_tables

from agent.domain.model import Participant
from agent.scheduling.tzminutes import Timeline, day_start


@lru_cache(maxsize=1024)
def holiday_names(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """``{date: name}`` for one country (and subdivision) and year; ValueError when unknown."""
    try:
        table = holiday_tables.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:
        where = f"{country}-{subdivision}" if subdivision else country
        raise ValueError(f"no public holiday table for {where!r} (use an ISO 3166 country code)") from exc
    return dict(table.items())


def holidays_between(person: Participant, first: date, last: date) -> list[tuple[date, str]]:
    """The person's public holidays in ``[first, last]``, oldest first (none without a country)."""
    if not person.country:
        return []
    found = []
    for year in range(first.year, last.year + 1):
        for day, name in holiday_names(person.country, person.subdivision, year).items():
            if first <= day <= last:
                found.append((day, name))
    return sorted(found)


def holiday_spans(person: Participant, line: Timeline, first: date, last: date) -> list[tuple[int, int, str]]:
    """Each holiday as ``(utc start, utc end, "name")``: its local midnight to the next, in UTC.

    A midnight that falls in a clock gap maps to the transition instant, which is when that local
    day really begins.
    """
    spans = []
    for day, name in holidays_between(person, first, last):
        start = _midnight(line, day_start(day))
        end = _midnight(line, day_start(day + timedelta(days=1)))
        spans.append((start, end, name))
    return spans


def _midnight(line: Timeline, local: int) -> int:
    utc = line.to_utc(local)
    if utc is not None:
        return utc
    pieces = line.local_pieces(local, local + 24 * 60)
    return pieces[0][0] - pieces[0][2] if pieces else local - line.offset(local)
