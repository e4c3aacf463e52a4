"""Edits of the program's stored series that ``calendar.imip`` has no builder for. Pure: bytes in, bytes out.

- ``merge``: several one-occurrence iTIP objects of ONE series (same UID) as one message, so a pause
  of four meetings is one CANCEL with four RECURRENCE-IDs, not four mails (RFC 5546 §3.2.5 allows it).
- ``cancelled``: meetings of one series cancelled: the stored copy with their EXDATEs and the one
  CANCEL naming them, from ONE parse of the stored copy (skip, pause, out-of-office).
- ``resumed``: the reverse: the stored copy with their EXDATEs removed and one REQUEST re-adding them.
- ``without_exdate``: the stored copy with one cancelled occurrence brought back.
- ``truncated``: the stored copy cut short before an instant (COUNT lowered), or None when nothing
  would remain (then the whole series is cancelled instead).
- ``as_request``: the stored copy re-issued as METHOD:REQUEST with a new SEQUENCE and DTSTAMP.

``cancelled`` and ``resumed`` give exactly the bytes of composing the one-meeting functions
(``recurrence_of``, ``with_exdate``, ``cancel_from_request``, ``without_exdate``,
``occurrence_request``, ``merge``) meeting by meeting, which parsed the series three or four times per
meeting; they share those functions' object-level cores rather than copying them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from agent.calendar.imip_out import add_exdate, cancel_calendar, occurrences_calendar


def _master(calendar: Calendar):
    return next(e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e)


def _set(component, name: str, value) -> None:
    component.pop(name, None)
    component.add(name, value)


def merge(parts: list[bytes]) -> bytes:
    first = Calendar.from_ical(parts[0])
    for part in parts[1:]:
        for event in Calendar.from_ical(part).walk("VEVENT"):
            first.add_component(event)
    return first.to_ical()


def _exdates(master) -> list[datetime]:
    value = master.get("EXDATE")
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [d.dt for v in values for d in v.dts]


def cancelled(stored: bytes, starts: list[datetime], *, sequence: int,
              dtstamp: datetime) -> tuple[bytes, bytes]:
    """(the stored copy with an EXDATE per meeting, the CANCEL with one VEVENT per RECURRENCE-ID) for
    the meetings now starting at ``starts`` (one series, in order; a moved meeting is named by its id)."""
    calendar, ids = Calendar.from_ical(stored), []
    for start in starts:  # one by one: a dropped override no longer names a later meeting
        ids.append(recurrence_in(calendar, start))
        add_exdate(calendar, ids[-1], sequence)
    kept = calendar.to_ical()  # before the calendar becomes the CANCEL
    return kept, cancel_calendar(calendar, sequence=sequence, dtstamp=dtstamp, recurrence_ids=ids).to_ical()


def resumed(stored: bytes, starts: list[datetime], *, sequence: int, dtstamp: datetime) -> tuple[bytes, bytes]:
    """(the stored copy with the EXDATEs of ``starts`` removed, one REQUEST with a VEVENT per meeting
    re-adding it at its own time) for cancelled meetings of one series, in order."""
    calendar = Calendar.from_ical(stored)
    for start in starts:
        remove_exdate(calendar, start, sequence)
    kept = calendar.to_ical()
    request = occurrences_calendar(calendar, sequence=sequence, dtstamp=dtstamp, moves=[(s, s) for s in starts])
    return kept, request.to_ical()


def without_exdate(stored: bytes, start: datetime, sequence: int) -> bytes:
    calendar = Calendar.from_ical(stored)
    remove_exdate(calendar, start, sequence)
    return calendar.to_ical()


def remove_exdate(calendar: Calendar, start: datetime, sequence: int) -> None:
    """``without_exdate`` on a parsed calendar, in place."""
    master = _master(calendar)
    zone = master.decoded("DTSTART").tzinfo
    kept = [d for d in _exdates(master) if d.astimezone(UTC) != start.astimezone(UTC)]
    master.pop("EXDATE", None)
    for moment in kept:
        master.add("EXDATE", moment.astimezone(zone) if moment.tzinfo else moment)
    _set(master, "SEQUENCE", sequence)


def instances(stored: bytes, tzid: str) -> list[datetime]:
    """Every start the series' RRULE generates (EXDATEs included), as UTC instants."""
    master = _master(Calendar.from_ical(stored))
    zone = ZoneInfo(tzid)
    first = master.decoded("DTSTART").replace(tzinfo=None)
    rule = master.get("RRULE") or {}
    interval = int((rule.get("INTERVAL") or [1])[0])
    count = int((rule.get("COUNT") or [1])[0])
    return [(first + timedelta(weeks=interval * i)).replace(tzinfo=zone).astimezone(UTC) for i in range(count)]


def truncated(stored: bytes, tzid: str, before: datetime, sequence: int) -> bytes | None:
    keep = sum(1 for moment in instances(stored, tzid) if moment < before)
    if keep == 0:
        return None
    calendar = Calendar.from_ical(stored)
    master = _master(calendar)
    rule = master["RRULE"]
    rule["COUNT"] = [keep]
    rule.pop("UNTIL", None)
    kept = [d for d in _exdates(master) if d.astimezone(UTC) < before]
    master.pop("EXDATE", None)
    zone = master.decoded("DTSTART").tzinfo
    for moment in kept:
        master.add("EXDATE", moment.astimezone(zone))
    calendar.subcomponents = [c for c in calendar.subcomponents
                              if not (c.name == "VEVENT" and "RECURRENCE-ID" in c
                                      and c.decoded("RECURRENCE-ID").astimezone(UTC) >= before)]
    _set(master, "SEQUENCE", sequence)
    return calendar.to_ical()


def as_request(stored: bytes, sequence: int, dtstamp: datetime) -> bytes:
    calendar = Calendar.from_ical(stored)
    _set(calendar, "METHOD", "REQUEST")
    master = _master(calendar)
    calendar.subcomponents = [c for c in calendar.subcomponents if c.name != "VEVENT" or c is master]
    _set(master, "SEQUENCE", sequence)
    _set(master, "DTSTAMP", dtstamp.astimezone(UTC))
    return calendar.to_ical()


def text_of(stored: bytes, name: str) -> str | None:
    value = _master(Calendar.from_ical(stored)).get(name)
    return str(value) if value is not None else None


def recurrence_of(stored: bytes, start: datetime) -> datetime:
    """The RECURRENCE-ID of the meeting now starting at ``start``: an override moved earlier keeps the
    original start as its id; any other meeting is its own id."""
    return recurrence_in(Calendar.from_ical(stored), start)


def recurrence_in(calendar: Calendar, start: datetime) -> datetime:
    """``recurrence_of`` on a parsed calendar."""
    for event in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" in event and event.decoded("DTSTART").astimezone(UTC) == start.astimezone(UTC):
            return event.decoded("RECURRENCE-ID").astimezone(UTC)
    return start
