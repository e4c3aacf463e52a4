"""iTIP objects derived from the stored REQUEST: cancellations (METHOD:CANCEL, never a REQUEST with
STATUS:CANCELLED, which leaves the event in calendars), one moved occurrence, DECLINECOUNTER."""

from datetime import UTC, date, datetime

from icalendar import Calendar

from agent.calendar.imip import Attendee, build_request, cancel_from_request, declinecounter, occurrence_request
from agent.domain.model import Role
from agent.scheduling.overlap import plan_series
from agent.scheduling.slotspec import parse_person_spec

STAMP = datetime(2027, 1, 1, tzinfo=UTC)


def request() -> tuple[bytes, object]:
    mentee = parse_person_spec("Europe/Berlin Mon-Fri 09:00-17:00", name="Mia", role=Role.MENTEE)
    mentor = parse_person_spec("America/New_York Mon-Fri 09:00-17:00", name="Tom", role=Role.MENTOR)
    plan = plan_series(mentee, mentor, minutes=45, first_day=date(2027, 3, 1), weeks=6)
    ics = build_request(plan, uid="ma-1@example.org", sequence=0, dtstamp=STAMP, organizer_email="p@example.org",
                        organizer_name="Program", attendees=[Attendee("m@example.org", "Mia")],
                        summary="Mentoring", description="d")
    return ics, plan


def event_of(ics: bytes):
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_series_cancel_keeps_the_series_and_raises_the_sequence():
    ics, _plan = request()
    calendar, event = event_of(cancel_from_request(ics, sequence=1, dtstamp=STAMP))
    _, original = event_of(ics)
    assert calendar["METHOD"] == "CANCEL"
    assert (event["UID"], event["SEQUENCE"], event["STATUS"]) == ("ma-1@example.org", 1, "CANCELLED")
    assert event["RRULE"] == original["RRULE"]
    assert event.decoded("DTSTART") == original.decoded("DTSTART")
    assert calendar.walk("VTIMEZONE")
    assert "RSVP" not in event["ATTENDEE"].params


def test_one_occurrence_cancel_names_it_by_recurrence_id_in_the_series_zone():
    ics, plan = request()
    third = plan.occurrences[2]
    _, event = event_of(cancel_from_request(ics, sequence=1, dtstamp=STAMP, recurrence_id=third))
    assert "RRULE" not in event
    recurrence = event.decoded("RECURRENCE-ID")
    assert recurrence == third and str(recurrence.tzinfo) == plan.tzid
    assert event["RECURRENCE-ID"].params["TZID"] == plan.tzid
    assert event.decoded("DTEND") - event.decoded("DTSTART") == plan.duration


def test_moving_one_occurrence_reissues_it_with_recurrence_id_and_asks_again():
    ics, plan = request()
    original = plan.occurrences[1]
    moved = original + (plan.occurrences[1] - plan.occurrences[0]) / 7  # one day later
    calendar, event = event_of(occurrence_request(ics, sequence=2, dtstamp=STAMP, recurrence_id=original,
                                                  new_start=moved))
    assert calendar["METHOD"] == "REQUEST" and event["SEQUENCE"] == 2
    assert event.decoded("RECURRENCE-ID") == original and event.decoded("DTSTART") == moved
    assert event["DTSTART"].params["TZID"] == plan.tzid and "RRULE" not in event
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION" and event["ATTENDEE"].params["RSVP"] == "TRUE"


def test_declinecounter_names_the_attendee_and_the_occurrence_and_says_why():
    ics, plan = request()
    calendar, event = event_of(declinecounter(ics, sequence=0, dtstamp=STAMP, attendee="m@example.org",
                                              recurrence_id=plan.occurrences[0], comment="Outside Tom's hours"))
    assert calendar["METHOD"] == "DECLINECOUNTER"
    assert str(event["ATTENDEE"]) == "mailto:m@example.org"
    assert event.decoded("RECURRENCE-ID") == plan.occurrences[0]
    assert str(event["COMMENT"]) == "Outside Tom's hours" and "RRULE" not in event
