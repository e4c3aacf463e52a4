"""PRODUCT.md's guarantees, each with a test that fails if it breaks.

Nothing lost (crash before the commit), nothing twice (crash after the commit, after the send,
duplicate delivery), no loops (automatic mail is never answered), confidentiality (one pair's
words never reach another pair or the administrators), strangers never answered.
"""

from __future__ import annotations

import pytest

from agent.store import repo
from harness import BOOKING_DAY, MAIL_DAY, Program, body, example_mail, write_config

AGENDA = example_mail("01-agenda-rania.eml")


class Crash(BaseException):
    """Stands for the process dying: BaseException, so no handler in the agent catches it."""


def crash_once(monkeypatch, target, name):
    original = getattr(target, name)
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise Crash(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, dying)


def forwards(program: Program):
    return [m for m in program.sent() if m["Subject"].startswith("Agenda from")]


def test_crash_before_the_commit_loses_nothing(program, monkeypatch):
    program.tick(BOOKING_DAY)
    program.deliver(AGENDA, "agenda")
    crash_once(monkeypatch, repo, "update_ledger")  # inside the message's transaction
    with pytest.raises(Crash):
        program.tick(MAIL_DAY)
    assert forwards(program) == []
    assert (program.folder / "inbox" / "new" / "agenda").exists(), "the message stays in the inbox"
    program.reload()
    assert program.tick(MAIL_DAY).messages == {"processed": 1}
    assert len(forwards(program)) == 1


def test_crash_after_the_commit_before_the_move_acts_once(program, monkeypatch):
    program.tick(BOOKING_DAY)
    program.deliver(AGENDA, "agenda")
    crash_once(monkeypatch, type(program.app.mailbox), "mark_processed")
    with pytest.raises(Crash):
        program.tick(MAIL_DAY)
    program.reload()
    program.tick(MAIL_DAY)
    assert len(forwards(program)) == 1
    assert not (program.folder / "inbox" / "new" / "agenda").exists()


def test_crash_after_sending_before_marking_sent_sends_once(program, monkeypatch):
    program.tick(BOOKING_DAY)
    program.deliver(AGENDA, "agenda")
    crash_once(monkeypatch, repo, "outbox_sent")
    with pytest.raises(Crash):
        program.tick(MAIL_DAY)
    program.reload()
    program.tick(MAIL_DAY)
    assert len(forwards(program)) == 1
    with program.app.engine.connect() as conn:
        assert repo.outbox_due(conn, MAIL_DAY) == []


def test_duplicate_delivery_takes_effect_once(program):
    program.tick(BOOKING_DAY)
    program.deliver(AGENDA, "copy-1")
    program.deliver(AGENDA, "copy-2")  # same Message-ID under another key (a second MTA delivery)
    assert program.tick(MAIL_DAY).messages == {"processed": 1, "duplicate": 1}
    assert len(forwards(program)) == 1


def test_out_of_office_auto_reply_is_never_answered(program):
    program.tick(BOOKING_DAY)
    before = len(program.sent_to("tom@example.org"))
    program.deliver(example_mail("04-out-of-office-tom.eml"), "ooo")
    program.tick(MAIL_DAY)
    assert len(program.sent_to("tom@example.org")) == before


ROBOT_REPLY = """From: Rania Haddad <rania@example.org>
To: mentoring@program.example.org
Subject: Re: {subject}
Message-ID: <robot-{n}@mail.example.org>
{marker}Content-Type: text/plain; charset=utf-8

Meeting notes
Agreements:
- I am a robot answering every email
Next steps:
- I will answer again
"""


@pytest.mark.parametrize("marker", ["Auto-Submitted: auto-replied\n", "Precedence: bulk\n",
                                    "List-Id: <robots.example.org>\n", "X-Auto-Response-Suppress: All\n"])
def test_an_auto_responder_robot_gets_no_answer_and_no_loop(program, marker):
    program.tick(BOOKING_DAY)
    for n in range(5):  # the robot answers whatever we sent it last
        last = program.sent_to("rania@example.org")[-1]
        program.deliver(ROBOT_REPLY.format(subject=last["Subject"], n=n, marker=marker), f"robot-{n}")
        program.tick(MAIL_DAY)
    answered = [m for m in program.sent_to("rania@example.org") if "robot" in body(m)]
    assert answered == []
    # the partner is still told (informing Katy is not answering the robot)
    assert [m for m in program.sent_to("katy@example.org") if "robot" in body(m)]


