"""iMIP objects: what we send parses everywhere and expands to the plan; what we receive is read or refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from agent.calendar.imip import (
    Attendee,
    build_cancel,
    build_request,
    method_of,
    parse_itip,
    series_uid,
)
from agent.domain.model import SeriesPlan
from agent.errors import CalendarRejected

UTC = timezone.utc
STAMP = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
PEOPLE = [Attendee("ann@mentor.example", "Ann Mentor"), Attendee("bob@mentee.example", "Bob Mentee")]


def plan_for(tzid: str, first: datetime, count: int, skip: tuple[int, ...] = ()) -> SeriesPlan:
    zone = ZoneInfo(tzid)
    starts = [first.replace(tzinfo=zone) + timedelta(weeks=i) for i in range(count)]
    return SeriesPlan(
        tzid=tzid,
        dtstart=starts[0],
        minutes=45,
        interval_weeks=1,
        count=count,
        occurrences=tuple(s.astimezone(UTC) for i, s in enumerate(starts) if i not in skip),
        exdates=tuple(starts[i] for i in skip),
    )


def request(plan: SeriesPlan, **overrides) -> bytes:
    args = dict(
        uid=series_uid("bob@mentee.example", 0, "program.example"),
        sequence=3,
        dtstamp=STAMP,
        organizer_email="mentoring@program.example",
        organizer_name="Mentoring Program",
        attendees=PEOPLE,
        summary="Mentoring: Ann / Bob",
        description="Weekly mentoring call.\nAgenda: reply to this mail.",
        location="https://meet.example/abc",
    )
    args.update(overrides)
    return build_request(plan, **args)


def expand_utc(ics: bytes) -> list[datetime]:
    cal = Calendar.from_ical(ics)
    events = recurring_ical_events.of(cal).between(datetime(2020, 1, 1, tzinfo=UTC), datetime(2032, 1, 1, tzinfo=UTC))
    return sorted(e.start.astimezone(UTC) for e in events)


# Berlin 17:00 on Tuesdays from 2027-03-02: the US switches on 14 March, the EU on 28 March.
BERLIN = plan_for("Europe/Berlin", datetime(2027, 3, 2, 17, 0), 8, skip=(2,))
NEW_YORK = plan_for("America/New_York", datetime(2027, 3, 1, 11, 0), 8, skip=(5,))


def test_series_uid_is_stable_and_distinct():
    uid = series_uid("bob@mentee.example", 0, "program.example")
    assert uid == series_uid("bob@mentee.example", 0, "program.example")
    assert uid != series_uid("bob@mentee.example", 1, "program.example")
    assert uid.startswith("ma-") and uid.endswith("@program.example") and len(uid.split("@")[0]) == 27


def test_request_round_trips_through_icalendar():
    ics = request(BERLIN)
    cal = Calendar.from_ical(ics)
    assert cal["METHOD"] == "REQUEST" and cal["PRODID"] == "-//mentor-agent//EN" and cal["VERSION"] == "2.0"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    (event,) = cal.walk("VEVENT")
    assert event.errors == []
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTEND"].params["TZID"] == "Europe/Berlin"
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=8;BYDAY=TU"
    assert event["EXDATE"].params["TZID"] == "Europe/Berlin"
    assert b"EXDATE;TZID=Europe/Berlin:20270316T170000" in ics
    assert event["SEQUENCE"] == 3 and event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["ORGANIZER"]) == "mailto:mentoring@program.example"
    assert event["ORGANIZER"].params["CN"] == "Mentoring Program"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:ann@mentor.example", "mailto:bob@mentee.example"]
    assert all(a.params["RSVP"] == "TRUE" and a.params["PARTSTAT"] == "NEEDS-ACTION" for a in attendees)
    assert event["URL"] == "https://meet.example/abc"
    assert b"\r\n" in ics and all(len(line) <= 75 for line in ics.split(b"\r\n"))


@pytest.mark.parametrize("plan", [BERLIN, NEW_YORK], ids=["berlin", "new-york"])
def test_expansion_matches_plan_across_dst(plan):
    ics = request(plan)
    assert expand_utc(ics) == list(plan.occurrences)
    # The same object with the zone renamed, so only our VTIMEZONE can give the offsets.
    # (icalendar caches sender zones process-wide by TZID, so each plan needs its own made-up name.)
    renamed = ics.replace(plan.tzid.encode(), f"Custom Test {plan.tzid}".replace("/", " ").encode())
    assert expand_utc(renamed) == list(plan.occurrences)


def test_berlin_slot_moves_in_new_york_while_the_us_is_ahead():
    new_york = [o.astimezone(ZoneInfo("America/New_York")).hour for o in expand_utc(request(BERLIN))]
    assert new_york == [11, 11, 12, 11, 11, 11, 11]  # 16 Mar skipped; 23 Mar at 12:00, 30 Mar back to 11:00


def test_user_text_cannot_inject_content_lines():
    evil = "Hi\r\nBEGIN:VEVENT\r\nUID:evil\nEND:VEVENT\rATTENDEE:mailto:x@evil.example"
    ics = request(
        BERLIN,
        summary=evil,
        description=evil + "\x00\x1b",
        location=evil,
        attendees=[Attendee("ann@mentor.example", 'Ann "Boss"\r\nBEGIN:VEVENT'), PEOPLE[1]],
        organizer_name="Prog\r\nMETHOD:CANCEL",
    )
    unfolded = ics.replace(b"\r\n ", b"")
    lines = unfolded.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == 1 and lines.count(b"METHOD:REQUEST") == 1
    assert not any(line.startswith((b"UID:evil", b"END:VEVENT\\", b"ATTENDEE:mailto:x")) for line in lines)
    assert b"METHOD:CANCEL" not in [line for line in lines]
    assert b"\x00" not in ics and b"\x1b" not in ics
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event["SUMMARY"] == "Hi\nBEGIN:VEVENT\nUID:evil\nEND:VEVENT\nATTENDEE:mailto:x@evil.example"
    assert len(event["ATTENDEE"]) == 2
    assert "URL" not in event


def test_bad_addresses_are_refused():
    with pytest.raises(ValueError):
        request(BERLIN, organizer_email="a@b.example\r\nX:y")
    with pytest.raises(ValueError):
        request(BERLIN, attendees=[Attendee("not an address", "X")])


def test_cancel_whole_series():
    ics = build_cancel(
        uid="u1@program.example", sequence=4, dtstamp=STAMP, organizer_email="mentoring@program.example",
        organizer_name="Mentoring Program", attendees=PEOPLE, summary="Mentoring", plan=BERLIN,
    )
    cal = Calendar.from_ical(ics)
    (event,) = cal.walk("VEVENT")
    assert cal["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 4
    assert event["UID"] == "u1@program.example" and "RECURRENCE-ID" not in event
    assert "RRULE" in event and cal.walk("VTIMEZONE")
    assert all("RSVP" not in a.params for a in event["ATTENDEE"])


def test_cancel_one_occurrence():
    one = BERLIN.occurrences[3]
    ics = build_cancel(
        uid="u1@program.example", sequence=5, dtstamp=STAMP, organizer_email="mentoring@program.example",
        organizer_name="Mentoring Program", attendees=PEOPLE, summary="Mentoring", plan=BERLIN, recurrence_id=one,
    )
    assert b"RECURRENCE-ID;TZID=Europe/Berlin:20270330T170000" in ics
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("RECURRENCE-ID").astimezone(UTC) == one and "RRULE" not in event
    assert event["STATUS"] == "CANCELLED"


# --- inbound -----------------------------------------------------------------------------------

WINDOWS_BERLIN = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def outlook(method: str, body: str, zones: str = WINDOWS_BERLIN) -> bytes:
    text = f"BEGIN:VCALENDAR\nMETHOD:{method}\nPRODID:Microsoft Exchange Server 2010\nVERSION:2.0\n{zones}{body}END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def outlook_reply(partstat: str, extra: str = "") -> bytes:
    return outlook("REPLY", f"""BEGIN:VEVENT
