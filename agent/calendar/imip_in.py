"""Reading inbound iMIP answers (RFC 5546 §3.2.3 REPLY, §3.2.6 REFRESH, §3.2.7 COUNTER): bytes in, values out.

Inbound iCalendar is untrusted. Before icalendar sees a byte we bound the work: size, content-line
length and count, and component count are checked on the raw text; VTIMEZONE blocks are renamed to
a component icalendar does not know (it would otherwise expand their rules and cache them
process-wide under the sender's TZID); no RRULE is ever expanded. Time zone names are resolved in
this order: IANA, Outlook's Windows names (the CLDR ``windowsZones`` table that icalendar 7 ships),
vendor-prefixed ids, and last the sender's own VTIMEZONE evaluated with a bounded, yearly-only
reading (``vtimezone.local_to_utc``). Any failure of the parser below becomes ``CalendarRejected``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from agent.calendar.vtimezone import local_to_utc
from agent.domain.model import CalendarAnswer
from agent.errors import CalendarRejected

MAX_BYTES = 1_000_000
MAX_COMPONENTS = 50
MAX_LINE = 10_000
MAX_CONTENT_LINES = 2_000  # icalendar spends ~0.2 ms a line; real invitations have < 700
ANSWER_METHODS = ("REPLY", "COUNTER", "REFRESH")
PARTSTATS = ("ACCEPTED", "DECLINED", "TENTATIVE")

_FOLD = re.compile(r"\r?\n[ \t]")
_METHOD = re.compile(rb"^METHOD(?:;[^:\r\n]*)?:[ \t]*([A-Za-z-]+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_SENDER_ZONE = "X-MENTOR-AGENT-SENDER-VTIMEZONE"  # what a sender's VTIMEZONE is parsed as (see _read_calendar)


def method_of(data: bytes) -> str | None:
    """The METHOD of a text/calendar part, upper-cased, or None; a cheap look that parses nothing."""
    head = data[:MAX_BYTES]
    if b"BEGIN:VCALENDAR" not in head.upper():
        return None
    match = _METHOD.search(head)
    return match.group(1).decode("ascii").upper() if match else None


@dataclass(frozen=True)
class ItipObject:
    """What an inbound iTIP object of any METHOD says about its first event (REQUEST, CANCEL, REPLY ...)."""

    method: str
    uid: str
    sequence: int
    summary: str
    status: str | None
    start: datetime | None  # UTC
    end: datetime | None
    recurrence_id: datetime | None  # UTC; one occurrence of a series
    rrule: str | None
    organizer: str | None
    attendees: tuple[str, ...]


def read_itip(data: bytes) -> ItipObject:
    """Read any inbound iTIP object within the same bounds as ``parse_itip``; raise CalendarRejected."""
    return _refusing(_read_itip, data)


def _refusing(reader, data: bytes):
    """Run ``reader`` on untrusted bytes; any failure of the third-party parser below it becomes a refusal.

    icalendar raises its own errors (``BrokenCalendarProperty`` when a broken value is read,
    ``ValueError``, ``KeyError`` ...) lazily, long after ``from_ical``; a message must never crash the
    loop for that, and the administrator should read what was wrong, not a class name alone.
    """
    try:
        return reader(data)
    except CalendarRejected:
        raise
    except RecursionError as exc:
        raise CalendarRejected("the calendar object is nested too deeply to read") from exc
    except Exception as exc:  # hostile input reaching icalendar: refuse, never crash
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise CalendarRejected(f"the calendar object has a value that cannot be read: {detail}") from exc


def _read_itip(data: bytes) -> ItipObject:
    calendar, zones = _read_calendar(data)
    method = str(calendar.get("METHOD", "")).strip().upper()
    events = calendar.walk("VEVENT")
    if not method or not events:
        raise CalendarRejected("the calendar object has no METHOD or no VEVENT, so it is no invitation")
    event = events[0]
    start = _utc(event, "DTSTART", zones)
    rrule = event.get("RRULE")
    organizer = event.get("ORGANIZER")
    attendees = event.get("ATTENDEE") or []
    return ItipObject(
        method=method,
        uid=str(event.get("UID", "")).strip(),
        sequence=_sequence(event),
        summary=str(event.get("SUMMARY", "")).strip(),
        status=str(event.get("STATUS")).upper() if event.get("STATUS") else None,
        start=start,
        end=_utc(event, "DTEND", zones) or (_end_from_duration(event, start) if start else None),
        recurrence_id=_utc(event, "RECURRENCE-ID", zones),
        rrule=rrule.to_ical().decode() if rrule is not None else None,
        organizer=_address(organizer) if organizer is not None else None,
        attendees=tuple(_address(a) for a in (attendees if isinstance(attendees, list) else [attendees])),
    )


def _read_calendar(data: bytes) -> tuple[Calendar, dict[str, Component]]:
    """Parse untrusted iCalendar within bounds, with the sender's VTIMEZONEs kept aside (see module doc).

    icalendar caches every VTIMEZONE it parses process-wide under its TZID (``tzp.cache_timezone_component``),
    so one sender's zone would then define that TZID for everyone's later mail, and its rules would be
    expanded by dateutil without bound. Each BEGIN/END line naming VTIMEZONE (after unfolding, whatever
    its case, spacing or parameters) is therefore renamed to a private component icalendar does not know.
    """
    lines = _bounded_lines(data)
    opened = closed = 0
    for i, line in enumerate(lines):
        name = line.split(":", 1)[0].split(";", 1)[0].strip().upper()
        if name in ("BEGIN", "END") and line.rstrip().upper().endswith("VTIMEZONE"):
            lines[i] = f"{name}:{_SENDER_ZONE}"
            opened, closed = opened + (name == "BEGIN"), closed + (name == "END")
    if opened != closed:
        raise CalendarRejected("the calendar object has a VTIMEZONE that never ends (no END:VTIMEZONE)")
    try:
        calendar = Calendar.from_ical("\r\n".join(lines) + "\r\n")
    except Exception as exc:  # a third-party parser on hostile input: any failure is a refusal, not a crash
        detail = " ".join(str(exc).split())[:200]
        raise CalendarRejected(f"the calendar object could not be parsed: {detail}") from exc
    zones: dict[str, Component] = {}
    for zone in calendar.walk(_SENDER_ZONE)[:MAX_COMPONENTS]:
        zones.setdefault(str(zone.get("TZID", "")).strip(), zone)
    return calendar, zones


def parse_itip(data: bytes) -> CalendarAnswer:
    """Read one inbound iMIP REPLY, COUNTER or REFRESH; raise CalendarRejected with a reason a person can read."""
    return _refusing(_parse_itip, data)


def _parse_itip(data: bytes) -> CalendarAnswer:
    calendar, zones = _read_calendar(data)
    method = str(calendar.get("METHOD", "")).strip().upper()
    if not method:
        raise CalendarRejected("the calendar object has no METHOD, so it is not an invitation answer")
    if method not in ANSWER_METHODS:
        raise CalendarRejected(f"METHOD:{method} is not an answer we act on (only REPLY, COUNTER, REFRESH)")
    events = calendar.walk("VEVENT")
    if not events:
        raise CalendarRejected(f"the {method} contains no VEVENT")
    event = events[0]
    uid = str(event.get("UID", "")).strip()
    if not uid:
        raise CalendarRejected(f"the {method} has no UID, so it cannot name one of our meetings")
    attendee = _first(event.get("ATTENDEE"))
    if attendee is None or not _address(attendee):
        raise CalendarRejected(f"the {method} names no ATTENDEE, so we cannot tell who answered")
    partstat = str(attendee.params.get("PARTSTAT", "")).upper()
    proposed_start = proposed_end = None
    if method == "COUNTER":
        proposed_start = _utc(event, "DTSTART", zones)
        if proposed_start is None:
            raise CalendarRejected("the COUNTER proposes no new time (no DTSTART)")
        proposed_end = _utc(event, "DTEND", zones) or _end_from_duration(event, proposed_start)
    return CalendarAnswer(
        method=method,
        uid=uid,
        attendee=_address(attendee),
        partstat=partstat if partstat in PARTSTATS else None,
        sequence=_sequence(event),
        recurrence_id=_utc(event, "RECURRENCE-ID", zones),
        proposed_start=proposed_start,
        proposed_end=proposed_end,
        comment=_comment(event),
    )


def resolve_tzid(tzid: str) -> ZoneInfo | None:
    """The IANA zone a TZID means: an IANA name, a Windows name, or ``/vendor/.../Area/City``; None if unknown."""
    cleaned = tzid.strip().strip('"')
    candidates = [cleaned, WINDOWS_TO_OLSON.get(cleaned, "")]
    if cleaned.startswith("/"):
        parts = cleaned.strip("/").split("/")
        candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    for name in candidates:
        if name and not name.startswith("/") and ".." not in name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return None


def _bounded_lines(data: bytes) -> list[str]:
    """Check size, line count, line length and component count on the raw text, before any parser
    runs; the unfolded content lines."""
    if len(data) > MAX_BYTES:
        raise CalendarRejected(f"the calendar object is {len(data):,} bytes, over the {MAX_BYTES:,}-byte limit")
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise CalendarRejected("the attachment is not an iCalendar object (no BEGIN:VCALENDAR)")
    lines = _FOLD.sub("", text).splitlines()
    longest = max((len(line) for line in lines), default=0)
    if longest > MAX_LINE:
        raise CalendarRejected(f"the calendar object has a {longest:,}-character line, over the {MAX_LINE:,} limit")
    if len(lines) > MAX_CONTENT_LINES:
        raise CalendarRejected(f"the calendar object has {len(lines):,} lines, over the {MAX_CONTENT_LINES:,} limit")
    components = sum(1 for line in lines if line[:6].upper() == "BEGIN:")
    if components > MAX_COMPONENTS:
        raise CalendarRejected(f"the calendar object has {components} components, over the {MAX_COMPONENTS} limit")
    return [line for line in lines if line.strip()]


def _utc(event: Component, name: str, zones: dict[str, Component]) -> datetime | None:
    """A DTSTART/DTEND/RECURRENCE-ID as an aware UTC datetime, resolving the TZID ourselves."""
    prop = event.get(name)
    if prop is None:
        return None
    try:
        value = getattr(prop, "dt", None)
    except ValueError:  # icalendar 7: BrokenCalendarProperty when the value was unreadable at parse time
        value = None
    if not isinstance(value, date):
        raise CalendarRejected(f"{name} is not a date-time: {prop.to_ical().decode(errors='replace')[:80]}")
    if not isinstance(value, datetime):
        raise CalendarRejected(f"{name} is a whole day ({value}); our meetings have a start time")
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    tzid = str(prop.params.get("TZID", "")).strip()
    if not tzid:
        raise CalendarRejected(f"{name} {value:%Y-%m-%d %H:%M} has no time zone (floating time)")
    zone = resolve_tzid(tzid)
    if zone is not None:
        return value.replace(tzinfo=zone).astimezone(timezone.utc)
    own = zones.get(tzid)
    instant = local_to_utc(own, value) if own is not None else None
    if instant is None:
        raise CalendarRejected(f"{name} uses the unknown time zone {tzid!r} and no usable VTIMEZONE defines it")
    return instant


def _end_from_duration(event: Component, start: datetime) -> datetime | None:
    duration = getattr(event.get("DURATION"), "dt", None)
    return start + duration if isinstance(duration, timedelta) else None


def _first(value):
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _address(attendee) -> str:
    text = str(attendee).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _sequence(event: Component) -> int:
    try:
        return max(int(str(event.get("SEQUENCE", 0)).strip()), 0)
    except ValueError:
        return 0


def _comment(event: Component) -> str | None:
    value = event.get("COMMENT")
    if value is None:
        return None
    parts = value if isinstance(value, list) else [value]
    text = "\n".join(str(part) for part in parts).strip()
    return text or None
