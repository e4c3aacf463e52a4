"""Building outbound iMIP objects (RFC 5546 §3.2.2 REQUEST, §3.2.5 CANCEL) from a SeriesPlan: values in, bytes out.

A series is written as ``DTSTART;TZID=<zone>`` with a weekly RRULE, EXDATEs for skipped dates and
a VTIMEZONE for the zone (``vtimezone.vtimezone_for``), so the wall-clock time never drifts across
daylight-saving changes. User text (summary, description, names) can hold anything: icalendar 7.3
escapes CR/LF inside TEXT values, and we also drop other control characters and the characters that
would end a parameter value, so no text can start a content line of its own.

The derived objects also exist on a parsed ``Calendar`` (``cancel_calendar``, ``occurrences_calendar``,
``add_exdate``; edited in place) so that several meetings of one series cost one parse, not one per
meeting; the bytes functions are thin wrappers over them and give the same bytes as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from hashlib import sha256
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur

from agent.calendar.vtimezone import vtimezone_for
from agent.domain.model import SeriesPlan

PRODID = "-//mentor-agent//EN"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PARAM_UNSAFE = re.compile(r'[\x00-\x1f\x7f"]')
_EMAIL = re.compile(r"^[^\s@<>\"';:,\\]+@[^\s@<>\"';:,\\]+$")


@dataclass(frozen=True)
class Attendee:
    """One invited person: ``role`` and ``partstat`` are the RFC 5545 §3.2.16/§3.2.12 values."""

    email: str
    name: str
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"


def series_uid(pair_key: str, phase: int, domain: str) -> str:
    """The stable UID of one pair's series for one cadence phase: the same inputs always give the same UID."""
    digest = sha256(f"{pair_key.strip().lower()}\x00{phase}".encode()).hexdigest()[:24]
    return f"ma-{digest}@{domain}"


def build_request(
    plan: SeriesPlan,
    *,
    uid: str,
    sequence: int,
    dtstamp: datetime,
    organizer_email: str,
    organizer_name: str,
    attendees: Sequence[Attendee],
    summary: str,
    description: str,
    location: str | None = None,
) -> bytes:
    """A METHOD:REQUEST calendar with one recurring VEVENT and its VTIMEZONE (RFC 5546 §3.2.2)."""
    zone = ZoneInfo(plan.tzid)
    event = _base_event(uid, sequence, dtstamp, organizer_email, organizer_name, attendees, summary, rsvp=True)
    _add_series(event, plan, zone)
    event.add("DESCRIPTION", _text(description))
    if location:
        event.add("LOCATION", _text(location))
        if re.match(r"^https?://\S+$", location.strip()):
            event.add("URL", location.strip())
    event.add("STATUS", "CONFIRMED")
    event.add("TRANSP", "OPAQUE")
    return _calendar("REQUEST", event, plan.tzid, _years(plan, zone))


def build_cancel(
    *,
    uid: str,
    sequence: int,
    dtstamp: datetime,
    organizer_email: str,
    organizer_name: str,
    attendees: Sequence[Attendee],
    summary: str,
    plan: SeriesPlan | None = None,
    recurrence_id: datetime | None = None,
) -> bytes:
    """A METHOD:CANCEL for the whole series, or for one occurrence when ``recurrence_id`` is given (§3.2.5).

    A series cancellation needs ``plan``: DTSTART and the RRULE make the object complete, which
    calendar stores (CalDAV) require and clients use to match what they remove.
    """
    if plan is None and recurrence_id is None:
        raise ValueError("a series cancellation needs the plan (DTSTART and RRULE) or a recurrence_id")
    event = _base_event(uid, sequence, dtstamp, organizer_email, organizer_name, attendees, summary, rsvp=False)
    tzid, years = None, (0, 0)
    if recurrence_id is not None:
        if recurrence_id.tzinfo is None:
            raise ValueError("recurrence_id must be timezone-aware")
        zone = ZoneInfo(plan.tzid) if plan else _zone_of(recurrence_id)
        local = recurrence_id.astimezone(zone)
        event.add("RECURRENCE-ID", local)
        event.add("DTSTART", local)
        if plan is not None:
            event.add("DTEND", (recurrence_id + plan.duration).astimezone(zone))
        tzid = getattr(zone, "key", None) if zone is not timezone.utc else None
        years = (local.year, local.year)
    elif plan is not None:
        zone = ZoneInfo(plan.tzid)
        _add_series(event, plan, zone)
        tzid, years = plan.tzid, _years(plan, zone)
    event.add("STATUS", "CANCELLED")
    return _calendar("CANCEL", event, tzid, years)


