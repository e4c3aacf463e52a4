"""Time zones as integer arithmetic: instants are whole minutes since 1970-01-01 UTC ("epoch minutes").

The overlap engine checks every occurrence of a series in both people's zones. Doing that with
datetime objects per candidate and per occurrence is too slow for thousands of pairs, so each zone
is turned once into a ``Timeline``: the UTC instants where its offset changes and the offset in
force between them. Both are cached per zone and year (pure: the tz database does not change while
the process runs).

Local wall-clock minutes ("local epoch minutes") are the same count read on the zone's clock, so
``local = utc + offset``. Going back from local to UTC follows RFC 5545 §3.3.5 and zoneinfo's
``fold=0``: an ambiguous wall time (clocks go back) means its first occurrence; a wall time inside a
gap (clocks go forward) does not exist and is reported as such.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY = 1440
WEEK = 7 * DAY
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MONDAY0 = 4 * DAY  # 1970-01-05, the first Monday after the epoch


def day_start(d: date) -> int:
    """Local epoch minute of 00:00 on ``d`` (valid for any zone: it is a wall-clock count)."""
    return (d.toordinal() - EPOCH_ORDINAL) * DAY


def minute_of(moment: datetime) -> int:
    """Epoch minute of an aware datetime, rounded down."""
    return int(moment.timestamp() // 60)


def minute_ceil(moment: datetime) -> int:
    """Epoch minute of an aware datetime, rounded up (for the end of a busy time)."""
    return -int(-moment.timestamp() // 60)


def utc_of(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; raises ``ZoneInfoNotFoundError`` (a KeyError) when unknown."""
    return ZoneInfo(name)


def _offset(tz: ZoneInfo, minute: int) -> int:
    seconds = datetime.fromtimestamp(minute * 60, tz).utcoffset().total_seconds()
    return round(seconds / 60)


@lru_cache(maxsize=8192)
def year_transitions(name: str, year: int) -> tuple[tuple[int, int], ...]:
    """The offset changes of zone ``name`` during one UTC year as ``(epoch minute, new offset)``.

    Samples the offset every eight days and bisects each change to the minute, then goes on
    sampling from the change, so two changes in one step are both found unless the second
    undoes the first within eight days; no zone has had such changes in decades (Morocco's
    Ramadan pause, the shortest today, lasts about a month). Most zones have no change at all
    and cost 46 look-ups a year.
    """
    tz = zone(name)
    start, end = day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1))
    step = 8 * DAY
    found: list[tuple[int, int]] = []
    previous = _offset(tz, start)
    low = start
    while low < end:
        high = min(low + step, end)
        if _offset(tz, high) == previous:
            low = high
            continue
        left, right = low, high
        while right - left > 1:
            middle = (left + right) // 2
            if _offset(tz, middle) == previous:
                left = middle
            else:
                right = middle
        previous = _offset(tz, right)
        found.append((right, previous))
        low = right
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Timeline:
    """A zone's offsets over a span of years: ``offsets[k]`` holds for ``times[k-1] <= u < times[k]``."""

    name: str
    times: tuple[int, ...]
    offsets: tuple[int, ...]

    def offset(self, minute: int) -> int:
        return self.offsets[bisect_right(self.times, minute)]

    def local_pieces(self, low: int, high: int) -> list[tuple[int, int, int]]:
        """Split local minutes [low, high) into ``(lo, hi, offset)`` pieces that exist on the clock.

        Minutes inside a gap are left out; ambiguous minutes belong to the earlier offset (fold=0).
        """
        pieces = []
        times, offsets = self.times, self.offsets
        for k, offset in enumerate(offsets):
            lo = -(1 << 62) if k == 0 else times[k - 1] + max(offsets[k - 1], offset)
            hi = (1 << 62) if k == len(times) else times[k] + offset
            lo, hi = max(lo, low), min(hi, high)
            if lo < hi:
                pieces.append((lo, hi, offset))
        return pieces

    def utc_pieces(self, low: int, high: int) -> list[tuple[int, int, int]]:
        """Split UTC minutes [low, high) into ``(lo, hi, offset)`` pieces of constant offset."""
        first, last = bisect_right(self.times, low), bisect_right(self.times, high - 1)
        bounds = [low, *self.times[first:last], high]
        return [(bounds[i], bounds[i + 1], self.offsets[first + i]) for i in range(len(bounds) - 1)]

    def to_utc(self, local: int) -> int | None:
        """UTC epoch minute of a local epoch minute (first occurrence), or None inside a gap."""
        for lo, _hi, offset in self.local_pieces(local, local + 1):
            return local - offset
        return None


@lru_cache(maxsize=4096)
def timeline(name: str, first_year: int, last_year: int) -> Timeline:
    """The zone's offsets from 1 January ``first_year`` to the end of ``last_year`` (UTC)."""
    changes = [change for year in range(first_year, last_year + 1) for change in year_transitions(name, year)]
    initial = _offset(zone(name), day_start(date(first_year, 1, 1)))
    return Timeline(name, tuple(t for t, _ in changes), (initial, *(o for _, o in changes)))
