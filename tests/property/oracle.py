"""A brute-force oracle for the overlap engine: datetimes and zoneinfo, minute by minute.

Deliberately naive and independent of ``agent.scheduling``'s bitmasks and timelines: every
instant is converted with ``astimezone`` and looked up in the person's hours on that local weekday.
Shared by the property tests and ``benchmarks/scheduling.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_tables


@lru_cache(maxsize=256)
def _holiday_dates(country, subdivision, year) -> frozenset:
    return frozenset(holiday_tables.country_holidays(country, subdiv=subdivision, years=year))


def works(person, kind: str, moment: datetime) -> bool:
    """Is the minute starting at ``moment`` inside the person's hours ("core" or "ext")?"""
    local = moment.astimezone(ZoneInfo(person.timezone))
    minute = local.hour * 60 + local.minute
    windows = list(person.hours.on(local.weekday()))
    if kind == "ext" and person.stretch is not None:
        windows += person.stretch.on(local.weekday())
    return any(w.start <= minute < w.end for w in windows)


def on_holiday(person, moment: datetime) -> bool:
    if not person.country:
        return False
    local = moment.astimezone(ZoneInfo(person.timezone)).date()
    return local in _holiday_dates(person.country, person.subdivision, local.year)


def exists(local: datetime) -> bool:
    """False for a wall time inside a clock gap."""
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None)


def occurrence_ok(local, minutes, people, kinds, busy, *, step=1, holidays=True, use_busy=True) -> bool:
    """Every sampled minute of the meeting inside both people's hours, off holidays and busy times."""
    if not exists(local):
        return False
    start = local.astimezone(UTC)
    offsets = sorted(set(range(0, minutes, step)) | {minutes - 1})
    for k in offsets:
        moment = start + timedelta(minutes=k)
        for person, kind in zip(people, kinds):
            if not works(person, kind, moment) or (holidays and on_holiday(person, moment)):
                return False
        if use_busy and any(b.start <= moment < b.end for b in busy):
            return False
    return True


def series_dates(zone_name, weekday, minute, start: date, weeks, interval, not_before=None) -> list[datetime]:
    """The local starts a weekly rule generates, per the engine's documented horizon rules."""
    zone = ZoneInfo(zone_name)
    first = max(start, not_before.astimezone(zone).date()) if not_before else start
    end = first + timedelta(weeks=weeks)
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    at = time(minute // 60, minute % 60)
    if not_before and datetime.combine(day, at, tzinfo=zone) < not_before:
        day += timedelta(weeks=1)
    found = []
    while day < end:
        found.append(datetime.combine(day, at, tzinfo=zone))
        day += timedelta(weeks=interval)
    return found


def find_full_slot(people, minutes, start, weeks, interval, busy, kinds, not_before=None):
    """(anchor zone, weekday, minute) valid on every date, searching a 15-minute grid, or None.

    Sampling every 15 minutes of the meeting is exact when hours, meeting length, busy times and
    zone offsets are all on the quarter hour, which the property tests guarantee.
    """
    for zone_name in dict.fromkeys(p.timezone for p in people):
        for weekday in range(7):
            for minute in range(0, 1440, 15):
                dates = series_dates(zone_name, weekday, minute, start, weeks, interval, not_before)
                if dates and all(occurrence_ok(d, minutes, people, kinds, busy, step=15) for d in dates):
                    return zone_name, weekday, minute
    return None
