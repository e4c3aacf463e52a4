"""Mail policies end to end: bounces, sender authenticity, the daily cap, permanent send failures."""

from __future__ import annotations

from harness import BOOKING_DAY, MAIL_DAY, Program, body, example_mail, write_config

from agent.errors import AdapterError
from agent.store import repo

DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: mentoring@program.example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.example.org>
Auto-Submitted: auto-replied
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered.
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; li@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown
--b--
"""


def test_a_bounce_marks_the_address_and_tells_the_admins(program):
    program.tick(BOOKING_DAY)
    program.deliver(DSN, "dsn")
    program.tick(MAIL_DAY)
    with program.app.engine.connect() as conn:
        assert "li@example.org" in repo.bouncing_addresses(conn)
    [notice] = [m for m in program.sent_to("coordinator@program.example.org") if "bounces" in m["Subject"]]
    assert "5.1.1" in body(notice)
    before = len(program.sent_to("li@example.org"))
    program.tick(MAIL_DAY.replace(day=20))  # reminders keep coming for others, never to a bouncing address
    assert len(program.sent_to("li@example.org")) == before


def test_mail_failing_dmarc_at_the_trusted_server_is_quarantined(tmp_path):
    config = write_config(tmp_path, extra='trusted_authserv_id = "mx.program.example.org"')
    program = Program(tmp_path, config)
    try:
        program.tick(BOOKING_DAY)
        forged = example_mail("01-agenda-rania.eml").replace(
            b"MIME-Version", b"Authentication-Results: mx.program.example.org; dmarc=fail header.from=example.org\n"
                             b"MIME-Version", 1)
        program.deliver(forged, "forged")
        assert program.tick(MAIL_DAY).messages == {"quarantined": 1}
        assert not [m for m in program.sent() if m["Subject"].startswith("Agenda from")]
    finally:
        program.app.close()


def test_the_daily_cap_sends_one_notice_and_then_nothing(tmp_path):
    config = write_config(tmp_path, extra="daily_answer_cap = 2")
    program = Program(tmp_path, config)
    try:
        program.tick(BOOKING_DAY)
        notes = example_mail("02-notes-mia.eml")
        for n in range(5):  # each set of notes earns Mia a summary: an automatic answer
            program.deliver(notes.replace(b"<20261203210500.notes.mia@", f"<n{n}.notes.mia@".encode()), f"n{n}")
        program.tick(MAIL_DAY)
        to_mia = program.sent_to("mia@example.org")
        summaries = [m for m in to_mia if m["Subject"].startswith("Summary")]
        notices = [m for m in to_mia if m["Subject"].startswith("No more automatic answers")]
        assert (len(summaries), len(notices)) == (2, 1)
        assert len([m for m in program.sent_to("tom@example.org") if m["Subject"].startswith("Summary")]) == 5
    finally:
        program.app.close()


def test_a_permanent_send_failure_is_mailed_to_the_admins(program):
    outbound = program.app.outbound
    real_send = outbound.send

    def refuse_li(message_id, raw, recipients):
        if "li@example.org" in recipients:
            raise AdapterError("550 5.1.1 <li@example.org>: user unknown")
        return real_send(message_id, raw, recipients)

    outbound.send = refuse_li
    program.tick(BOOKING_DAY)
    notices = [m for m in program.sent_to("coordinator@program.example.org") if "could not be sent" in m["Subject"]]
    assert len(notices) == 3  # the kickoff and two invitations to Li
    assert all("550 5.1.1" in body(m) and "li@example.org" in m["Subject"] for m in notices)
