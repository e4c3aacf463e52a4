"""Mail policies (agent.mail.policy): bounces, sender authenticity, the daily cap. Literal inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from agent.mail.policy import Bounce, DailyCap, authenticity, bounce_of, bounces_of, cap_day

# -- bounces ---------------------------------------------------------------------------------------

POSTFIX_DSN = b"""\
From: MAILER-DAEMON@mx.program.example.org (Mail Delivery System)
To: mentoring@program.example.org
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.program.example.org
Arrival-Date: Thu,  3 Dec 2026 09:12:00 +0000 (UTC)

Final-Recipient: rfc822; Rania@Example.org
Original-Recipient: rfc822;rania@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <rania@example.org>: Recipient address
    rejected: User unknown

--B1
Content-Type: text/rfc822-headers

From: Test Mentoring <mentoring@program.example.org>
To: rania@example.org
Subject: Your agenda
Message-ID: <rule.agenda.rania@program.example.org>

--B1--
"""

DELAYED_DSN = POSTFIX_DSN.replace(b"Action: failed", b"Action: delayed").replace(b"Status: 5.1.1", b"Status: 4.4.1")

TWO_RECIPIENTS = POSTFIX_DSN.replace(
    b"Diagnostic-Code: smtp; 550 5.1.1 <rania@example.org>: Recipient address\n    rejected: User unknown\n",
    b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\nFinal-Recipient: rfc822; tom@example.org\n"
    b"Action: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\n\n"
    b"Final-Recipient: rfc822; ok@example.org\nAction: delivered\nStatus: 2.0.0\n",
)

NO_ACTION_5XX = POSTFIX_DSN.replace(b"Action: failed\n", b"")

NOT_DELIVERY_STATUS = POSTFIX_DSN.replace(b"report-type=delivery-status", b"report-type=disposition-notification")

PLAIN = b"From: rania@example.org\r\nSubject: delivery-status of my agenda\r\n\r\nHello\r\n"


@pytest.mark.parametrize("raw, expected", [
    (POSTFIX_DSN, [Bounce("rania@example.org", "5.1.1",
                          "550 5.1.1 <rania@example.org>: Recipient address rejected: User unknown",
                          "<rule.agenda.rania@program.example.org>")]),
    (DELAYED_DSN, []),
    (TWO_RECIPIENTS, [Bounce("rania@example.org", "5.1.1", "550 5.1.1 user unknown",
                             "<rule.agenda.rania@program.example.org>"),
                      Bounce("tom@example.org", "5.2.2", "552 5.2.2 mailbox full",
                             "<rule.agenda.rania@program.example.org>")]),
    (NO_ACTION_5XX, [Bounce("rania@example.org", "5.1.1",
                            "550 5.1.1 <rania@example.org>: Recipient address rejected: User unknown",
                            "<rule.agenda.rania@program.example.org>")]),
    (NOT_DELIVERY_STATUS, []),
    (PLAIN, []),
    (b"", []),
    (b"\xff\xfe garbage delivery-status \x00", []),
])
def test_bounces_of(raw, expected):
    assert bounces_of(raw) == expected
    assert bounce_of(raw) == (expected[0] if expected else None)


# -- authenticity ------------------------------------------------------------------------------------


def mail(*results: str) -> bytes:
    head = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return (head + "From: rania@example.org\r\nSubject: agenda\r\n\r\nAuthentication-Results: mx.ours; dmarc=fail\r\n"
            ).encode()


OURS = "mx.program.example.org"


@pytest.mark.parametrize("raw, trusted, expected", [
    (mail(f"{OURS}; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass"), OURS, None),
    (mail(f"{OURS}; dmarc=fail (p=reject) header.from=example.org; spf=pass; dkim=pass"), OURS,
     "sender authentication failed: dmarc=fail"),
    (mail(f"{OURS}; spf=fail smtp.mailfrom=example.org; dkim=fail header.d=example.org"), OURS,
     "sender authentication failed: spf=fail, dkim=fail and no pass"),
    (mail(f"{OURS}; spf=softfail; dkim=none"), OURS, "sender authentication failed: spf=softfail and no pass"),
    (mail(f"{OURS}; spf=fail; dkim=pass header.d=example.org"), OURS, None),  # one pass is enough
    (mail(f"{OURS}; spf=none; dkim=none; dmarc=none"), OURS, None),  # no evidence of forgery
    (mail(f"{OURS}; spf=temperror"), OURS, None),
    (mail(f"{OURS}; none"), OURS, None),
    (mail(f"{OURS} 1; spf=fail; dkim=fail"), OURS, "sender authentication failed: spf=fail, dkim=fail and no pass"),
    (mail("MX.Program.Example.Org; DMARC=FAIL"), OURS, "sender authentication failed: dmarc=fail"),
    # comments are not results; only the trusted id counts; only the topmost trusted header counts
    (mail(f"{OURS}; spf=pass (dmarc=fail in a comment)"), OURS, None),
    (mail("mx.attacker.example; dmarc=pass", f"{OURS}; dmarc=fail"), OURS, "sender authentication failed: dmarc=fail"),
    (mail("mx.attacker.example; dmarc=fail"), OURS, None),
    (mail(f"{OURS}; dmarc=pass", f"{OURS}; dmarc=fail"), OURS, None),
    (mail(f"{OURS}; dmarc=fail"), None, None),  # no trusted id configured: nothing is trusted
    (mail(f"{OURS}; dmarc=fail"), "", None),
    (mail(), OURS, None),  # the header in the body does not count
    (f"Authentication-Results: {OURS};\r\n\tspf=fail\r\n\tdkim=fail\r\n\r\nbody".encode(), OURS,
     "sender authentication failed: spf=fail, dkim=fail and no pass"),
])
def test_authenticity(raw, trusted, expected):
    assert authenticity(raw, trusted) == expected


# -- daily cap ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit, sent_today, expected", [
    (10, 0, "answer"), (10, 9, "answer"), (10, 10, "notice"), (10, 11, "silent"), (10, 500, "silent"),
    (1, 0, "answer"), (1, 1, "notice"), (0, 0, "notice"), (0, 1, "silent"),
])
def test_daily_cap(limit, sent_today, expected):
    assert DailyCap(limit).decide(sent_today) == expected


def test_a_day_of_a_robot_gets_ten_answers_and_one_notice():
    cap, counter, out = DailyCap(), 0, []
    for _ in range(50):
        decision = cap.decide(counter)
        out.append(decision)
        if decision != "silent":
            counter += 1
    assert out.count("answer") == 10 and out.count("notice") == 1 and out[10] == "notice"


@pytest.mark.parametrize("now, day", [
    (datetime(2026, 12, 3, 23, 59, tzinfo=UTC), date(2026, 12, 3)),
    (datetime(2026, 12, 3, 23, 30, tzinfo=timezone(timedelta(hours=-5))), date(2026, 12, 4)),
])
def test_cap_day_is_the_utc_date(now, day):
    assert cap_day(now) == day
