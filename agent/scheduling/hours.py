"""Parse the roster's working-hours and cadence strings into values.

    "Mon-Fri 09:00-17:00"            Monday to Friday, nine to five
    "Mon,Wed,Fri 08:00-12:00"        three days
    "Sat 10:00-12:30"                one day
    "Mon-Thu 08:00-12:00, 13:00-17:00"   two windows on the same days
    "Sun-Thu 09:00-17:00"            a Sunday-to-Thursday week (ranges wrap around Sunday)

    "weekly x6"  "every 2 weeks"  "biweekly x4"  "weekly"

Errors raise ``HoursSyntaxError`` whose message says what is wrong and whose ``hint`` says how to
write it instead, so the roster loader can print ``file:line: message (hint)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.domain.model import WEEKDAYS, CadencePhase, TimeWindow, WeeklyHours

HOURS_HINT = 'write days and 24-hour times like "Mon-Fri 09:00-17:00"'
CADENCE_HINT = 'write "weekly", "weekly x6", "every 2 weeks" or "every 2 weeks x4"'

_DAY_INDEX = {name.lower(): index for index, name in enumerate(WEEKDAYS)}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class HoursSyntaxError(ValueError):
    """A working-hours or cadence string that cannot be read."""

    def __init__(self, message: str, hint: str = HOURS_HINT):
        super().__init__(message)
        self.message = message
        self.hint = hint


def parse_hours(entries: Sequence[str]) -> WeeklyHours:
    """Merge several entries such as ``["Mon-Thu 08:00-12:00", "Mon-Thu 13:00-17:00"]``."""
    days: list[list[TimeWindow]] = [[] for _ in WEEKDAYS]
    for entry in entries:
        weekdays, windows = parse_hours_entry(entry)
        for day in weekdays:
            days[day].extend(windows)
    for day, windows in enumerate(days):
        windows.sort()
        for earlier, later in zip(windows, windows[1:]):
            if later.start < earlier.end:
                raise HoursSyntaxError(
                    f"{WEEKDAYS[day]}: {earlier} overlaps {later}",
                    "list each stretch of time once; merge overlapping ranges",
                )
    return WeeklyHours(tuple(tuple(windows) for windows in days))


def parse_hours_entry(entry: str) -> tuple[tuple[int, ...], tuple[TimeWindow, ...]]:
    """One entry: a day spec, a space, then one or more comma-separated time ranges."""
    if not isinstance(entry, str):
        raise HoursSyntaxError(f"{entry!r} is not a string")
    text = entry.strip()
    day_spec, _, ranges = text.partition(" ")
    if not ranges.strip():
        raise HoursSyntaxError(f'"{entry}" has no time range')
    weekdays = parse_days(day_spec)
    windows = tuple(parse_window(part.strip(), entry) for part in ranges.split(","))
    return weekdays, windows


def parse_days(spec: str) -> tuple[int, ...]:
    """``Mon-Fri``, ``Sun-Thu``, ``Mon,Wed,Fri``, ``Sat`` → weekday indexes (Monday = 0)."""
    result: list[int] = []
    for part in spec.split(","):
        first, dash, last = part.partition("-")
        start = _day(first)
        if not dash:
            result.append(start)
            continue
        end = _day(last)
        day = start
        while True:
            result.append(day)
            if day == end:
                break
            day = (day + 1) % 7
    return tuple(dict.fromkeys(result))


def parse_window(text: str, entry: str) -> TimeWindow:
    """``09:00-17:00`` → TimeWindow(540, 1020). ``24:00`` is allowed as an end."""
    start_text, dash, end_text = text.partition("-")
    if not dash:
        raise HoursSyntaxError(f'"{text}" in "{entry}" is not a time range')
    start, end = _minute(start_text, entry), _minute(end_text, entry)
    if end <= start:
        raise HoursSyntaxError(
            f'"{text}" in "{entry}" ends before it starts',
            "ranges cannot cross midnight; split them: \"Mon 22:00-24:00\", \"Tue 00:00-02:00\"",
        )
    return TimeWindow(start, end)


def _minute(text: str, entry: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursSyntaxError(f'"{text.strip()}" in "{entry}" is not a time')
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise HoursSyntaxError(f'"{text.strip()}" in "{entry}" is not a time of day')
    return hours * 60 + minutes


def _day(name: str) -> int:
    key = name.strip().lower()[:3]
    if key not in _DAY_INDEX or len(name.strip()) < 3:
        raise HoursSyntaxError(
            f'"{name.strip()}" is not a weekday',
            "use Mon Tue Wed Thu Fri Sat Sun, a range like Mon-Fri or a list like Mon,Wed",
        )
    return _DAY_INDEX[key]


_CADENCE = re.compile(
    r"^(?:(?P<weekly>weekly)|(?P<biweekly>biweekly|fortnightly)|every\s+(?P<n>\d+)\s+weeks?)"
    r"(?:\s*x\s*(?P<count>\d+))?$",
    re.IGNORECASE,
)


def parse_cadence(entries: Sequence[str]) -> tuple[CadencePhase, ...]:
    """``["weekly x6", "every 2 weeks"]`` → phases; only the last may be open-ended."""
    if not entries:
        raise HoursSyntaxError("the cadence is empty", CADENCE_HINT)
    phases = []
    for entry in entries:
        match = _CADENCE.match(str(entry).strip())
        if not match:
            raise HoursSyntaxError(f'"{entry}" is not a cadence', CADENCE_HINT)
        interval = 1 if match["weekly"] else 2 if match["biweekly"] else int(match["n"])
        count = int(match["count"]) if match["count"] else None
        if interval < 1 or interval > 12 or count == 0:
            raise HoursSyntaxError(f'"{entry}" is out of range', "use every 1 to 12 weeks, at least x1")
        phases.append(CadencePhase(interval, count))
    for phase in phases[:-1]:
        if phase.count is None:
            raise HoursSyntaxError(
                f'"{phase}" has no count but is not the last phase',
                'give every phase but the last a count, e.g. "weekly x6"',
            )
    return tuple(phases)
