"""Quiet hours: a daily span of local time in which nobody should receive mail from the program.

``quiet_hours = "21:00-08:00"`` in a rule (or in ``[defaults]`` of a rules file, for every rule)
means: a message that falls due inside that span, in the recipient's own zone, is queued to leave
at the end of the span. Spans may cross midnight; ``"off"`` switches a program default off for one
rule. Pure: the caller passes "now" and the recipient's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
QUIET_HINT = 'write quiet_hours = "21:00-08:00" (24-hour local times; "off" for none)'


@dataclass(frozen=True)
class QuietHours:
    """From ``start`` to ``end`` minutes after local midnight; ``start == end`` is never quiet."""

    start: int
    end: int

    def covers(self, minute: int) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def release(self, now: datetime, zone: ZoneInfo) -> datetime:
        """``now`` when it is outside the span in ``zone``, else the span's end (as UTC)."""
        local = now.astimezone(zone)
        minute = local.hour * 60 + local.minute
        if not self.covers(minute):
            return now
        day = local.date()
        if self.start > self.end and minute >= self.start:  # before midnight: the span ends tomorrow
            day += timedelta(days=1)
        # a wall-clock time in a DST gap is read as zoneinfo does (fold=0); UTC normalises it
        released = datetime.combine(day, time(self.end // 60, self.end % 60), tzinfo=zone).astimezone(UTC)
        return released if released > now else now

    def __str__(self) -> str:
        if self.start == self.end:
            return "off"
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


NEVER = QuietHours(0, 0)


def parse_quiet_hours(text: str) -> QuietHours:
    """``"21:00-08:00"`` -> QuietHours(1260, 480); ``"off"`` -> never quiet. Raises ValueError."""
    if text.strip().lower() in ("off", "none"):
        return NEVER
    match = _SPAN.match(text)
    if not match:
        raise ValueError(f'"{text}" is not a span of hours')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f'"{text}" has an impossible time')
    start, end = h1 * 60 + m1, (h2 * 60 + m2) % 1440  # "24:00" is midnight at the end of the day
    if start == end:
        raise ValueError(f'"{text}" is empty or the whole day')
    return QuietHours(start, end)