ATTENDEE;PARTSTAT={partstat};CN=Bob Mentee:MAILTO:Bob@Mentee.Example
COMMENT;LANGUAGE=en-US:Looking forward to it\\, see you then.\\n
SUMMARY;LANGUAGE=en-US:Accepted: Mentoring: Ann / Bob
DTSTART;TZID=W. Europe Standard Time:20270302T170000
DTEND;TZID=W. Europe Standard Time:20270302T174500
UID:ma-0123456789abcdef01234567@program.example
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:20270201T101010Z
TRANSP:OPAQUE
SEQUENCE:3
{extra}X-MICROSOFT-CDO-APPT-SEQUENCE:3
X-MICROSOFT-CDO-REPLYTIME:20270201T101010Z
END:VEVENT
""")


@pytest.mark.parametrize("partstat", ["ACCEPTED", "DECLINED", "TENTATIVE"])
def test_outlook_reply(partstat):
    answer = parse_itip(outlook_reply(partstat))
    assert answer.method == "REPLY" and answer.partstat == partstat
    assert answer.uid == "ma-0123456789abcdef01234567@program.example"
    assert answer.attendee == "bob@mentee.example" and answer.sequence == 3
    assert answer.recurrence_id is None and answer.proposed_start is None
    assert answer.comment == "Looking forward to it, see you then."


def test_google_reply_with_rrule_is_not_expanded():
    data = b"""BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
