"""Requests by email: confirmed back in both people's time, applied once on "yes", never on a misreading.

Rania (mentee, Asia/Beirut) and Katy (mentor, America/Los_Angeles): after booking, their meetings are
Tuesdays 19:30 in Beirut = 09:30 in Los Angeles (17:30 UTC) from 1 December 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from harness import BOOKING_DAY, MAIL_DAY, body
from icalendar import Calendar
from sqlalchemy import select

from agent.bootstrap import build_app
from agent.check import check_program
from agent.runner import tick
from agent.store import changes_repo, repo
from agent.store import tables as t

RANIA, KATY, PAIR = "rania@example.org", "katy@example.org", "rania@example.org"
DEC8 = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)
NAMES = {RANIA: "Rania Haddad", KATY: "Katy Nguyen", "tom@example.org": "Tom Barker"}


def mail(program, name, text, *, sender=RANIA, reply_to=None, date=MAIL_DAY, subject="Our meeting", headers=""):
    threading = f"In-Reply-To: {reply_to}\nReferences: {reply_to}\n" if reply_to else ""
    program.deliver(f"""From: {NAMES[sender]} <{sender}>
To: mentoring@program.example.org
Subject: {subject}
Message-ID: <{name}@mail.example.org>
Date: {date:%a, %d %b %Y %H:%M:%S +0000}
{threading}{headers}
{text}
""", name)


def with_subject(program, to, text):
    return [m for m in program.sent_to(to) if text.lower() in m["Subject"].lower()]


def starts(program, status="scheduled"):
    with program.app.engine.connect() as conn:
        rows = conn.execute(select(t.occurrences).where(t.occurrences.c.pair_key == PAIR,
                                                        t.occurrences.c.status == status)
                            .order_by(t.occurrences.c.starts_at))
        return [row.starts_at for row in rows]


def changes(program):
    with program.app.engine.connect() as conn:
        return changes_repo.changes_of(conn, PAIR)


def calendar_parts(message):
    return [Calendar.from_ical(p.get_content()) for p in message.walk() if p.get_content_type() == "text/calendar"]


def confirm(program, name, word, *, sender=RANIA, date=MAIL_DAY + timedelta(hours=2), subject="Please confirm"):
    [request] = with_subject(program, sender if sender != KATY else RANIA, subject)[-1:]
    mail(program, name, f"{word}\n\nThanks", sender=sender, reply_to=request["Message-ID"], date=date,
         subject="Re: " + request["Subject"])
    program.tick(date)


def test_reschedule_confirmed_in_both_zones_then_applied_exactly_once(booked_program):
    program = booked_program
    mail(program, "move", "Hi, could we move our meeting on Tuesday 8 December to Wednesday 9 December at "
                          "19:00 my time?\nRania")
    program.tick(MAIL_DAY)
    [ask] = with_subject(program, RANIA, "Please confirm")
    text = body(ask)
    assert "Wednesday 9 December 2026, 19:00 (Asia/Beirut)" in text
    assert "for Katy: Wednesday 9 December 2026, 09:00 (America/Los_Angeles)" in text
    assert "Tuesday 8 December 2026, 19:30 (Asia/Beirut)" in text and "09:30 (America/Los_Angeles)" in text
    assert ask["In-Reply-To"] == "<move@mail.example.org>"
    assert DEC8 in starts(program) and not with_subject(program, KATY, "Please confirm")
    [row] = changes(program)
    assert row.status == "pending" and row.confirm_message_id == ask["Message-ID"]

    confirm(program, "yes", "Yes please")
    new = datetime(2026, 12, 9, 17, tzinfo=UTC)
    assert DEC8 not in starts(program) and new in starts(program)
    assert changes(program)[0].status == "applied"
    assert datetime.fromisoformat(changes(program)[0].payload["new"]) == new  # applied == confirmed
    for person, local in ((RANIA, "19:00 (Asia/Beirut)"), (KATY, "09:00 (America/Los_Angeles)")):
        [done] = with_subject(program, person, "Done")
        assert local in body(done)
        [cal] = calendar_parts(done)
        assert cal["METHOD"] == "REQUEST"
        [event] = cal.walk("VEVENT")
        assert event.decoded("RECURRENCE-ID").astimezone(UTC) == DEC8
        assert event.decoded("DTSTART").astimezone(UTC) == new
    stored = Calendar.from_ical((program.folder / "calendar" / f"{changes(program)[0].payload['series_uid']}.ics")
                                .read_bytes())
    assert any("RECURRENCE-ID" in e for e in stored.walk("VEVENT"))

    sent = len(program.sent())
    confirm(program, "yes-again", "yes", date=MAIL_DAY + timedelta(hours=3))  # a second "yes": nothing more
    assert len(program.sent()) == sent and new in starts(program)


def test_a_duplicate_delivery_of_yes_applies_once(booked_program):
    program = booked_program
    mail(program, "move", "Could we move our meeting on Tuesday 8 December to Wednesday 9 December at 19:00?")
    program.tick(MAIL_DAY)
    [ask] = with_subject(program, RANIA, "Please confirm")
    for name in ("yes-1", "yes-2"):  # the same message under two mailbox keys
        mail(program, name.replace("-2", "-1"), "yes", reply_to=ask["Message-ID"], subject="Re: x")
        (program.folder / "inbox" / "new" / name.replace("-2", "-1")).rename(program.folder / "inbox" / "new" / name)
    program.tick(MAIL_DAY + timedelta(hours=1))
    assert len(with_subject(program, KATY, "Done")) == 1
    assert starts(program).count(datetime(2026, 12, 9, 17, tzinfo=UTC)) == 1


def test_no_leaves_everything_as_it_was(booked_program):
    program = booked_program
    before = starts(program)
    mail(program, "move", "Could we move our meeting on Tuesday 8 December to Wednesday 9 December at 19:00?")
    program.tick(MAIL_DAY)
    confirm(program, "no", "No, sorry, let's keep it")
    assert starts(program) == before and changes(program)[0].status == "declined"
    assert not with_subject(program, KATY, "Done")


def test_a_time_that_does_not_fit_gets_alternatives_and_nothing_pending(booked_program):
    program = booked_program
    mail(program, "late", "Could we move our meeting on Tuesday 8 December to Wednesday 9 December at 23:00 "
                          "my time?")
    program.tick(MAIL_DAY)
    [answer] = with_subject(program, RANIA, "does not work")
    text = body(answer)
    assert "23:00 (Asia/Beirut)" in text and "outside" in text and text.count("  - ") >= 1
    assert changes(program) == []


def test_an_ambiguous_request_gets_a_question_never_a_guess(booked_program):
    program = booked_program
    before = starts(program)
    mail(program, "vague", "Can we move our meeting on Tuesday to another day?")
    program.tick(MAIL_DAY)
    [question] = with_subject(program, RANIA, "question")
    assert "Nothing has changed" in body(question)
    assert changes(program) == [] and starts(program) == before


def test_the_partner_answering_the_confirmation_changes_nothing(booked_program):
    program = booked_program
    before = starts(program)
    mail(program, "move", "Could we move our meeting on Tuesday 8 December to Wednesday 9 December at 19:00?")
    program.tick(MAIL_DAY)
    confirm(program, "katy-yes", "Yes", sender=KATY)
    assert starts(program) == before and changes(program)[0].status == "pending"
    with program.app.engine.connect() as conn:
        detail = conn.execute(select(t.ledger.c.detail).where(t.ledger.c.message_id == "katy-yes@mail.example.org"))
        assert "only the requester confirms" in detail.scalar_one()


def test_skip_cancels_one_occurrence_for_both(booked_program):
    program = booked_program
    mail(program, "skip", "I'm sorry, I can't make it to our next meeting on Tuesday 8 December. Can we skip it?")
    program.tick(MAIL_DAY)
    [ask] = with_subject(program, RANIA, "Please confirm")
    assert "for Katy: Tuesday 8 December 2026, 09:30 (America/Los_Angeles)" in body(ask)
    confirm(program, "yes", "ok")
    assert DEC8 not in starts(program) and DEC8 in starts(program, "cancelled")
    for person in (RANIA, KATY):
        [done] = with_subject(program, person, "Done")
        [cal] = calendar_parts(done)
        assert cal["METHOD"] == "CANCEL"
        assert [e.decoded("RECURRENCE-ID").astimezone(UTC) for e in cal.walk("VEVENT")] == [DEC8]


def test_pause_cancels_the_span_and_resume_brings_it_back(booked_program):
    program = booked_program
    mail(program, "pause", "Could we pause our meetings until 5 January? Work is crazy.")
    program.tick(MAIL_DAY)
    confirm(program, "yes", "Ja")
    cancelled = starts(program, "cancelled")
    assert cancelled and all(s < datetime(2027, 1, 5, tzinfo=UTC) for s in cancelled)
    assert all(s >= datetime(2027, 1, 5, tzinfo=UTC) or s < MAIL_DAY for s in starts(program))
    [done] = with_subject(program, KATY, "Done")
    [cal] = calendar_parts(done)
    assert cal["METHOD"] == "CANCEL" and len(cal.walk("VEVENT")) >= 1

    later = MAIL_DAY + timedelta(days=1)
    mail(program, "resume", "Things calmed down, can we resume our meetings?", date=later)
    program.tick(later)
    confirm(program, "yes-resume", "yes", date=later + timedelta(hours=1), subject="restart")
    back = [s for s in cancelled if s > later + timedelta(days=1)]
    assert back and all(s in starts(program) for s in back)
    [resumed] = with_subject(program, KATY, "Done: restart")
    [cal] = calendar_parts(resumed)
    assert cal["METHOD"] == "REQUEST"
    assert {e.decoded("RECURRENCE-ID").astimezone(UTC) for e in cal.walk("VEVENT")} == set(back)


def test_cadence_change_replaces_the_series_from_the_next_meeting(booked_program):
    program = booked_program
    future = [s for s in starts(program) if s > MAIL_DAY]
    mail(program, "cadence", "Could we meet every two weeks from now on?")
    program.tick(MAIL_DAY)
    confirm(program, "yes", "yes")
    after = [s for s in starts(program) if s > MAIL_DAY]
    assert after[0] == future[0] and all((b - a) >= timedelta(days=13) for a, b in zip(after, after[1:]))
    assert {b - a for a, b in zip(after, after[1:])} <= {timedelta(days=14), timedelta(days=14, hours=-1)}
    [done, *updates] = [m for m in program.sent_to(KATY) if "Done" in m["Subject"] or "Calendar update" in
                        m["Subject"]]
    methods = [calendar_parts(m)[0]["METHOD"] for m in [done, *updates]]
    assert methods[0] == "REQUEST" and len(methods) >= 2


def test_end_stops_every_meeting_and_the_pair(booked_program):
    program = booked_program
    mail(program, "end", "I think we should end our mentoring here. Thank you for everything!")
    program.tick(MAIL_DAY)
    confirm(program, "yes", "yes")
    assert [s for s in starts(program) if s > MAIL_DAY] == []
    with program.app.engine.connect() as conn:
        assert repo.pair_row(conn, PAIR).status == "ended"
    assert with_subject(program, KATY, "Done")


def test_out_of_office_skips_the_span_and_tells_the_partner_once(booked_program):
    program = booked_program
    ooo = "Auto-Submitted: auto-replied\n"
    for name, when in (("ooo-1", MAIL_DAY), ("ooo-2", MAIL_DAY + timedelta(hours=5))):
        mail(program, name, "I am out of the office until 20 December 2026 with limited access to email.",
             subject="Automatic reply: Our meeting", headers=ooo, date=when)
        program.tick(when)
    assert DEC8 in starts(program, "cancelled") and datetime(2026, 12, 15, 17, 30, tzinfo=UTC) in starts(
        program, "cancelled")
    told = with_subject(program, KATY, "away")
    assert len(told) == 1 and calendar_parts(told[0])[0]["METHOD"] == "CANCEL"
    assert not with_subject(program, RANIA, "away")


def test_availability_confirmed_is_used_by_the_next_booking(program):
    program.tick(datetime(2026, 11, 10, 9, tzinfo=UTC))
    when = datetime(2026, 11, 10, 10, tzinfo=UTC)
    mail(program, "moved", "Hi! Just so you know, I've moved to Singapore last week.", date=when)
    program.tick(when)
    [ask] = with_subject(program, RANIA, "availability")
    assert "Asia/Singapore" in body(ask)
    confirm(program, "yes", "yes", date=when + timedelta(hours=1), subject="availability")
    [admin] = program.sent_to("coordinator@program.example.org")
    assert "Edit roster.toml" in body(admin) and "Singapore" in body(admin)
    program.tick(BOOKING_DAY)
    [invite, *_] = with_subject(program, RANIA, "Invitation")
    assert "Asia/Singapore" in body(invite)


def test_a_confirmed_availability_reaches_a_worker_that_was_already_running(program):
    other = build_app(check_program(program.config)[0])  # a second worker on the same store
    try:
        early = datetime(2026, 11, 10, 9, tzinfo=UTC)
        tick(other, early)
        assert other.roster.participants[RANIA].timezone == "Asia/Beirut"
        when = early + timedelta(hours=1)
        mail(program, "moved", "Hi! Just so you know, I've moved to Singapore last week.", date=when)
        program.tick(when)
        confirm(program, "yes", "yes", date=when + timedelta(hours=1), subject="availability")
        tick(other, when + timedelta(hours=2))
        assert other.roster.participants[RANIA].timezone == "Asia/Singapore"
        assert other.zones[RANIA] == "Asia/Singapore"
    finally:
        other.close()


def test_a_low_confidence_reading_asks_what_was_meant(booked_program):
    program = booked_program
    mail(program, "maybe", "Would Wednesday 9 December at 19:00 be better?")
    program.tick(MAIL_DAY)
    [ask] = with_subject(program, RANIA, "understand")
    assert "19:00 (Asia/Beirut)" in body(ask)
    assert changes(program)[0].kind == "understood"
    confirm(program, "yes", "yes", subject="understand")
    assert datetime(2026, 12, 9, 17, tzinfo=UTC) in starts(program)


def test_an_expired_confirmation_changes_nothing(booked_program):
    program = booked_program
    before = starts(program)
    mail(program, "move", "Could we move our meeting on Tuesday 15 December to Wednesday 16 December at 19:00?")
    program.tick(MAIL_DAY)
    confirm(program, "late-yes", "yes", date=MAIL_DAY + timedelta(days=8))
    assert starts(program)[-len(before):] == before[-len(before):] or before == starts(program)
    assert changes(program)[0].status == "expired"
    assert with_subject(program, RANIA, "question")


def test_a_stranger_answering_a_confirmation_is_quarantined_and_nothing_applied(booked_program):
    program = booked_program
    before = starts(program)
    mail(program, "move", "Could we move our meeting on Tuesday 8 December to Wednesday 9 December at 19:00?")
    program.tick(MAIL_DAY)
    [ask] = with_subject(program, RANIA, "Please confirm")
    NAMES["mallory@evil.example"] = "Mallory"
    mail(program, "stranger-yes", "yes", sender="mallory@evil.example", reply_to=ask["Message-ID"])
    program.tick(MAIL_DAY + timedelta(hours=1))
    assert starts(program) == before and changes(program)[0].status == "pending"
