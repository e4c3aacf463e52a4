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
from agent.scheduling.tzminutes import EPOCH_ORDINAL, Timeline, day_start, timeline


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

    A midnight that falls in a clock gap maps to the transition instant, which is when that local
    day really begins.
    """
    if not person.country:
        return []
    low, high = day_start(first), day_start(last + timedelta(days=1))
    return [
        span
        for year in range(first.year, last.year + 1)
        for span in _year_spans(person.timezone, person.country, person.subdivision, year)
        if low - 1440 <= span[0] < high + 1440 and first <= _local_day(span, line) <= last
    ]


@lru_cache(maxsize=4096)
def _year_spans(timezone: str, country: str, subdivision: str | None, year: int):
    line = timeline(timezone, year - 1, year + 1)
    spans = []
    for day, name in sorted(holiday_names(country, subdivision, year).items()):
        start = _midnight(line, day_start(day))
        spans.append((start, _midnight(line, day_start(day + timedelta(days=1))), name))
    return tuple(spans)


def _local_day(span: tuple[int, int, str], line: Timeline) -> date:
    return date.fromordinal(EPOCH_ORDINAL + (span[0] + line.offset(span[0])) // 1440)


def _midnight(line: Timeline, local: int) -> int:
    guess = local - line.offset(local - line.offset(local))
    if line.offset(guess) == local - guess and line.offset(guess - 1440) == line.offset(guess + 1440):
        return guess  # no change within a day: the common case, three look-ups
    utc = line.to_utc(local)
    if utc is not None:
        return utc
    pieces = line.local_pieces(local, local + 24 * 60)
    return pieces[0][0] - pieces[0][2] if pieces else local - line.offset(local)
