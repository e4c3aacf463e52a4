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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil import rrule as _rrule
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
    followed, and only onsets in the year before, of and after ``local`` are produced.
    """
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


def _expand_yearly(rule, start: datetime, before: timedelta, low: datetime, high: datetime) -> list[datetime]:
    try:
        text = rule.to_ical().decode()
        until = rule.get("UNTIL")
        if until:
            text = ";".join(p for p in text.split(";") if not p.upper().startswith("UNTIL="))
        parsed = _rrule.rrulestr(text, dtstart=start)
        if until:
            last = until[0]
            last = last if isinstance(last, datetime) else datetime.combine(last, datetime.min.time())
            if last.tzinfo is not None:
                last = last.astimezone(timezone.utc).replace(tzinfo=None) + before
            parsed = parsed.replace(until=last)
        return list(parsed.between(low, high, inc=True))[:50]
    except (ValueError, TypeError, AttributeError, IndexError):
        return []


def _offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
