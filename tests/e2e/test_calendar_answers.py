"""Calendar answers from the pair: accept, decline per occurrence, propose a new time, refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from harness import BOOKING_DAY, MAIL_DAY, body
from icalendar import Calendar

from agent.store import repo, series_repo

ANSWER = """From: {name} <{sender}>
To: mentoring@program.example.org
Subject: {subject}
Message-ID: <{mid}@mail.example.org>
Content-Type: text/calendar; charset=utf-8; method={method}

BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
METHOD:{method}
BEGIN:VEVENT
UID:{uid}
SEQUENCE:0
DTSTAMP:20261202T100000Z
ORGANIZER:mailto:mentoring@program.example.org
ATTENDEE;PARTSTAT={partstat};CN={name}:mailto:{attendee}
{extra}END:VEVENT
END:VCALENDAR
"""


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def first_series(program):
    with program.app.engine.connect() as conn:
        [series, *_] = repo.series_of(conn, "rania@example.org")
        starts = [o.starts_at for o in repo.occurrences_of(conn, "rania@example.org") if o.series_uid == series.uid]
    return series.uid, starts


def answer(program, name, *, method, partstat="ACCEPTED", sender="rania@example.org", attendee=None,
           who="Rania Haddad", extra=""):
    uid, _ = first_series(program)
    program.deliver(ANSWER.format(name=who, sender=sender, subject=f"{method} {name}", mid=name, method=method,
                                  uid=uid, partstat=partstat, attendee=attendee or sender, extra=extra), name)


def calendar_parts(message):
    return [Calendar.from_ical(p.get_content()) for p in message.walk() if p.get_content_type() == "text/calendar"]


def test_a_counter_that_fits_moves_one_meeting_for_both(program):
    program.tick(BOOKING_DAY)
    uid, starts = first_series(program)
    original, proposed = starts[2], starts[2] + timedelta(days=1)  # Wednesday, same time
    answer(program, "counter-ok", method="COUNTER", partstat="ACCEPTED",
           extra=f"RECURRENCE-ID:{stamp(original)}\nDTSTART:{stamp(proposed)}\nDTEND:{stamp(proposed + timedelta(minutes=45))}\n")
    assert program.tick(MAIL_DAY).messages == {"processed": 1}
    moved = [m for m in program.sent() if m["Subject"].startswith("Meeting moved")]
    assert sorted(m["To"] for m in moved) == ["Katy Nguyen <katy@example.org>", "Rania Haddad <rania@example.org>"]
    [calendar] = calendar_parts(moved[0])
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and event["SEQUENCE"] == 1
    assert event.decoded("RECURRENCE-ID") == original and event.decoded("DTSTART") == proposed
    with program.app.engine.connect() as conn:
        assert series_repo.occurrence_at(conn, uid, proposed) is not None
        assert series_repo.occurrence_at(conn, uid, original) is None
        assert series_repo.series_row(conn, uid).sequence == 1
    stored = Calendar.from_ical((program.folder / "calendar" / f"{uid}.ics").read_bytes())
    assert len(stored.walk("VEVENT")) == 2  # the series and the moved occurrence


def test_a_counter_outside_hours_gets_declinecounter_with_alternatives_to_the_proposer_only(program):
    program.tick(BOOKING_DAY)
    _, starts = first_series(program)
    proposed = starts[2].replace(hour=11)  # 03:00 in Los Angeles
    answer(program, "counter-bad", method="COUNTER",
           extra=f"RECURRENCE-ID:{stamp(starts[2])}\nDTSTART:{stamp(proposed)}\nDTEND:{stamp(proposed + timedelta(minutes=45))}\n")
    program.tick(MAIL_DAY)
    [declined] = [m for m in program.sent() if m["Subject"].startswith("Your proposed time")]
    assert declined["To"] == "Rania Haddad <rania@example.org>"
    assert "outside Katy's hours" in body(declined)
    assert body(declined).count(" — for Katy:") == 4  # the proposal and three alternatives, both zones
    [calendar] = calendar_parts(declined)
    assert calendar["METHOD"] == "DECLINECOUNTER"


def test_a_declined_occurrence_brings_three_alternatives_to_both(program):
    program.tick(BOOKING_DAY)
    _, starts = first_series(program)
    answer(program, "decline", method="REPLY", partstat="DECLINED", sender="katy@example.org", who="Katy Nguyen",
           extra=f"RECURRENCE-ID:{stamp(starts[3])}\n")
    program.tick(MAIL_DAY)
    offers = [m for m in program.sent() if "other times that fit you both" in m["Subject"]]
    assert sorted(m["To"] for m in offers) == ["Katy Nguyen <katy@example.org>", "Rania Haddad <rania@example.org>"]
    rania = next(m for m in offers if "rania" in m["To"])
    assert body(rania).count("(Asia/Beirut) — for Katy:") == 4


def test_refresh_resends_the_current_invitation_to_the_asker(program):
    program.tick(BOOKING_DAY)
    answer(program, "refresh", method="REFRESH", partstat="NEEDS-ACTION")
    program.tick(MAIL_DAY)
    [again] = [m for m in program.sent() if "the current invitation" in m["Subject"]]
    assert again["To"] == "Rania Haddad <rania@example.org>"
    assert calendar_parts(again)[0]["METHOD"] == "REQUEST"


def test_nobody_answers_for_their_partner(program):
    program.tick(BOOKING_DAY)
    answer(program, "forged", method="REPLY", partstat="DECLINED", attendee="katy@example.org")
    assert program.tick(MAIL_DAY).messages == {"quarantined": 1}


def series_counter(program, name, start, *, sender="rania@example.org", who="Rania Haddad"):
    """A COUNTER for the whole series as Outlook sends it: no RECURRENCE-ID, a new DTSTART, the same RRULE."""
    answer(program, name, method="COUNTER", sender=sender, who=who,
           extra=f"DTSTART:{stamp(start)}\nDTEND:{stamp(start + timedelta(minutes=45))}\nRRULE:FREQ=WEEKLY;COUNT=6\n")


def test_a_series_counter_that_fits_every_remaining_meeting_moves_the_series(program):
    program.tick(BOOKING_DAY)  # Tuesdays 19:30 Beirut (09:30 Los Angeles), weekly x6 from 1 December
    uid, starts = first_series(program)
    series_counter(program, "series-ok", starts[0] + timedelta(days=2))  # Thursdays, same time
    assert program.tick(MAIL_DAY).messages == {"processed": 1}
    moved = [m for m in program.sent() if m["Subject"].startswith("Meeting moved")]
    assert sorted(m["To"] for m in moved) == ["Katy Nguyen <katy@example.org>", "Rania Haddad <rania@example.org>"]
    assert "all the following meetings" in body(moved[0])
    [calendar] = calendar_parts(moved[0])
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and event["SEQUENCE"] == 1 and "RECURRENCE-ID" not in event
    assert event["RRULE"]["BYDAY"] == ["TH"] and event["RRULE"]["COUNT"] == [5]  # the 5 meetings after the notice
    assert event.decoded("DTSTART").strftime("%a %H:%M %Z") == "Thu 19:30 EET"
    with program.app.engine.connect() as conn:
        now = [o.starts_at for o in repo.occurrences_of(conn, "rania@example.org") if o.series_uid == uid]
        assert series_repo.series_row(conn, uid).sequence == 1
    assert now[0] == starts[0]  # already within the notice: left as it was
    assert [s - timedelta(days=2) for s in now[1:]] == starts[1:]
    stored = Calendar.from_ical((program.folder / "calendar" / f"{uid}.ics").read_bytes())
    assert stored.walk("VEVENT")[0]["SEQUENCE"] == 1


def test_a_series_counter_that_misses_one_date_is_declined_with_weekly_alternatives(program):
    program.tick(BOOKING_DAY)
    uid, starts = first_series(program)
    series_counter(program, "series-bad", starts[0] + timedelta(days=1))  # Wednesdays: 6 January is a holiday in LB
    assert program.tick(MAIL_DAY).messages == {"processed": 1}
    [declined] = [m for m in program.sent() if m["Subject"].startswith("Your proposed time")]
    assert declined["To"] == "Rania Haddad <rania@example.org>"
    text = body(declined)
    assert "1 of the 5 remaining meetings would not fit: 2027-01-06:" in text and "(LB)" in text
    assert text.count(" — for Katy:") == 4  # the proposal and three weekly alternatives
    [calendar] = calendar_parts(declined)
    assert calendar["METHOD"] == "DECLINECOUNTER" and "RECURRENCE-ID" not in calendar.walk("VEVENT")[0]
    with program.app.engine.connect() as conn:
        assert series_repo.series_row(conn, uid).sequence == 0
        assert [o.starts_at for o in repo.occurrences_of(conn, "rania@example.org") if o.series_uid == uid] == starts
