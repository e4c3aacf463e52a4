"""The whole loop on the embedded default: book, invite, forward agendas, summarise notes."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from harness import BOOKING_DAY, MAIL_DAY, body, example_mail


def test_pair_start_books_every_pair_and_sends_imip_invitations(program):
    report = program.tick(BOOKING_DAY)
    assert report.booked == 5
    invitations = [m for m in program.sent() if m["Subject"].startswith("Invitation")]
    assert invitations
    for message in invitations:
        [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert part.get_param("method") == "REQUEST"
        assert message["Auto-Submitted"] == "auto-generated"
        calendar = Calendar.from_ical(part.get_content())
        [event] = calendar.walk("VEVENT")
        assert calendar["METHOD"] == "REQUEST"
        assert event["DTSTART"].params["TZID"] == str(event.decoded("DTSTART").tzinfo)
        assert calendar.walk("VTIMEZONE"), "every TZID needs its VTIMEZONE for Outlook"
        assert str(event["ORGANIZER"]) == "mailto:mentoring@program.example.org"
    # both partners of each series are invited, each with the series' stable UID
    uids = {}
    for message in invitations:
        [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        uid = str(Calendar.from_ical(part.get_content()).walk("VEVENT")[0]["UID"])
        uids.setdefault(uid, []).append(message["To"])
    assert all(len(recipients) == 2 for recipients in uids.values())
    assert len(list((program.folder / "calendar").glob("*.ics"))) == len(uids)


def test_each_recipient_sees_their_own_zone_with_the_partner_beside_it(program):
    program.tick(BOOKING_DAY)
    [katy_kickoff] = [m for m in program.sent_to("katy@example.org") if m["Subject"].startswith("Welcome")]
    [rania_kickoff] = [m for m in program.sent_to("rania@example.org") if m["Subject"].startswith("Welcome")]
    assert "(America/Los_Angeles) — for Rania:" in body(katy_kickoff)
    assert "(Asia/Beirut) — for Katy:" in body(rania_kickoff)


def test_agenda_is_forwarded_to_the_mentor_and_notes_summarised_for_both(program):
    program.tick(BOOKING_DAY)
    for name in ("01-agenda-rania.eml", "02-notes-mia.eml"):
        program.deliver(example_mail(name), name)
    report = program.tick(MAIL_DAY)
    assert report.messages == {"processed": 2}
    [forward] = [m for m in program.sent_to("katy@example.org") if m["Subject"].startswith("Agenda from Rania")]
    assert "Could you review my CV before we meet?" in body(forward)
    assert forward["In-Reply-To"] == "<CAF3x9v1agenda.rania@mail.example.org>"
    summaries = [m for m in program.sent() if m["Subject"].startswith("Summary")]
    assert sorted(m["To"] for m in summaries) == ["Mia Chen <mia@example.org>", "Tom Barker <tom@example.org>"]
    assert "I will send Tom my draft slides by Friday." in body(summaries[0])
    assert "Sent from my iPhone" not in body(forward)  # only the new text counts


def test_running_again_sends_nothing_new(program):
    program.tick(BOOKING_DAY)
    for name in ("01-agenda-rania.eml", "02-notes-mia.eml", "03-accept-katy.eml"):
        program.deliver(example_mail(name), name)
    program.tick(MAIL_DAY)
    first = len(program.sent())
    program.reload()
    for name in ("01-agenda-rania.eml", "02-notes-mia.eml", "03-accept-katy.eml"):
        program.deliver(example_mail(name), name)  # the same files again, as the demo does
    program.tick(BOOKING_DAY)
    program.tick(MAIL_DAY)
    assert len(program.sent()) == first


def test_calendar_acceptance_is_recorded_and_answered_by_nobody(program):
    program.tick(BOOKING_DAY)
    before = len(program.sent())
    program.deliver(example_mail("03-accept-katy.eml").replace(b"bridges.example.org", b"program.example.org"),
                    "accept")
    assert program.tick(MAIL_DAY).messages == {"processed": 1}
    assert not [m for m in program.sent()[before:] if "katy@example.org" in m["To"] and "Accepted" in m["Subject"]]
    from sqlalchemy import select

    from agent.store import tables as t

    with program.app.engine.connect() as conn:
        [row] = conn.execute(select(t.attendance)).all()
    assert (row.attendee, row.partstat, row.recurrence_at) == ("katy@example.org", "ACCEPTED", None)


def test_time_rules_fire_at_their_time_once(program):
    program.tick(BOOKING_DAY)
    reminders = lambda: [m for m in program.sent() if m["Subject"].startswith("Your agenda")]  # noqa: E731
    assert reminders() == []
    # Katy and Rania meet on Tuesdays at 09:30 in Los Angeles (17:30Z): 48 hours before the
    # meeting of 8 December the mentee is asked for an agenda, not earlier
    program.tick(datetime(2026, 12, 6, 17, 0, tzinfo=UTC))
    assert [m for m in reminders() if "rania" in m["To"]] == []
    after = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    program.tick(after)
    first = [m for m in reminders() if "rania" in m["To"]]
    assert len(first) == 1
    assert "Tuesday 8 December 2026, 19:30 (Asia/Beirut)" in first[0].get_body(("plain",)).get_content()
    program.tick(after)
    program.reload()
    program.tick(after)
    assert len([m for m in reminders() if "rania" in m["To"]]) == 1
