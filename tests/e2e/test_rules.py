"""The default program's habits, end to end on the example program: each test is one habit.

Katy (Los Angeles) mentors Rania (Beirut) on Tuesdays at 09:30 in Los Angeles; Tom (London) mentors
Mia (Sydney). Times are chosen from the booked series in the store, never assumed.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

from harness import BOOKING_DAY, MAIL_DAY, REPO, Program, body, write_config
from sqlalchemy import select

from agent.messenger import send_template
from agent.outbox import flush
from agent.store import repo
from agent.store import tables as t

RANIA, KATY, MIA, TOM = "rania@example.org", "katy@example.org", "mia@example.org", "tom@example.org"
ADMIN = "coordinator@program.example.org"


def mail(sender: str, name: str, subject: str, text: str, mid: str) -> str:
    return (f"From: {name} <{sender}>\nTo: mentoring@program.example.org\nSubject: {subject}\n"
            f"Message-ID: <{mid}@mail.example.org>\nContent-Type: text/plain; charset=utf-8\n\n{text}\n")


def meetings(program: Program, pair: str) -> list:
    with program.app.engine.connect() as conn:
        return repo.occurrences_of(conn, pair)


def subjects(program: Program, address: str, start: str) -> list[str]:
    return [m["Subject"] for m in program.sent_to(address) if m["Subject"].startswith(start)]


def pending(program: Program, rule: str) -> dict[str, datetime]:
    with program.app.engine.connect() as conn:
        rows = conn.execute(select(t.due_actions).where(t.due_actions.c.rule == rule,
                                                        t.due_actions.c.status == "pending"))
        return {row.occasion: row.due_at for row in rows if row.pair_key == RANIA}


def program_with(tmp_path, *, rules=None, roster=None, extra="") -> Program:
    config = write_config(tmp_path, roster=roster, extra=extra)
    if rules is not None:
        text = config.read_text().replace(f'rules = "{REPO / "rules"}"', f'rules = "{rules}"')
        config.write_text(text)
    return Program(tmp_path, config)


def test_celebration_the_day_after_the_fifth_meeting_once(program):
    program.tick(BOOKING_DAY)
    fifth, sixth = meetings(program, RANIA)[4:6]
    program.tick(fifth.ends_at + timedelta(hours=23))  # the day after, not yet
    assert subjects(program, RANIA, "5 meetings") == []
    program.tick(fifth.ends_at + timedelta(days=1, minutes=1))
    program.tick(fifth.ends_at + timedelta(days=1, hours=12))  # anything held for quiet hours has left
    assert subjects(program, RANIA, "5 meetings") == subjects(program, KATY, "5 meetings") == \
        ["5 meetings together: well done!"]
    program.tick(sixth.ends_at + timedelta(days=1, minutes=1))
    assert subjects(program, RANIA, "6 meetings") == []  # only the 5th and the 10th are celebrated
    assert len(subjects(program, RANIA, "5 meetings")) == 1


AGENDA = """Hi Katy,

Progress on goals:
- Portfolio website: done, all case studies are online
- AWS certification: 60%
"""


def test_a_goal_reported_done_is_celebrated_with_both_once(program):
    program.tick(BOOKING_DAY)
    program.deliver(mail(RANIA, "Rania Haddad", "Agenda for Tuesday", AGENDA, "agenda1"), "agenda1")
    program.tick(MAIL_DAY)  # 14:00 in Beirut, 04:00 in Los Angeles: Katy's copy waits for 08:00 there
    assert subjects(program, RANIA, "Goal reached") == ["Goal reached: Portfolio website"]
    assert subjects(program, KATY, "Goal reached") == []
    program.tick(MAIL_DAY + timedelta(hours=4))  # 08:00 in Los Angeles
    assert subjects(program, KATY, "Goal reached") == ["Goal reached: Portfolio website"]
    program.deliver(mail(RANIA, "Rania Haddad", "Agenda again", AGENDA, "agenda2"), "agenda2")
    program.tick(MAIL_DAY + timedelta(days=7))
    assert len(subjects(program, RANIA, "Goal reached")) == 1
    assert len(subjects(program, KATY, "Agenda from Rania")) == 2  # each agenda is still forwarded


NOTES = """Agreements:
- We focus on the conference talk.

