"""VTIMEZONE components that Outlook accepts, and a bounded reading of the ones senders give us.

Outlook needs a VTIMEZONE for every TZID and mishandles the RDATE lists that icalendar's
``add_missing_timezones()`` writes; it wants the classic shape: a STANDARD and a DAYLIGHT
observance, each with ``RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=..`` (RFC 5545 §3.6.5). We derive those
rules from zoneinfo's own transitions over the span of a series, so the VTIMEZONE says exactly what
zoneinfo says. When a zone's rule changes inside the span each rule period becomes its own
observance ending with UNTIL; a transition that fits no weekday rule becomes an observance of its own.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu", "UCT", "GMT", "Etc/GMT"}
_STEP = timedelta(hours=6)  # real zones never change twice within six hours


@dataclass(frozen=True)
class _Transition:
    at: datetime  # UTC instant
    before: timedelta
    after: timedelta
    dst: bool
    name: str

    @property
    def onset(self) -> datetime:
        """Local wall time of the change, read in the offset in force before it (RFC 5545 §3.6.5)."""
        return (self.at + self.before).replace(tzinfo=None)

    def shape(self) -> tuple:
        local = self.onset
        return (self.dst, local.month, local.weekday(), local.time(), self.before, self.after, self.name)


def vtimezone_for(tzid: str, start_year: int, end_year: int) -> Timezone:
    """A VTIMEZONE for ``tzid`` valid from 1 January ``start_year`` to 31 December ``end_year``."""
    zone = ZoneInfo(tzid)
    vtz = Timezone()
    vtz.add("TZID", tzid)
    window_start = datetime(start_year - 1, 1, 1, tzinfo=timezone.utc)
    window_end = datetime(end_year + 2, 1, 1, tzinfo=timezone.utc)
    transitions = [] if tzid in _UTC_NAMES else _transitions(zone, window_start, window_end)
    span_start = datetime(start_year, 1, 1, tzinfo=timezone.utc) - timedelta(days=1)
    if not transitions or transitions[0].at > span_start:
        vtz.add_component(_initial(zone, window_start))
    for run in _runs(transitions):
        open_ended = run[-1].at.year == end_year + 1
        vtz.add_component(_observance(run, open_ended))
    return vtz


def local_to_utc(vtz: Timezone, local: datetime) -> datetime | None:
    """The UTC instant a sender's VTIMEZONE gives a naive local time; None if it cannot be read.

    Bounded: only yearly rules whose parts are BYMONTH, BYDAY, BYMONTHDAY, INTERVAL, UNTIL, COUNT are
    followed, and only onsets in the year before, of and after ``local`` are produced. Offsets or
    years that overflow ``datetime`` (a hostile TZOFFSETTO of +9999, a meeting in year 9999) give None.
    """
    if not 2 <= local.year <= 9997:
        return None
    try:
        return _local_to_utc(vtz, local)
    except (OverflowError, ValueError):
        return None


def _local_to_utc(vtz: Timezone, local: datetime) -> datetime | None:
    onsets: list[tuple[datetime, timedelta, timedelta]] = []
    for sub in vtz.subcomponents[:20]:
        try:
            start = sub.decoded("DTSTART").replace(tzinfo=None)
            before = sub["TZOFFSETFROM"].td
            after = sub["TZOFFSETTO"].td
        except (KeyError, AttributeError, ValueError, TypeError):
            continue
        for when in _onsets(sub, start, before, local.year):
            onsets.append((when - before, before, after))
    if not onsets:
        return None
    onsets.sort()

    def offset_at(instant: datetime) -> timedelta:
        current = onsets[0][1]
        for at, _, after in onsets:
            if at <= instant:
                current = after
        return current

    naive = local.replace(tzinfo=None)
    for offset in sorted({after for _, _, after in onsets} | {onsets[0][1]}, reverse=True):
        if offset_at(naive - offset) == offset:
            return (naive - offset).replace(tzinfo=timezone.utc)
    return (naive - offset_at(naive - onsets[0][1])).replace(tzinfo=timezone.utc)


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[_Transition]:
    """Every change of offset, DST flag or abbreviation in [start, end), found to the minute."""
    found = []
    here = start
    state = _state(zone, here)
    while here < end:
        nxt = here + _STEP
        new = _state(zone, nxt)
        if new != state:
            low, high = here, nxt
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= low:
                    break
                low, high = (mid, high) if _state(zone, mid) == state else (low, mid)
            found.append(_Transition(high, state[0], new[0], new[1], new[2]))
            state = new
        here = nxt
    return found


def _state(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, bool, str]:
    local = instant.astimezone(zone)
    return local.utcoffset(), bool(local.dst()), local.tzname() or ""


def _initial(zone: ZoneInfo, at: datetime) -> TimezoneStandard:
    """The observance in force at the window's start when no transition defines it."""
    offset, dst, name = _state(zone, at)
    sub = TimezoneDaylight() if dst else TimezoneStandard()
    sub.add("DTSTART", datetime(1970, 1, 1))
    sub.add("TZOFFSETFROM", offset)
    sub.add("TZOFFSETTO", offset)
    sub.add("TZNAME", name or _offset_name(offset))
    return sub