def cancel_from_request(request: bytes, *, sequence: int, dtstamp: datetime,
                        recurrence_id: datetime | None = None) -> bytes:
    """The METHOD:CANCEL for a series (or one of its occurrences) built from the REQUEST we stored.

    Everything that identifies the meeting (UID, DTSTART;TZID, RRULE, EXDATE, VTIMEZONE, ORGANIZER,
    ATTENDEEs) is kept as the attendees' calendars know it; SEQUENCE is raised by the caller.
    """
    recurrence_ids = [recurrence_id] if recurrence_id is not None else []
    return cancel_calendar(Calendar.from_ical(request), sequence=sequence, dtstamp=dtstamp,
                           recurrence_ids=recurrence_ids).to_ical()


def cancel_calendar(calendar: Calendar, *, sequence: int, dtstamp: datetime,
                    recurrence_ids: Sequence[datetime] = ()) -> Calendar:
    """``cancel_from_request`` on a parsed calendar, turned in place into the CANCEL and returned: for
    the whole series, or one VEVENT per RECURRENCE-ID (in that order), as one message (§3.2.5)."""
    event = _derive(calendar, "CANCEL", sequence, dtstamp)
    event.add("STATUS", "CANCELLED")
    _occurrences(calendar, event, [(rid, rid) for rid in recurrence_ids])
    return calendar


def occurrence_request(request: bytes, *, sequence: int, dtstamp: datetime, recurrence_id: datetime,
                       new_start: datetime) -> bytes:
    """A METHOD:REQUEST that moves one occurrence (RFC 5546 §3.2.2): RECURRENCE-ID names the original
    start, DTSTART/DTEND the new time, in the series' zone; every attendee is asked to answer again."""
    return occurrences_calendar(Calendar.from_ical(request), sequence=sequence, dtstamp=dtstamp,
                                moves=[(recurrence_id, new_start)]).to_ical()


def occurrences_calendar(calendar: Calendar, *, sequence: int, dtstamp: datetime,
                         moves: Sequence[tuple[datetime, datetime]]) -> Calendar:
    """``occurrence_request`` on a parsed calendar for several ``(recurrence_id, new_start)`` at once,
    turned in place into one REQUEST with a VEVENT per occurrence (in that order) and returned."""
    event = _derive(calendar, "REQUEST", sequence, dtstamp)
    event.add("STATUS", "CONFIRMED")
    for attendee in _attendees(event):  # shared by the copies below: asked once, answered per meeting
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE"
    _occurrences(calendar, event, moves)
    return calendar


def series_update(request: bytes, plan: SeriesPlan, *, sequence: int, dtstamp: datetime) -> bytes:
    """A METHOD:REQUEST for a changed series (RFC 5546 §3.2.2.1, "rescheduling"): the stored REQUEST
    with DTSTART, DTEND, RRULE and EXDATE taken from ``plan``, SEQUENCE raised, a VTIMEZONE covering
    the new span, overrides dropped, and every attendee asked to answer again.

    Used when the whole series moves (an accepted COUNTER) or is extended (a renewal)."""
    calendar, event = _derived(request, "REQUEST", sequence, dtstamp)
    zone = ZoneInfo(plan.tzid)
    for name in ("DTSTART", "DTEND", "RRULE", "EXDATE", "RDATE", "DURATION"):
        event.pop(name, None)
    _add_series(event, plan, zone)
    event.add("STATUS", "CONFIRMED")
    for attendee in _attendees(event):
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE"
    calendar.subcomponents = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    first, last = _years(plan, zone)
    calendar.subcomponents.insert(0, vtimezone_for(plan.tzid, first, last))
    return calendar.to_ical()


def series_exdates(request: bytes) -> tuple[datetime, ...]:
    """The EXDATEs of our stored series (aware, in the series' zone), to carry them into a changed series."""
    master = next(e for e in Calendar.from_ical(request).walk("VEVENT") if "RECURRENCE-ID" not in e)
    value = master.get("EXDATE")
    lists = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(sorted(d.dt for item in lists for d in item.dts))