Next steps:
- I will send Tom my draft slides by 2026-12-10.
- You will introduce me to your colleague in Melbourne by 2026-12-11.
"""


def test_a_due_action_item_reminds_its_owner_at_nine_in_the_owners_zone(program):
    program.tick(BOOKING_DAY)
    program.deliver(mail(MIA, "Mia Chen", "Notes from our meeting", NOTES, "notes1"), "notes1")
    program.tick(MAIL_DAY)
    nine_in_sydney = datetime(2026, 12, 9, 22, 0, tzinfo=UTC)  # 10 December, 09:00 in Sydney (UTC+11)
    program.tick(nine_in_sydney - timedelta(minutes=1))
    assert subjects(program, MIA, "Due today") == []
    program.tick(nine_in_sydney)
    assert subjects(program, MIA, "Due today") == ["Due today: I will send Tom my draft slides by 2026-12-10."]
    assert subjects(program, TOM, "Due today") == []  # the mentee's item is the mentee's
    [reminder] = [m for m in program.sent_to(MIA) if m["Subject"].startswith("Due today")]
    assert "is due today (2026-12-10)" in body(reminder)
    program.tick(datetime(2026, 12, 11, 9, 0, tzinfo=UTC))  # 09:00 in London on 11 December
    assert subjects(program, TOM, "Due today") == [
        "Due today: You will introduce me to your colleague in Melbourne by..."]
    assert len(subjects(program, MIA, "Due today")) == 1


LESS_MAIL = "Hello, could you send me less email? A weekly digest would be enough for me.\n\nRania"


def test_the_digest_flag_replaces_reminders_with_one_weekly_email(program):
    program.tick(BOOKING_DAY)
    program.deliver(mail(RANIA, "Rania Haddad", "Too much email", LESS_MAIL, "less1"), "less1")
    program.tick(MAIL_DAY)
    assert subjects(program, RANIA, "Less mail") == ["Less mail: one weekly digest from now on"]
    assert subjects(program, KATY, "Less mail") == []  # the confirmation goes to the one who asked
    # the agenda reminder for the meeting of 8 December would leave on 6 December at 17:30Z
    program.tick(datetime(2026, 12, 6, 18, 0, tzinfo=UTC))
    assert subjects(program, RANIA, "Your agenda") == []
    assert subjects(program, MIA, "Your agenda") or subjects(program, "li@example.org", "Your agenda")
    # Monday 7 December, 09:00 in Beirut (07:00Z), then 09:00 in Los Angeles (17:00Z)
    program.tick(datetime(2026, 12, 7, 7, 0, tzinfo=UTC))
    assert subjects(program, RANIA, "Your week") == ["Your week in Test Mentoring"]
    assert subjects(program, KATY, "Your week") == []
    program.tick(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    assert subjects(program, KATY, "Your week") == ["Your week in Test Mentoring"]
    assert subjects(program, MIA, "Your week") == []  # other pairs are not on the digest
    [digest] = [m for m in program.sent_to(RANIA) if m["Subject"].startswith("Your week")]
    assert "Coming up:" in body(digest) and "(Asia/Beirut) — for Katy:" in body(digest)
    # "every email" switches it off again
    program.deliver(mail(KATY, "Katy Nguyen", "Re: digest", "Actually, please send every email again.", "more1"),
                    "more1")
    program.tick(datetime(2026, 12, 8, 0, 0, tzinfo=UTC))
    assert subjects(program, KATY, "Every email again") == ["Every email again"]
    with program.app.engine.connect() as conn:
        assert repo.pair_row(conn, RANIA).flags == []


def test_a_german_reader_gets_the_german_variant_with_localised_times(tmp_path):
    roster = tmp_path / "roster.toml"
    text = (REPO / "examples" / "roster.toml").read_text()
    assert 'country = "LB"\nlocale = "en"' in text
    roster.write_text(text.replace('country = "LB"\nlocale = "en"', 'country = "LB"\nlocale = "de"'))
    program = program_with(tmp_path, roster=roster)
    try:
        program.tick(BOOKING_DAY)
        [german] = [m for m in program.sent_to(RANIA) if m["Subject"].startswith("Willkommen")]
        assert german["Subject"] == "Willkommen bei Test Mentoring: Sie und Katy"
        assert "(Asia/Beirut) — für Katy:" in body(german) and "Dienstag, 1. Dezember 2026" in body(german)
        html = german.get_body(("html",)).get_content()
        assert "So funktioniert das Mentoring" in html and "How this mentorship works" not in html
        [english] = [m for m in program.sent_to(KATY) if m["Subject"].startswith("Welcome")]
        assert "(America/Los_Angeles) — for Rania:" in body(english)
    finally:
        program.app.close()


def test_quiet_hours_hold_mail_until_morning_in_each_recipients_zone(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    (rules / "90-test.toml").write_text(
        '[[rule]]\nname = "hello"\ndescription = "Say hello."\ntrigger = "pair_start"\naction = "send"\n'
        'template = "momentum_nudge"\nto = "both"\nquiet_hours = "19:00-07:00"\n')
    program = program_with(tmp_path, rules=rules)
    try:
        program.tick(BOOKING_DAY)  # 09:00 in London, 20:00 in Sydney
        assert subjects(program, TOM, "Keeping in touch") and not subjects(program, MIA, "Keeping in touch")
        program.tick(datetime(2026, 11, 23, 19, 59, tzinfo=UTC))
        assert not subjects(program, MIA, "Keeping in touch")
        program.tick(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # 07:00 in Sydney
        [held] = [m for m in program.sent_to(MIA) if m["Subject"].startswith("Keeping in touch")]
        assert held["Date"].datetime == datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    finally:
        program.app.close()


def test_editing_a_rule_moves_the_pending_actions_of_booked_meetings(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    program = program_with(tmp_path, rules=rules)
    try:
        program.tick(BOOKING_DAY)
        before = pending(program, "agenda-reminder")
        assert before
        path = rules / "20-meetings.toml"
        path.write_text(path.read_text().replace('offset = "48h"', 'offset = "24h"'))
        program.reload()
        program.tick(BOOKING_DAY + timedelta(minutes=1))
        after = pending(program, "agenda-reminder")
        assert {key: due + timedelta(hours=24) for key, due in before.items() if key in after} == \
            {key: due for key, due in after.items() if key in before}
        assert set(before) & set(after)
    finally:
        program.app.close()


def test_a_series_is_renewed_before_it_ends_so_the_ending_notice_never_goes_out(program):
    program.tick(BOOKING_DAY)
    last = meetings(program, RANIA)[-1]
    program.tick(last.starts_at - timedelta(weeks=5))
    assert subjects(program, RANIA, "Your meetings with Katy continue") == []
    program.tick(last.starts_at - timedelta(days=14) + timedelta(minutes=1))
    program.tick(last.starts_at - timedelta(days=13))  # anything held for quiet hours has left
    assert subjects(program, RANIA, "Your meetings with Katy continue")
    assert subjects(program, KATY, "Your meetings with Rania continue")
    assert meetings(program, RANIA)[-1].starts_at > last.starts_at
    # the series-renewal rule speaks only of series that really end: this one was extended first
    assert subjects(program, RANIA, "Your meetings with Katy will be renewed") == []


def test_admins_reach_no_goal_action_item_or_week_unless_sharing_is_on(tmp_path):
    for share, folder in ((False, tmp_path / "a"), (True, tmp_path / "b")):
        folder.mkdir()
        program = program_with(folder, extra=f"share_notes_with_admins = {str(share).lower()}")
        try:
            program.tick(BOOKING_DAY)
            templates = folder / "templates"
            templates.mkdir()
            (templates / "peek.txt.j2").write_text(
                "Subject: peek\n{{ goal | default('-') }} {{ action_item | default('-') }} {{ week | default('-') }}\n")
            from agent.templating import Templates

            app = program.app
            app.templates = Templates([templates, *app.templates.folders])
            with app.engine.begin() as conn:
                send_template(app, conn, template="peek", audience="admins", pair=app.roster.pair_of(MIA),
                              occasion="peek", now=MAIL_DAY, reason="test",
                              extra=dict(goal="SECRET GOAL", action_item="SECRET ITEM", week="SECRET WEEK"))
            flush(app, MAIL_DAY)
            [notice] = program.sent_to(ADMIN)
            assert ("SECRET GOAL" in body(notice)) is share
            assert ("SECRET ITEM" in body(notice)) is share and ("SECRET WEEK" in body(notice)) is share
        finally:
            program.app.close()


def test_each_tick_derives_only_the_pairs_that_need_it_and_a_moved_meeting_cancels_its_action(program):
    from sqlalchemy import update

    from agent.store import rule_queries
    from agent.timed import derive_due, fire_due, mark_changed

    program.tick(BOOKING_DAY)
    app = program.reload()  # a new process
    with app.engine.begin() as conn:
        assert derive_due(app, conn, BOOKING_DAY) > 0  # the first call of a process derives every pair
        assert derive_due(app, conn, BOOKING_DAY + timedelta(seconds=30)) == 0  # nothing changed
        mark_changed(app, RANIA)
        assert derive_due(app, conn, BOOKING_DAY + timedelta(minutes=1)) > 0  # only Rania's pair
        upcoming = rule_queries.next_due_at(conn, BOOKING_DAY)  # what the in-process timer waits for
        dues = conn.execute(select(t.due_actions.c.due_at).where(t.due_actions.c.status == "pending")).scalars()
        assert upcoming == min(d for d in dues if d > BOOKING_DAY)
    first = meetings(program, RANIA)[0]
    with app.engine.begin() as conn:  # the first meeting is cancelled after its reminder was derived
        conn.execute(update(t.occurrences).where(t.occurrences.c.id == first.id).values(status="cancelled"))
    reminder_at = first.starts_at - timedelta(hours=47)
    fire_due(app, reminder_at)
    with app.engine.connect() as conn:
        [row] = conn.execute(select(t.due_actions).where(
            t.due_actions.c.idem_key == f"agenda-reminder:{RANIA}:meeting:{first.starts_at:%Y-%m-%dT%H:%M}Z")).all()
    assert (row.status, row.detail) == ("cancelled", "the meeting was moved or cancelled")
