"""Working hours as bitmasks: one bit per local minute of the week, held in a Python int.

Bit ``k`` of a week mask is minute ``k`` after Monday 00:00 on the person's own clock. The mask is
written out for two weeks in a row so that a day (plus a meeting that runs past midnight) can be cut
out at any position with one shift, without wrapping. Adjacent windows such as "Mon 22:00-24:00"
and "Tue 00:00-02:00" simply become one run of bits, so a meeting may cross midnight.

A *start mask* is the erosion of an availability mask by the meeting length: bit ``k`` is set when
all of minutes ``k .. k+minutes-1`` are available, i.e. a meeting may start at ``k``. Checking every
candidate start of a day for one occurrence is then a shift and an AND.
"""

from __future__ import annotations

from functools import lru_cache

from agent.domain.model import WeeklyHours
from agent.scheduling.tzminutes import DAY, WEEK

DAY_BITS = (1 << DAY) - 1


def span(low: int, high: int) -> int:
    """Bits ``low .. high-1`` set (empty when high <= low)."""
    return ((1 << (high - low)) - 1) << low if high > low else 0


@lru_cache(maxsize=4096)
def availability(core: WeeklyHours, stretch: WeeklyHours | None = None) -> int:
    """Two weeks of available minutes: the core hours, plus the stretch hours when given."""
    mask = 0
    for hours in (core, stretch):
        if hours is None:
            continue
        for weekday, windows in enumerate(hours.days):
            for window in windows:
                start = weekday * DAY + window.start
                mask |= span(start, weekday * DAY + window.end) | span(start + WEEK, weekday * DAY + window.end + WEEK)
    return mask


def erode(mask: int, length: int) -> int:
    """Bits ``k`` of ``mask`` such that ``k .. k+length-1`` are all set (log2(length) steps)."""
    covered = 1
    while covered < length:
        step = min(covered, length - covered)
        mask &= mask >> step
        covered += step
    return mask


@lru_cache(maxsize=4096)
def starts(core: WeeklyHours, stretch: WeeklyHours | None, minutes: int) -> int:
    """Two weeks of minutes at which a meeting of ``minutes`` may start inside the hours."""
    return erode(availability(core, stretch), minutes)


def all_set(mask: int, position: int, length: int) -> bool:
    """True when bits ``position .. position+length-1`` of ``mask`` are all set."""
    full = (1 << length) - 1
    return (mask >> position) & full == full


def ones_from(mask: int, position: int) -> int:
    """How many bits are set in a row from ``position`` upwards."""
    shifted = mask >> position
    return (shifted ^ (shifted + 1)).bit_length() - 1


def ones_before(mask: int, position: int) -> int:
    """How many bits are set in a row just below ``position`` (``position-1`` downwards)."""
    gaps = ~mask & ((1 << position) - 1)
    return position - gaps.bit_length()


def runs(mask: int) -> list[tuple[int, int]]:
    """Maximal runs of set bits as inclusive ``(first, last)`` positions, lowest first."""
    found = []
    while mask:
        first = (mask & -mask).bit_length() - 1
        shifted = mask >> first
        length = (shifted ^ (shifted + 1)).bit_length() - 1
        found.append((first, first + length - 1))
        mask &= ~span(first, first + length)
    return found


def grid_points(first: int, last: int) -> list[int]:
    """Start minutes inside ``[first, last]`` worth proposing: on a 15-minute grid when possible.

    Returns the one nearest the middle and both ends; falls back to a 5-minute, then 1-minute grid
    when the run is too short or misaligned (zones whose offsets are not whole quarter hours).
    """
    for grid in (15, 5, 1):
        low = -(-first // grid) * grid
        high = last // grid * grid
        if low <= high:
            middle = round((first + last) / 2 / grid) * grid
            middle = min(max(middle, low), high)
            return sorted({low, middle, high})
    return []
