"""An iCalendar series as the fields an Exchange event has: pure, bytes in, values out.

Exchange (EWS or Graph) cannot store an iCalendar document as it is, so each adapter writes an
event with the series' subject, times and recurrence (what Exchange needs to show the time as
busy and expand the occurrences) and keeps the whole document in an extended property, so ``get``
returns exactly what ``put`` was given. Recurrences Exchange has no pattern for (BYSETPOS, several
BYMONTHDAYs, SECONDLY…) are left out of the event with ``rule=None``; the document keeps them.
Exceptions (EXDATE, RECURRENCE-ID overrides) live in the document only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar

from agent.errors import CalendarRejected

WEEKDAYS = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday", "FR": "friday",
            "SA": "saturday", "SU": "sunday"}
WEEK_INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


@dataclass(frozen=True)
class Rule:
    """A recurrence Exchange can express: Graph's ``patternedRecurrence``, EWS's ``Recurrence``."""

    kind: str  # daily | weekly | absoluteMonthly | relativeMonthly
    interval: int = 1
    weekdays: tuple[str, ...] = ()  # "monday" ...
    month_day: int | None = None
    week_index: str | None = None  # first ... fourth, last
    count: int | None = None
    until: date | None = None  # last day, inclusive, in the event's zone
    first_day_of_week: str = "monday"


@dataclass(frozen=True)
class EventShape:
    summary: str
    description: str
    location: str
    start: datetime  # aware; for all-day events midnight UTC of the day
    end: datetime
    zone: str  # IANA name of DTSTART's zone, "UTC" if none
    all_day: bool
    rule: Rule | None
    busy: bool  # TRANSP:OPAQUE and not cancelled


def shape_of(ics: bytes) -> EventShape:
    """The master VEVENT of ``ics`` (the one without RECURRENCE-ID) as an ``EventShape``."""
    try:
        calendar = Calendar.from_ical(ics)
    except ValueError as exc:
        raise CalendarRejected(f"not an iCalendar object: {exc}") from exc
    events = [e for e in calendar.walk("VEVENT") if e.get("RECURRENCE-ID") is None]
    if not events or events[0].get("DTSTART") is None:
        raise CalendarRejected("the iCalendar object has no VEVENT with a DTSTART")
    event = events[0]
    raw_start = event["DTSTART"].dt
    all_day = not isinstance(raw_start, datetime)
    start = _aware(raw_start)
    if event.get("DTEND") is not None:
        end = _aware(event["DTEND"].dt)
    elif event.get("DURATION") is not None:
        end = start + event["DURATION"].dt
    else:
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    zone = getattr(start.tzinfo, "key", None) or "UTC"
    if zone != "UTC" and not all_day:
        start, end = start, end.astimezone(start.tzinfo)
    cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
    opaque = str(event.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"
    return EventShape(
        summary=str(event.get("SUMMARY", "")), description=str(event.get("DESCRIPTION", "")),
        location=str(event.get("LOCATION", "")), start=start, end=end, zone=zone, all_day=all_day,
        rule=rule_of(event.get("RRULE"), start), busy=opaque and not cancelled,
    )


def rule_of(rrule, start: datetime) -> Rule | None:
    """RFC 5545 §3.3.10 RRULE → ``Rule``; None when absent or beyond what Exchange patterns hold."""
    if not rrule:
        return None
    parts = {k.upper(): v for k, v in rrule.items()}
    if set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"}:
        return None
    freq = parts["FREQ"][0].upper()
    interval = int(parts.get("INTERVAL", [1])[0])
    count = int(parts["COUNT"][0]) if "COUNT" in parts else None
    until = parts["UNTIL"][0] if "UNTIL" in parts else None
    if isinstance(until, datetime):
        until = _aware(until).astimezone(start.tzinfo).date()
    wkst = WEEKDAYS.get(str(parts.get("WKST", ["MO"])[0]).upper(), "monday")
    byday = [str(d).upper() for d in parts.get("BYDAY", [])]
    common = dict(interval=interval, count=count, until=until, first_day_of_week=wkst)
    if freq == "DAILY" and not byday and "BYMONTHDAY" not in parts:
        return Rule("daily", **common)
    if freq == "WEEKLY" and "BYMONTHDAY" not in parts and all(d in WEEKDAYS for d in byday):
        days = tuple(WEEKDAYS[d] for d in byday) or (start.strftime("%A").lower(),)
        return Rule("weekly", weekdays=days, **common)
    if freq == "MONTHLY" and not byday:
        days = parts.get("BYMONTHDAY", [start.day])
        if len(days) == 1 and int(days[0]) > 0:
            return Rule("absoluteMonthly", month_day=int(days[0]), **common)
    if freq == "MONTHLY" and len(byday) == 1 and "BYMONTHDAY" not in parts:
        index, day = byday[0][:-2], byday[0][-2:]
        if day in WEEKDAYS and index.lstrip("+-").isdigit() and int(index) in WEEK_INDEX:
            return Rule("relativeMonthly", weekdays=(WEEKDAYS[day],), week_index=WEEK_INDEX[int(index)], **common)
    return None


def _aware(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if value.tzinfo is None:  # floating time: read as UTC
        return value.replace(tzinfo=timezone.utc)
    return value