def declinecounter(request: bytes, *, sequence: int, dtstamp: datetime, attendee: str,
                   recurrence_id: datetime | None, comment: str) -> bytes:
    """METHOD:DECLINECOUNTER (RFC 5546 §3.2.8) to the attendee whose COUNTER is refused; the meeting
    stays as it was (same SEQUENCE), the COMMENT says why and offers alternatives in words."""
    calendar, event = _derived(request, "DECLINECOUNTER", sequence, dtstamp)
    for name in ("RRULE", "EXDATE", "DESCRIPTION", "LOCATION", "URL", "TRANSP"):
        event.pop(name, None)
    event.pop("ATTENDEE", None)
    event.add("ATTENDEE", _address(attendee, {}))
    if recurrence_id is not None:
        start = event.decoded("DTSTART")
        event.add("RECURRENCE-ID", recurrence_id.astimezone(start.tzinfo))
    event.add("COMMENT", _text(comment))
    return calendar.to_ical()


def with_override(stored: bytes, update: bytes, sequence: int) -> bytes:
    """The program's copy of a series with one occurrence moved: the series (SEQUENCE raised) plus
    the occurrence from ``update`` as an override VEVENT (replacing an earlier one for that date)."""
    calendar, master = _stored(stored, sequence)
    moved = next(e for e in Calendar.from_ical(update).walk("VEVENT"))
    _drop_override(calendar, moved.decoded("RECURRENCE-ID"))
    calendar.add_component(moved)
    return calendar.to_ical()


def with_exdate(stored: bytes, recurrence_id: datetime, sequence: int) -> bytes:
    """The program's copy of a series with one occurrence cancelled: an EXDATE in the series' zone."""
    calendar = Calendar.from_ical(stored)
    add_exdate(calendar, recurrence_id, sequence)
    return calendar.to_ical()


def add_exdate(calendar: Calendar, recurrence_id: datetime, sequence: int) -> None:
    """``with_exdate`` on a parsed calendar, in place; call it once per meeting, in order."""
    master = _raise_sequence(calendar, sequence)
    zone = master.decoded("DTSTART").tzinfo
    master.add("EXDATE", recurrence_id.astimezone(zone))
    _drop_override(calendar, recurrence_id)


def _stored(stored: bytes, sequence: int):
    calendar = Calendar.from_ical(stored)
    return calendar, _raise_sequence(calendar, sequence)


def _raise_sequence(calendar: Calendar, sequence: int):
    master = next(e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e)
    master.pop("SEQUENCE", None)
    master.add("SEQUENCE", sequence)
    return master


def _drop_override(calendar: Calendar, recurrence_id: datetime) -> None:
    calendar.subcomponents = [c for c in calendar.subcomponents
                              if not (c.name == "VEVENT" and "RECURRENCE-ID" in c
                                      and c.decoded("RECURRENCE-ID") == recurrence_id)]


def _derived(request: bytes, method: str, sequence: int, dtstamp: datetime):
    """Our stored REQUEST re-issued under another METHOD with a new SEQUENCE and DTSTAMP."""
    if dtstamp.tzinfo is None:
        raise ValueError("dtstamp must be timezone-aware")  # before parsing, as always
    calendar = Calendar.from_ical(request)
    return calendar, _derive(calendar, method, sequence, dtstamp)


def _derive(calendar: Calendar, method: str, sequence: int, dtstamp: datetime) -> Event:
    """``_derived`` in place on a parsed calendar; returns its one remaining VEVENT (the series)."""
    if dtstamp.tzinfo is None:
        raise ValueError("dtstamp must be timezone-aware")
    calendar["METHOD"] = method
    event = next(e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e)
    for other in [e for e in calendar.subcomponents if e.name == "VEVENT" and e is not event]:
        calendar.subcomponents.remove(other)  # overrides are re-sent on their own
    for name in ("SEQUENCE", "DTSTAMP", "STATUS"):
        event.pop(name, None)
    event.add("SEQUENCE", sequence)
    event.add("DTSTAMP", dtstamp.astimezone(timezone.utc))
    for attendee in _attendees(event):
        attendee.params.pop("RSVP", None)
    return event