CALSCALE:GREGORIAN\r
METHOD:REPLY\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Berlin:20270302T170000\r
DTEND;TZID=Europe/Berlin:20270302T174500\r
RRULE:FREQ=SECONDLY\r
DTSTAMP:20270201T120000Z\r
ORGANIZER;CN=Mentoring Program:mailto:mentoring@program.example\r
UID:ma-0123456789abcdef01234567@program.example\r
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;CN=bob@me\r
 ntee.example;X-NUM-GUESTS=0:mailto:bob@mentee.example\r
SEQUENCE:0\r
STATUS:CONFIRMED\r
SUMMARY:Mentoring: Ann / Bob\r
END:VEVENT\r
END:VCALENDAR\r
"""
    answer = parse_itip(data)
    assert (answer.partstat, answer.attendee, answer.sequence) == ("DECLINED", "bob@mentee.example", 0)


def test_reply_for_one_occurrence_has_recurrence_id_in_utc():
    answer = parse_itip(outlook_reply("DECLINED", "RECURRENCE-ID;TZID=W. Europe Standard Time:20270330T170000\n"))
    assert answer.recurrence_id == datetime(2027, 3, 30, 15, 0, tzinfo=UTC)  # CEST since 28 March


def test_counter_with_windows_tzid():
    pacific = "BEGIN:VTIMEZONE\nTZID:Pacific Standard Time\nEND:VTIMEZONE\n"
    data = outlook("COUNTER", """BEGIN:VEVENT
ATTENDEE;PARTSTAT=TENTATIVE;CN=Bob Mentee:mailto:bob@mentee.example
COMMENT:Could we start a bit later?
SUMMARY:New Time Proposed: Mentoring
DTSTART;TZID=Pacific Standard Time:20270310T090000
DTEND;TZID=Pacific Standard Time:20270310T094500
RECURRENCE-ID;TZID=Pacific Standard Time:20270309T080000
UID:ma-0123456789abcdef01234567@program.example
DTSTAMP:20270201T101010Z
SEQUENCE:3
END:VEVENT
""", zones=pacific)
    answer = parse_itip(data)
    assert answer.method == "COUNTER" and answer.comment == "Could we start a bit later?"
    assert answer.proposed_start == datetime(2027, 3, 10, 17, 0, tzinfo=UTC)  # PST, US DST starts 14 March
    assert answer.proposed_end == datetime(2027, 3, 10, 17, 45, tzinfo=UTC)
    assert answer.recurrence_id == datetime(2027, 3, 9, 16, 0, tzinfo=UTC)


def test_counter_in_a_customized_zone_uses_the_senders_vtimezone():
    custom = WINDOWS_BERLIN.replace("W. Europe Standard Time", "Customized Time Zone")
    data = outlook("COUNTER", """BEGIN:VEVENT