def test_a_stranger_gets_no_reply_and_is_quarantined_with_a_reason(program):
    program.tick(BOOKING_DAY)
    program.deliver(example_mail("05-stranger.eml"), "stranger")
    assert program.tick(MAIL_DAY).messages == {"quarantined": 1}
    assert program.sent_to("unknown-vendor.example.com") == []
    with program.app.engine.connect() as conn:
        [entry] = repo.quarantined(conn)
    assert entry.reason == "sender alex@unknown-vendor.example.com is not a participant"
    assert (program.folder / "inbox" / ".Quarantine" / "cur").iterdir()


def test_a_participant_cannot_reach_another_pair(program):
    """Mia (Tom's mentee) writes an agenda naming Katy: it goes to Tom only."""
    program.tick(BOOKING_DAY)
    before = {m["Message-ID"] for m in program.sent()}
    secret = "MY-CONFIDENTIAL-CAREER-PLAN"
    program.deliver(f"""From: Mia Chen <mia@example.org>
To: mentoring@program.example.org, katy@example.org
Subject: Agenda for our next meeting
Message-ID: <mia-agenda@mail.example.org>
Content-Type: text/plain; charset=utf-8

Agenda:
1. {secret}
2. Katy, Rania, please also read this
""", "mia-agenda")
    program.tick(MAIL_DAY)
    new = [m for m in program.sent() if m["Message-ID"] not in before]
    carrying = [m["To"] for m in new if secret in body(m)]
    assert carrying == ["Tom Barker <tom@example.org>"]


def test_garbage_is_quarantined_and_the_agent_keeps_running(program):
    program.tick(BOOKING_DAY)
    program.deliver(b"\x00\xff" * 5000 + b"\r\n\r\n\x00", "garbage")
    program.deliver(AGENDA, "agenda")
    report = program.tick(MAIL_DAY)
    assert report.messages.get("processed") == 1
    assert len(forwards(program)) == 1


def test_admin_notices_carry_metadata_only(tmp_path):
    """Notes text never reaches an administrator unless share_notes_with_admins is on."""
    from agent.messenger import send_template
    from agent.outbox import flush
    from agent.templating import Templates

    running = Program(tmp_path, write_config(tmp_path))
    try:
        running.tick(BOOKING_DAY)
        app = running.app
        pair = app.roster.pair_of("mia@example.org")
        (tmp_path / "templates").mkdir()
        (tmp_path / "templates" / "leak.txt.j2").write_text("Subject: x\n{{ notes | default('no notes') }}\n")
        app.templates = Templates([tmp_path / "templates", *app.templates.folders])
        with app.engine.begin() as conn:
            send_template(app, conn, template="leak", audience="admins", pair=pair, occasion="t", now=MAIL_DAY,
                          reason="test", extra=dict(notes="SECRET NOTES"))
        flush(app, MAIL_DAY)
        [notice] = running.sent_to("coordinator@program.example.org")
        assert "SECRET NOTES" not in body(notice)
    finally:
        running.app.close()


def test_a_mentor_of_two_pairs_is_placed_by_the_thread_and_never_crosses_pairs(program):
    program.tick(BOOKING_DAY)
    [invitation] = [m for m in program.sent_to("ana@example.org")
                    if m["Subject"].startswith("Invitation") and "Priya" in m["Subject"] and "weekly x6" in m["Subject"]]
    notes = """From: Ana Weber <ana@example.org>
To: mentoring@program.example.org
Subject: Notes from our meeting
Message-ID: <{id}@mail.example.org>
{thread}Content-Type: text/plain; charset=utf-8

Agreements:
- {secret}
Next steps:
- I will send Priya two articles by Friday.
"""
    program.deliver(notes.format(id="threaded", thread=f"In-Reply-To: {invitation['Message-ID']}\n",
                                 secret="PRIYA-ONLY-AGREEMENT"), "threaded")
    program.deliver(notes.format(id="unthreaded", thread="", secret="UNPLACED-AGREEMENT"), "unthreaded")
    program.tick(MAIL_DAY)
    carrying = sorted(m["To"] for m in program.sent() if "PRIYA-ONLY-AGREEMENT" in body(m))
    assert carrying == ["Ana Weber <ana@example.org>", "Priya Sharma <priya@example.org>"]
    assert [m for m in program.sent() if "UNPLACED-AGREEMENT" in body(m)] == []
