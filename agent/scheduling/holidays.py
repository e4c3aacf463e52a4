"""Public holidays per participant, from the ``holidays`` library, as spans of UTC epoch minutes.

A holiday is a whole local date in the person's own zone: a meeting that touches any minute of it is
skipped for that occurrence. Holiday tables are cached per (country, subdivision, year) in module
level LRU caches; that is pure, because the library's tables do not change while the process runs.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as holiday_tables

from agent.domain.model import Participant
from agent.scheduling.tzminutes import EPOCH_ORDINAL, Timeline


@lru_cache(maxsize=1024)
def holiday_names(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """``{date: name}`` for one country (and subdivision) and year; ValueError when unknown."""
    try:
        table = holiday_tables.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:
        where = f"{country}-{subdivision}" if subdivision else country
        raise ValueError(f"no public holiday table for {where!r} (use an ISO 3166 country code)") from exc
    return dict(table.items())


def holiday_spans(person: Participant, line: Timeline, first: date, last: date) -> list[tuple[int, int, str]]:
    """Each holiday in ``[first, last]`` as ``(utc start, utc end, name)``: local midnight to the next.

    ``line`` must cover the dates (and the day after ``last``). A midnight that falls in a clock gap
    maps to the transition instant, which is when that local day really begins. Only the holidays
    in range are converted, with the person's own timeline: the tables are shared by everyone in a
    country, the conversion is a few look-ups per holiday.
    """
    if not person.country:
        return []
    low, high = first.toordinal(), last.toordinal()
    spans = []
    for year in range(first.year, last.year + 1):
        for ordinal, name in _year_days(person.country, person.subdivision, year):
            if low <= ordinal <= high:
                local = (ordinal - EPOCH_ORDINAL) * 1440
                spans.append((_midnight(line, local), _midnight(line, local + 1440), name))
    return spans


@lru_cache(maxsize=4096)
def _year_days(country: str, subdivision: str | None, year: int) -> tuple[tuple[int, str], ...]:
    """The year's holidays as sorted ``(date ordinal, name)``, shared by every zone."""
    return tuple((day.toordinal(), name) for day, name in sorted(holiday_names(country, subdivision, year).items()))


def _midnight(line: Timeline, local: int) -> int:
    guess = local - line.offset(local - line.offset(local))
    if line.offset(guess) == local - guess and line.offset(guess - 1440) == line.offset(guess + 1440):
        return guess  # no change within a day: the common case, three look-ups
    utc = line.to_utc(local)
    if utc is not None:
        return utc
    pieces = line.local_pieces(local, local + 24 * 60)
    return pieces[0][0] - pieces[0][2] if pieces else local - line.offset(local)
