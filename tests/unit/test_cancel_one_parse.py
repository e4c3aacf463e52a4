"""Cancelling and resuming meetings from ONE parse of the stored series gives the very bytes of the old
meeting-by-meeting composition (``recurrence_of`` + ``cancel_from_request`` + ``with_exdate`` per
meeting, then ``merge``; ``without_exdate`` + ``occurrence_request`` per meeting, then ``merge``).

The old composition lives here only, as the reference: ``agent.flows.apply`` uses
``ical_edit.cancelled`` and ``ical_edit.resumed``. Each case is a stored series (as the store keeps
it, overrides included) and the meetings a skip, pause or out-of-office cancels, in the order
``ctx.upcoming()`` gives them.
"""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

import cancel_reference as reference
from agent.calendar.imip import cancel_from_request, occurrence_request, with_exdate
from agent.flows import ical_edit

STAMP = datetime(2027, 3, 2, 7, 30, tzinfo=UTC)
SEQUENCE = 3


def series(tzid: str, first: datetime, weeks: int, *, skipped: tuple[int, ...] = ()) -> tuple[bytes, list[datetime]]:
    return reference.series(tzid, first, weeks, dtstamp=STAMP, skipped=skipped)


def moved(ics: bytes, start: datetime, new: datetime, sequence: int = 1) -> bytes:
    return reference.moved(ics, start, new, dtstamp=STAMP, sequence=sequence)


def old_cancel(stored: bytes, starts: list[datetime]) -> tuple[bytes, bytes]:
    """The reference: ``apply._cancel`` for one series as it was, meeting by meeting."""
    return reference.old_cancel(stored, starts, sequence=SEQUENCE, dtstamp=STAMP)


def old_resume(stored: bytes, starts: list[datetime]) -> tuple[bytes, bytes]:
    """The reference: ``apply._resume`` for one series as it was."""
    requests = []
    for start in starts:
        stored = ical_edit.without_exdate(stored, start, SEQUENCE)
        requests.append(occurrence_request(stored, sequence=SEQUENCE, dtstamp=STAMP, recurrence_id=start,
                                           new_start=start))
    return stored, ical_edit.merge(requests)


BERLIN, meetings = series("Europe/Berlin", datetime(2027, 3, 8, 18, 0), 6)  # DST starts 2027-03-28
NEW_YORK, ny = series("America/New_York", datetime(2027, 10, 25, 9, 30), 5)  # DST ends 2027-11-07
UTC_SERIES, utc = series("UTC", datetime(2027, 3, 1, 10, 0), 4)
SKIPPED, skipped = series("Asia/Kolkata", datetime(2027, 3, 3, 15, 0), 6, skipped=(1,))
MOVED_TO = meetings[2] + timedelta(days=1, hours=-2)
LATER = moved(BERLIN, meetings[2], MOVED_TO)
EARLIER = moved(moved(BERLIN, meetings[1], meetings[1] - timedelta(days=2)), meetings[4],
                meetings[4] + timedelta(hours=1), sequence=2)

CANCEL_CASES = {
    "one meeting": (BERLIN, meetings[:1]),
    "three meetings in one series": (BERLIN, meetings[1:4]),
    "every meeting": (BERLIN, meetings),
    "across the DST start": (BERLIN, meetings[2:5]),
    "across the DST end": (NEW_YORK, ny[1:4]),
    "UTC series, one": (UTC_SERIES, utc[2:3]),
    "UTC series, three": (UTC_SERIES, utc[:3]),
    "override on the cancelled date": (LATER, [MOVED_TO]),
    "override among three": (LATER, [meetings[1], MOVED_TO, meetings[3]]),
    "override kept, others cancelled": (LATER, [meetings[0], meetings[4]]),
    "two overrides, one moved earlier": (EARLIER, [meetings[1] - timedelta(days=2), meetings[3],
                                                   meetings[4] + timedelta(hours=1)]),
    "series with a skipped date": (SKIPPED, skipped[:3]),
}


@pytest.mark.parametrize("stored, starts", CANCEL_CASES.values(), ids=CANCEL_CASES.keys())
def test_cancelled_is_byte_identical_to_the_meeting_by_meeting_composition(stored, starts):
    assert ical_edit.cancelled(stored, starts, sequence=SEQUENCE, dtstamp=STAMP) == old_cancel(stored, starts)


@pytest.mark.parametrize("stored, starts", CANCEL_CASES.values(), ids=CANCEL_CASES.keys())
def test_the_cancel_names_each_meeting_once_and_the_stored_copy_excludes_each(stored, starts):
    kept, cancel = ical_edit.cancelled(stored, starts, sequence=SEQUENCE, dtstamp=STAMP)
    events = Calendar.from_ical(cancel).walk("VEVENT")
    ids = [ical_edit.recurrence_of(stored, s) for s in starts]
    assert [e.decoded("RECURRENCE-ID").astimezone(UTC) for e in events] == [i.astimezone(UTC) for i in ids]
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"} and {e["SEQUENCE"] for e in events} == {SEQUENCE}
    master = next(e for e in Calendar.from_ical(kept).walk("VEVENT") if "RECURRENCE-ID" not in e)
    exdates = master.get("EXDATE")
    exdates = exdates if isinstance(exdates, list) else [exdates]
    assert {i.astimezone(UTC) for i in ids} <= {d.dt.astimezone(UTC) for v in exdates for d in v.dts}


def test_the_single_meeting_functions_still_build_what_they_built():
    stored, starts = CANCEL_CASES["override on the cancelled date"]
    kept, cancel = ical_edit.cancelled(stored, starts, sequence=SEQUENCE, dtstamp=STAMP)
    rid = ical_edit.recurrence_of(stored, starts[0])
    assert rid == meetings[2]
    assert cancel == cancel_from_request(stored, sequence=SEQUENCE, dtstamp=STAMP, recurrence_id=rid)
    assert kept == with_exdate(stored, rid, SEQUENCE)


RESUME_CASES = {
    "one of three back": (old_cancel(BERLIN, meetings[1:4])[0], meetings[2:3]),
    "three back across DST": (old_cancel(BERLIN, meetings[1:4])[0], meetings[1:4]),
    "New York, two back": (old_cancel(NEW_YORK, ny[1:4])[0], [ny[1], ny[3]]),
    "UTC, two back": (old_cancel(UTC_SERIES, utc[:3])[0], utc[:2]),
    "skipped date stays skipped": (old_cancel(SKIPPED, skipped[:3])[0], skipped[:2]),
    "after an override was cancelled": (old_cancel(LATER, [meetings[1], meetings[3]])[0], [meetings[3]]),
}


@pytest.mark.parametrize("stored, starts", RESUME_CASES.values(), ids=RESUME_CASES.keys())
def test_resumed_is_byte_identical_to_the_meeting_by_meeting_composition(stored, starts):
    assert ical_edit.resumed(stored, starts, sequence=SEQUENCE, dtstamp=STAMP) == old_resume(stored, starts)


def test_a_naive_dtstamp_is_still_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        ical_edit.cancelled(BERLIN, meetings[:1], sequence=SEQUENCE, dtstamp=STAMP.replace(tzinfo=None))
