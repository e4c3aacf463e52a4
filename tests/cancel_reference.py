"""Stored weekly series for cancel and resume checks, and the old meeting-by-meeting composition
(``recurrence_of`` + ``cancel_from_request`` + ``with_exdate`` per meeting, then ``merge``) that
``ical_edit.cancelled`` replaced: the reference its bytes are compared with (tests/unit/
test_cancel_one_parse.py) and the baseline it is timed against (benchmarks/cancel.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from agent.calendar.imip import Attendee, build_request, cancel_from_request, occurrence_request, with_exdate, \
    with_override
from agent.domain.model import SeriesPlan
from agent.flows import ical_edit


def series(tzid: str, first: datetime, weeks: int, *, dtstamp: datetime,
           skipped: tuple[int, ...] = ()) -> tuple[bytes, list[datetime]]:
    """A stored weekly REQUEST from a local wall-clock start; returns it and the UTC meeting starts."""
    zone = ZoneInfo(tzid)
    local = [first.replace(tzinfo=zone) + timedelta(weeks=i) for i in range(weeks)]
    plan = SeriesPlan(tzid=tzid, dtstart=local[0], minutes=45, interval_weeks=1, count=weeks,
                      occurrences=tuple(d.astimezone(UTC) for i, d in enumerate(local) if i not in skipped),
                      exdates=tuple(local[i] for i in skipped))
    ics = build_request(plan, uid="ma-7@example.org", sequence=0, dtstamp=dtstamp, organizer_email="p@example.org",
                        organizer_name="Program", attendees=[Attendee("mia@example.org", "Mia"),
                                                             Attendee("tom@example.org", "Tom")],
                        summary="Mentoring: Tom & Mia", description="Program")
    return ics, list(plan.occurrences)


def moved(ics: bytes, start: datetime, new: datetime, *, dtstamp: datetime, sequence: int = 1) -> bytes:
    """The stored copy after a reschedule (what ``apply._reschedule`` keeps): an override VEVENT."""
    update = occurrence_request(ics, sequence=sequence, dtstamp=dtstamp, recurrence_id=start, new_start=new)
    return with_override(ics, update, sequence)


def old_cancel(stored: bytes, starts: list[datetime], *, sequence: int, dtstamp: datetime) -> tuple[bytes, bytes]:
    """``apply._cancel`` for one series as it was, meeting by meeting: (stored copy, CANCEL)."""
    original, cancels = stored, []
    for start in starts:
        rid = ical_edit.recurrence_of(stored, start)
        cancels.append(cancel_from_request(original, sequence=sequence, dtstamp=dtstamp, recurrence_id=rid))
        stored = with_exdate(stored, rid, sequence)
    return stored, ical_edit.merge(cancels)