def _occurrences(calendar: Calendar, event: Event, moves: Sequence[tuple[datetime, datetime]]) -> None:
    """The series VEVENT as one VEVENT per ``(recurrence_id, start)``, appended in order. The copies
    are shallow (property values shared, never mutated afterwards), taken before ``event`` changes."""
    copies = [_shallow(event) for _ in moves[1:]]
    for target, (recurrence_id, start) in zip([event, *copies], moves):
        _single(target, recurrence_id, start)
    calendar.subcomponents.extend(copies)


def _shallow(event: Event) -> Event:
    copy = event.copy()
    copy.subcomponents = list(event.subcomponents)
    return copy


def _single(event: Event, recurrence_id: datetime, start: datetime) -> None:
    """Turn the series VEVENT into the one occurrence ``recurrence_id``, starting at ``start``."""
    if recurrence_id.tzinfo is None or start.tzinfo is None:
        raise ValueError("recurrence_id and start must be timezone-aware")
    first, end = event.decoded("DTSTART"), event.decoded("DTEND")
    zone = first.tzinfo
    for name in ("RRULE", "EXDATE", "DTSTART", "DTEND"):
        event.pop(name, None)
    event.add("RECURRENCE-ID", recurrence_id.astimezone(zone))
    event.add("DTSTART", start.astimezone(zone))
    event.add("DTEND", start.astimezone(zone) + (end - first))


def _attendees(event: Event) -> list:
    value = event.get("ATTENDEE", [])
    return value if isinstance(value, list) else [value]


def _base_event(uid, sequence, dtstamp, organizer_email, organizer_name, attendees, summary, *, rsvp) -> Event:
    if dtstamp.tzinfo is None:
        raise ValueError("dtstamp must be timezone-aware")
    event = Event()
    event.add("UID", _line(uid))
    event.add("SEQUENCE", int(sequence))
    event.add("DTSTAMP", dtstamp.astimezone(timezone.utc))
    event.add("ORGANIZER", _address(organizer_email, {"CN": _param(organizer_name)}))
    for person in attendees:
        params = {
            "CUTYPE": "INDIVIDUAL",
            "ROLE": _param(person.role).upper(),
            "PARTSTAT": _param(person.partstat).upper(),
            "CN": _param(person.name),
        }
        if rsvp:
            params["RSVP"] = "TRUE"
        event.add("ATTENDEE", _address(person.email, params))
    event.add("SUMMARY", _text(summary))
    return event


def _add_series(event: Event, plan: SeriesPlan, zone: ZoneInfo) -> None:
    start = plan.dtstart.astimezone(zone)
    event.add("DTSTART", start)
    event.add("DTEND", (start.astimezone(timezone.utc) + plan.duration).astimezone(zone))
    event.add("RRULE", vRecur.from_ical(plan.rrule))
    if plan.exdates:
        event.add("EXDATE", [d.astimezone(zone) for d in sorted(plan.exdates)])


def _calendar(method: str, event: Event, tzid: str | None, years: tuple[int, int]) -> bytes:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", method)
    if tzid:
        cal.add_component(vtimezone_for(tzid, years[0], years[1]))
    cal.add_component(event)
    return cal.to_ical()


def _years(plan: SeriesPlan, zone: ZoneInfo) -> tuple[int, int]:
    """The calendar years the series touches, in its own zone, so the VTIMEZONE covers them all."""
    instants = [plan.dtstart, *plan.occurrences, *plan.exdates]
    instants += [max(instants) + plan.duration]
    years = [i.astimezone(zone).year for i in instants]
    return min(years), max(years)


def _zone_of(moment: datetime):
    return moment.tzinfo if isinstance(moment.tzinfo, ZoneInfo) else timezone.utc


def _address(email: str, params: dict[str, str]) -> vCalAddress:
    email = email.strip()
    if not _EMAIL.match(email):
        raise ValueError(f"not a plain e-mail address: {email!r}")
    address = vCalAddress(f"mailto:{email}")
    for key, value in params.items():
        if value:
            address.params[key] = value
    return address


def _text(value: str) -> str:
    """User text for a TEXT property: line breaks kept (icalendar escapes them), other controls dropped."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _line(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r", "").replace("\n", "")).strip()


def _param(value: str) -> str:
    """A parameter value (RFC 5545 §3.1: no DQUOTE or controls); icalendar quotes values holding ``;:,``."""
    return " ".join(_PARAM_UNSAFE.sub(" ", value).split())