ATTENDEE:mailto:bob@mentee.example
DTSTART;TZID=Customized Time Zone:20270707T100000
DURATION:PT30M
UID:x@program.example
END:VEVENT
""", zones=custom)
    answer = parse_itip(data)
    assert answer.proposed_start == datetime(2027, 7, 7, 8, 0, tzinfo=UTC)
    assert answer.proposed_end == datetime(2027, 7, 7, 8, 30, tzinfo=UTC)
    assert answer.partstat is None


def test_refresh():
    data = outlook("REFRESH", "BEGIN:VEVENT\nATTENDEE:mailto:ann@mentor.example\nUID:x@program.example\nEND:VEVENT\n")
    answer = parse_itip(data)
    assert (answer.method, answer.attendee, answer.partstat) == ("REFRESH", "ann@mentor.example", None)


def test_method_of():
    assert method_of(outlook_reply("ACCEPTED")) == "REPLY"
    assert method_of(request(BERLIN)) == "REQUEST"
    assert method_of(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n") is None
    assert method_of(b"hello") is None


EVENT = "BEGIN:VEVENT\nUID:x@p\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\nEND:VEVENT\n"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"Hello, see you Tuesday!", "not an iCalendar object"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an iCalendar object"),
        (outlook("REPLY", EVENT).replace(b"METHOD:REPLY\r\n", b""), "no METHOD"),
        (outlook("REQUEST", EVENT), "METHOD:REQUEST is not an answer"),
        (outlook("PUBLISH", EVENT), "METHOD:PUBLISH is not an answer"),
        (outlook("REPLY", ""), "no VEVENT"),
        (outlook("REPLY", EVENT.replace("UID:x@p\n", "")), "no UID"),
        (outlook("REPLY", EVENT.replace("ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\n", "")), "no ATTENDEE"),
        (outlook("REPLY", EVENT + "X-PAD:" + "a" * 70 + "\n") * 1 + b"X" * 1_000_001, "over the 1,000,000-byte"),
        (outlook("REPLY", EVENT * 60, zones=""), "61 components, over the 50"),
        (outlook("REPLY", EVENT.replace("END:VEVENT", "X-BIG:" + "a" * 10_001 + "\nEND:VEVENT")), "character line"),
        (outlook("REPLY", EVENT.replace("END:VEVENT", "X-BIG:" + "\n ".join(["a" * 70] * 200) + "\nEND:VEVENT")),
         "character line"),
        (outlook("COUNTER", EVENT), "proposes no new time"),
        (outlook("REPLY", EVENT, zones="BEGIN:VTIMEZONE\nTZID:X\n"), "VTIMEZONE that never ends"),
        (outlook("COUNTER", EVENT.replace("UID", "DTSTART;TZID=Mars/Olympus:20270101T100000\nUID")), "unknown time zone"),
        (outlook("COUNTER", EVENT.replace("UID", "DTSTART:20270101T100000\nUID")), "floating time"),
    ],
)
def test_rejections(data, reason):
    with pytest.raises(CalendarRejected, match=reason):
        parse_itip(data)


def test_a_sender_vtimezone_cannot_redefine_a_known_zone():
    lying = WINDOWS_BERLIN.replace("+0100", "+0500").replace("+0200", "+0600")
    answer = parse_itip(outlook_reply("DECLINED", "RECURRENCE-ID;TZID=W. Europe Standard Time:20270330T170000\n")
                        .replace(WINDOWS_BERLIN.replace("\n", "\r\n").encode(), lying.replace("\n", "\r\n").encode()))
    assert answer.recurrence_id == datetime(2027, 3, 30, 15, 0, tzinfo=UTC)