def _runs(transitions: list[_Transition]) -> list[list[_Transition]]:
    """Group transitions into yearly runs that one weekday rule describes."""
    runs: list[list[_Transition]] = []
    for item in transitions:
        for run in runs:
            last = run[-1]
            if (
                last.shape() == item.shape()
                and item.onset.year == last.onset.year + 1
                and _byday([*run, item])
            ):
                run.append(item)
                break
        else:
            runs.append([item])
    return runs


def _byday(run: list[_Transition]) -> str | None:
    """The BYDAY (e.g. ``-1SU``, ``2SU``) that picks every onset of the run, or None."""
    candidates = None
    for item in run:
        day = item.onset.day
        days_in_month = _calendar.monthrange(item.onset.year, item.onset.month)[1]
        mine = {(day - 1) // 7 + 1, -((days_in_month - day) // 7 + 1)}
        candidates = mine if candidates is None else candidates & mine
    if not candidates:
        return None
    positive = [c for c in candidates if c > 0]
    ordinal = -1 if -1 in candidates else min(positive) if positive else max(candidates)
    return f"{ordinal}{_DAYS[run[0].onset.weekday()]}"


def _observance(run: list[_Transition], open_ended: bool):
    first = run[0]
    sub = TimezoneDaylight() if first.dst else TimezoneStandard()
    sub.add("DTSTART", first.onset)
    sub.add("TZOFFSETFROM", first.before)
    sub.add("TZOFFSETTO", first.after)
    sub.add("TZNAME", first.name or _offset_name(first.after))
    if len(run) > 1 or open_ended:
        rule = {"FREQ": "YEARLY", "BYMONTH": first.onset.month, "BYDAY": _byday(run)}
        if not open_ended:
            rule["UNTIL"] = run[-1].at
        sub.add("RRULE", vRecur(rule))
    return sub


def _onsets(sub, start: datetime, before: timedelta, year: int) -> list[datetime]:
    """Local onsets of one observance up to ``year + 1``: DTSTART, RDATEs, and a yearly RRULE from ``year - 1``."""
    low, high = datetime(year - 1, 1, 1), datetime(year + 2, 1, 1)
    found = [start] if start < high else []
    rdates = sub.get("RDATE") or []
    for group in (rdates if isinstance(rdates, list) else [rdates])[:50]:
        for item in getattr(group, "dts", [])[:50]:
            when = getattr(item, "dt", None)
            if isinstance(when, datetime) and when.replace(tzinfo=None) < high:
                found.append(when.replace(tzinfo=None))
    rule = sub.get("RRULE")
    if rule is not None and _safe_rule(rule):
        found += _expand_yearly(rule, start, before, low, high)
    return found


def _safe_rule(rule) -> bool:
    allowed = {"FREQ", "BYMONTH", "BYDAY", "BYMONTHDAY", "INTERVAL", "UNTIL", "COUNT", "WKST"}
    freq = rule.get("FREQ", [])
    freq = [freq] if isinstance(freq, str) else freq
    return set(rule) <= allowed and [str(f).upper() for f in freq] == ["YEARLY"]


_BYDAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_COUNT_YEARS = 400  # a COUNT is only followed this many years from DTSTART (counting needs every year)


def _expand_yearly(rule, start: datetime, before: timedelta, low: datetime, high: datetime) -> list[datetime]:
    """Onsets of a yearly rule in [low, high], computed year by year without a general RRULE engine.

    dateutil spends ~0.7 s looping to year 9999 on a rule that never matches (BYMONTH=2;BYMONTHDAY=30)
    and walks every year from DTSTART (1601 in Outlook's zones, year 1 in a hostile one), so a sender
    could make one VTIMEZONE cost seconds. Here the work is at most three years (``_COUNT_YEARS``
    with COUNT) of twelve months; forms a VTIMEZONE has no use for (BYDAY without BYMONTH) are not followed.
    """
    try:
        parts = _rule_parts(rule)
    except (ValueError, TypeError, AttributeError, IndexError):
        return []
    if parts is None:
        return []
    interval, months, monthdays, bydays, count = parts
    until = _until_local(rule, before)
    if count is not None and high.year - start.year > _COUNT_YEARS:
        return []
    found, seen = [], 0
    for year in range(start.year if count is not None else max(start.year, low.year), high.year + 1):
        if (year - start.year) % interval:
            continue
        for when in _in_year(year, months or [start.month], monthdays, bydays, start):
            if when < start:
                continue
            seen += 1
            if (until is not None and when > until) or (count is not None and seen > count):
                return found
            if low <= when <= high:
                found.append(when)
    return found[:50]


def _rule_parts(rule):
    """(interval, months, monthdays, bydays, count) of a yearly rule, or None when it is not one we follow."""
    interval = int(rule.get("INTERVAL", [1])[0])
    months = [int(str(m)) for m in rule.get("BYMONTH", [])]
    monthdays = [int(d) for d in rule.get("BYMONTHDAY", [])]
    bydays = []
    for item in rule.get("BYDAY", []):
        match = _BYDAY.match(str(item).upper().replace(" ", ""))
        if match is None:
            return None
        bydays.append((int(match.group(1)) if match.group(1) else None, _DAYS.index(match.group(2))))
    count = int(rule["COUNT"][0]) if rule.get("COUNT") else None
    if interval < 1 or any(not 1 <= m <= 12 for m in months) or any(not 1 <= abs(d) <= 31 for d in monthdays):
        return None
    if bydays and not months:
        return None
    return interval, months, monthdays, bydays, count


def _until_local(rule, before: timedelta) -> datetime | None:
    values = rule.get("UNTIL") or []
    if not values:
        return None
    last = values[0]
    if not isinstance(last, datetime):
        return datetime.combine(last, datetime.max.time())
    if last.tzinfo is not None:
        return last.astimezone(timezone.utc).replace(tzinfo=None) + before
    return last


def _in_year(year: int, months: list[int], monthdays: list[int], bydays: list, start: datetime) -> list[datetime]:
    """The rule's days in ``year`` at DTSTART's time of day, in order (RFC 5545 §3.3.10, YEARLY with BYMONTH)."""
    found = []
    for month in sorted(set(months)):
        length = _calendar.monthrange(year, month)[1]
        days = set(range(1, length + 1))
        if monthdays:
            days &= {d if d > 0 else length + 1 + d for d in monthdays}
        if bydays:
            picked = set()
            for ordinal, weekday in bydays:
                matching = [d for d in range(1, length + 1) if _calendar.weekday(year, month, d) == weekday]
                if ordinal is None:
                    picked.update(matching)
                elif -len(matching) <= (ordinal - 1 if ordinal > 0 else ordinal) < len(matching):
                    picked.add(matching[ordinal - 1 if ordinal > 0 else ordinal])
            days &= picked
        if not monthdays and not bydays:
            days &= {start.day}
        found += [start.replace(year=year, month=month, day=day) for day in sorted(days)]
    return found


def _offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
