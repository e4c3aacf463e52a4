"""Rule actions that change meetings: skip one meeting, propose times, book early."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import BOOKING_DAY, REPO, Program, body, write_config
from icalendar import Calendar
from sqlalchemy import select

from agent.store import repo
from agent.store import tables as t


def program_with(tmp_path: Path, rule: str) -> Program:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    (rules / "90-test.toml").write_text(rule)
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace(f'rules = "{REPO / "rules"}"', f'rules = "{rules}"'))
    return Program(tmp_path, config)


SKIP_FIFTH = """
[[rule]]
name = "skip-fifth"
description = "The fifth meeting falls in the program's summer break."
trigger = "before_meeting"
offset = "72h"
if = { meeting_count = 4 }
action = "skip"
"""


def test_skip_cancels_one_meeting_for_both_with_a_recurrence_id(tmp_path):
    program = program_with(tmp_path, SKIP_FIFTH)
    try:
        program.tick(BOOKING_DAY)
        with program.app.engine.connect() as conn:
            starts = [m.starts_at for m in repo.occurrences_of(conn, "rania@example.org")]
        fifth = starts[4]
        moment = datetime(2026, 12, 1, 18, tzinfo=UTC)
        while moment < fifth + timedelta(days=1):  # a tick a day until after the fifth meeting
            program.tick(moment)
            moment += timedelta(days=1)
        cancelled = [m for m in program.sent() if m["Subject"].startswith("Meeting cancelled") and "rania" in m["To"]]
        assert len(cancelled) == 1
        [calendar] = [Calendar.from_ical(p.get_content()) for p in cancelled[0].walk()
                      if p.get_content_type() == "text/calendar"]
        [event] = calendar.walk("VEVENT")
        assert calendar["METHOD"] == "CANCEL" and event.decoded("RECURRENCE-ID") == fifth
        with program.app.engine.connect() as conn:
            status = conn.execute(select(t.occurrences.c.status).where(t.occurrences.c.starts_at == fifth,
                                                                       t.occurrences.c.pair_key == "rania@example.org"))
            assert status.scalar_one() == "cancelled"
    finally:
        program.app.close()


PROPOSE = """
[[rule]]
name = "offer-times"
description = "When the mentor writes 'other times', send both times that fit them."
trigger = "message"
kind = "other"
if = { mentions = ["other times"] }
action = "propose"
"""


def test_propose_sends_times_that_fit_both_in_each_readers_zone(tmp_path):
    program = program_with(tmp_path, PROPOSE)
    try:
        program.tick(BOOKING_DAY)
        program.deliver("""From: Katy Nguyen <katy@example.org>
To: mentoring@program.example.org
Subject: quick question
Message-ID: <katy-times@mail.example.org>
Content-Type: text/plain; charset=utf-8

Hi, could you send us some other times next week? Thanks, Katy
""", "times")
        program.tick(datetime(2026, 12, 3, 12, tzinfo=UTC))
        offers = [m for m in program.sent() if m["Subject"].startswith("Times that fit")]
        assert sorted(m["To"] for m in offers) == ["Katy Nguyen <katy@example.org>", "Rania Haddad <rania@example.org>"]
        katy = next(m for m in offers if "katy" in m["To"])
        options = [line for line in body(katy).splitlines() if line.startswith("  - ")]
        assert len(options) == 3
        assert all("(America/Los_Angeles) — for Rania:" in line for line in options)
    finally:
        program.app.close()
