"""``mentor-agent meeting ...``: an administrator's change, applied at once, both people told in their zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from harness import MAIL_DAY, body
from icalendar import Calendar
from sqlalchemy import select

from agent.cli import main
from agent.store import repo
from agent.store import tables as t

PAIR, KATY = "rania@example.org", "katy@example.org"
NOW = ["--now", "2026-12-03T12:00:00Z"]


def run(program, *args):
    return main(["meeting", *args, "--pair", PAIR, "--config", str(program.config), *NOW])


def scheduled(program):
    with program.app.engine.connect() as conn:
        return [o.starts_at for o in repo.occurrences_of(conn, PAIR)]


def test_reschedule_applies_at_once_and_mails_both(booked_program, capsys):
    program = booked_program
    assert run(program, "reschedule", "--date", "2026-12-08", "--to", "2026-12-09 19:00") == 0
    out = capsys.readouterr().out
    assert "Rania: Wednesday 9 December 2026, 19:00 (Asia/Beirut)" in out
    assert "Katy: Wednesday 9 December 2026, 09:00 (America/Los_Angeles)" in out
    new = datetime(2026, 12, 9, 17, tzinfo=UTC)
    assert new in scheduled(program) and datetime(2026, 12, 8, 17, 30, tzinfo=UTC) not in scheduled(program)
    program.tick(MAIL_DAY)  # the running agent delivers what the command queued
    [done] = [m for m in program.sent_to(KATY) if m["Subject"].startswith("Done")]
    assert "09:00 (America/Los_Angeles)" in body(done)
    [part] = [p for p in done.walk() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(UTC) == new
    with program.app.engine.connect() as conn:
        actions = conn.execute(select(t.audit.c.action).where(t.audit.c.pair_key == PAIR)).scalars().all()
    assert "meeting reschedule" in actions


def test_dry_run_changes_nothing(booked_program, capsys):
    program = booked_program
    before = scheduled(program)
    assert run(program, "skip", "--date", "2026-12-08", "--dry-run") == 0
    assert "dry run" in capsys.readouterr().out
    assert scheduled(program) == before


@pytest.mark.parametrize(("args", "message"), [
    (("reschedule", "--date", "2026-12-08", "--to", "2026-12-09 23:00"), "does not fit"),
    (("reschedule", "--to", "tomorrow"), "is not"),
    (("skip",), "needs --date"),
    (("skip", "--date", "2026-12-09"), "no meeting"),
    (("pause",), "needs --weeks"),
    (("cadence", "--cadence", "daily"), "How often"),
    (("reschedule", "--to", "2026-12-09 19:00", "--zone", "Mars/Olympus"), "IANA"),
])
def test_errors_are_clear_messages_with_exit_2(booked_program, capsys, args, message):
    program = booked_program
    before = scheduled(program)
    assert run(program, *args) == 2
    assert message in capsys.readouterr().err
    assert scheduled(program) == before


def test_pause_cadence_resume_and_end(booked_program, capsys):
    program = booked_program
    assert run(program, "pause", "--weeks", "2") == 0
    assert datetime(2026, 12, 8, 17, 30, tzinfo=UTC) not in scheduled(program)
    assert run(program, "resume") == 0
    assert datetime(2026, 12, 8, 17, 30, tzinfo=UTC) in scheduled(program)
    assert run(program, "cadence", "--cadence", "every 2 weeks") == 0
    future = [s for s in scheduled(program) if s > MAIL_DAY]
    assert all(b - a >= timedelta(days=13) for a, b in zip(future, future[1:]))
    assert run(program, "end") == 0
    assert [s for s in scheduled(program) if s > MAIL_DAY] == []
    assert run(program, "skip", "--date", "2026-12-22") == 2  # an ended pair has nothing to change
    capsys.readouterr()


def test_an_unknown_pair_is_exit_2(program, capsys):
    assert main(["meeting", "skip", "--pair", "nobody@example.org", "--config", str(program.config)]) == 2
    assert "no mentee" in capsys.readouterr().err
