"""Confidentiality at scale: with many pairs, every message at the SMTP server carries only its own pair's text.

The embedded default program (shipped rules and templates, Maildir inbox, SQLite) sends through the
real SMTP sink. Each mentee sends an agenda carrying a unique marker, each mentor sends notes with
another; every message the SMTP server received is then decoded part by part, and every marker found
must belong to the pair of each of its envelope recipients. Administrators receive no agenda or notes
text at all. 100 pairs run in the default suite, 1,000 under ``@pytest.mark.slow`` (MENTOR_AGENT_SLOW=1).
"""

from __future__ import annotations

import email
import re
import time
from email import policy
from pathlib import Path

import pytest
from tests.e2e.harness import BOOKING_DAY, MAIL_DAY, Program, write_config

pytestmark = pytest.mark.integration

MARKER = re.compile(r"\b(AGENDA|NOTES)Q(\d{5})Z\b")
ADMIN = "coordinator@program.example.org"


def roster(pairs: int) -> str:
    """``pairs`` mentor-mentee pairs in a spread of zones; person i belongs to pair i."""
    zones = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
    blocks = []
    for i in range(pairs):
        for role, zone in (("mentor", zones[i % 5]), ("mentee", zones[(i + 2) % 5])):
            blocks.append(f'[[participant]]\nemail = "{role}{i}@example.org"\nname = "{role.title()} {i}"\n'
                          f'role = "{role}"\ntimezone = "{zone}"\nhours = ["Mon-Fri 07:00-21:00"]\n')
        blocks.append(f'[[pair]]\nmentor = "mentor{i}@example.org"\nmentee = "mentee{i}@example.org"\n'
                      f'start = 2026-12-01\n')
    return "\n".join(blocks)


def agenda(i: int) -> str:
    return (f"From: Mentee {i} <mentee{i}@example.org>\r\nTo: mentoring@program.example.org\r\n"
            f"Subject: Agenda for our next meeting\r\nMessage-ID: <agenda-{i}@mail.example.org>\r\n"
            f"Date: Thu, 03 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Agenda:\r\n1. My plan AGENDAQ{i:05d}Z for next year\r\n2. Interview practice, see mentor{(i + 1) % 7}@example.org\r\n")


def notes(i: int) -> str:
    return (f"From: Mentor {i} <mentor{i}@example.org>\r\nTo: mentoring@program.example.org\r\n"
            f"Subject: Notes from our meeting\r\nMessage-ID: <notes-{i}@mail.example.org>\r\n"
            f"Date: Thu, 03 Dec 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Meeting notes.\r\n\r\nAgreements:\r\n- We discussed NOTESQ{i:05d}Z in depth\r\n\r\n"
            f"Next steps:\r\n- Mentee {i} will write the plan by Friday\r\n")


def texts(data: bytes) -> str:
    """Every decoded text of a message: headers and each part (base64 and quoted-printable undone)."""
    message = email.message_from_bytes(data, policy=policy.default)
    found = [str(v) for _, v in message.items()]
    for part in message.walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            found.append(payload.decode("utf-8", "replace"))
    return "\n".join(found)


def owner(address: str) -> int | None:
    match = re.match(r"(?:mentor|mentee)(\d+)@example\.org$", address.lower())
    return int(match.group(1)) if match else None


def run_program(tmp_path: Path, smtp_sink, pairs: int) -> dict[str, float]:
    (tmp_path / "roster.toml").write_text(roster(pairs))
    config = write_config(tmp_path, roster=tmp_path / "roster.toml", extra="daily_answer_cap = 1000",
                          outbound=f'backend = "smtp"\nhost = "{smtp_sink.host}"\nport = {smtp_sink.port}\n'
                                   f'security = "none"')
    program = Program(tmp_path, config)
    times = {}
    try:
        start = time.perf_counter()
        program.tick(BOOKING_DAY)
        times["booking"] = time.perf_counter() - start
        for i in range(pairs):
            program.deliver(agenda(i), f"agenda-{i}")
            program.deliver(notes(i), f"notes-{i}")
        start = time.perf_counter()
        report = program.tick(MAIL_DAY)
        times["mail"] = time.perf_counter() - start
        assert report.messages.get("processed") == 2 * pairs, report.messages
    finally:
        program.app.close()
    return times


def check_confidentiality(smtp_sink, pairs: int) -> None:
    seen = {"AGENDA": set(), "NOTES": set()}
    for captured in smtp_sink.messages:
        owners = {owner(r) for r in captured.rcpt_tos}
        markers = {(kind, int(n)) for kind, n in MARKER.findall(texts(captured.data))}
        for kind, n in markers:
            seen[kind].add(n)
            assert owners == {n}, f"{kind} of pair {n} went to {captured.rcpt_tos}"
        if ADMIN in captured.rcpt_tos:
            assert not markers
    # the agendas reached the mentors and the notes became summaries: the test saw real traffic
    assert len(seen["AGENDA"]) == pairs and len(seen["NOTES"]) == pairs, {k: len(v) for k, v in seen.items()}


def test_100_pairs_keep_their_own_text(tmp_path, smtp_sink):
    times = run_program(tmp_path, smtp_sink, 100)
    check_confidentiality(smtp_sink, 100)
    print(f"100 pairs: booking {times['booking']:.1f} s, 200 messages {times['mail']:.1f} s, "
          f"{len(smtp_sink.messages)} messages at the SMTP server")


@pytest.mark.slow
def test_1000_pairs_keep_their_own_text(tmp_path, smtp_sink):
    times = run_program(tmp_path, smtp_sink, 1000)
    check_confidentiality(smtp_sink, 1000)
    print(f"1000 pairs: booking {times['booking']:.1f} s, 2000 messages {times['mail']:.1f} s, "
          f"{len(smtp_sink.messages)} messages at the SMTP server")
