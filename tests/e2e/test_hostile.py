"""Hostile mail and hostile text through the whole program (deliver + tick), on the embedded default.

1. Attachment bombs from a participant (50 MB, thousands of parts, deep nesting, a base64 part that
   decodes huge, every Content-Transfer-Encoding) are quarantined with a reason a person can read or
   given a safe reading; memory stays bounded; the agent carries on with the next message.
2. Injection: CR/LF and other control characters in a subject that is threaded into replies, in
   agenda text echoed into templates, in roster names, in anything placed into outgoing headers or
   iCalendar content lines, never create a header or a content line. Template syntax people write
   (``{{ config }}``, ``{% for %}``, ``{{ ''.__class__ }}``) is shown literally, never evaluated.
"""

from __future__ import annotations

import base64
import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from harness import BOOKING_DAY, MAIL_DAY, REPO, Program, body, write_config
from icalendar import Calendar

from agent.calendar.imip_out import Attendee, build_request
from agent.check import check_program
from agent.domain.model import SeriesPlan
from agent.mail.compose import Address, compose
from agent.store import repo
from bounds import assert_bounded, measured

ALLOWED_HEADERS = {"auto-submitted", "content-type", "date", "from", "in-reply-to", "message-id", "mime-version",
                   "references", "subject", "to", "x-envelope-to", "content-transfer-encoding",
                   "content-disposition", "reply-to", "cc"}
EVIL = "evil@attacker.example"
TEMPLATE_SYNTAX = ["{{ config }}", "{% for x in range(3) %}LOOP{% endfor %}", "{{ ''.__class__.__mro__ }}",
                   "{{ 7*7 }}", "{# comment #}", "{{ program.name }}", "{% raw %}x{% endraw %}"]


@pytest.fixture(scope="module")
def booked(tmp_path_factory):
    """One booked program for the module (booking is the slow part); each test delivers its own mail."""
    folder = tmp_path_factory.mktemp("hostile")
    running = Program(folder, write_config(folder))
    running.tick(BOOKING_DAY)
    running.tick(MAIL_DAY)
    yield running
    running.app.close()


def _new(program: Program, before: set[str]) -> list[email.message.EmailMessage]:
    return [m for m in program.sent() if m["Message-ID"] not in before]


def _ids(program: Program) -> set[str]:
    return {m["Message-ID"] for m in program.sent()}


def _raw_headers(message: email.message.EmailMessage) -> list[str]:
    """Header names as they appear in the bytes, every MIME part included."""
    return [k.lower() for part in message.walk() for k in part.keys()]


def assert_no_injection(messages) -> None:
    for message in messages:
        raw = message.as_bytes()
        assert set(_raw_headers(message)) <= ALLOWED_HEADERS, sorted(set(_raw_headers(message)) - ALLOWED_HEADERS)
        head = email.message_from_bytes(raw.split(b"\n\n", 1)[0] + b"\n\n", policy=policy.default)
        for name in ("From", "To", "Cc", "Reply-To"):  # people's text may sit in a display name, never an address
            assert all(a.addr_spec != EVIL for a in getattr(head[name], "addresses", ())), (name, head[name])
        for name, value in head.items():
            assert "\n" not in value and "\r" not in value, (name, value)
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                ics = part.get_payload(decode=True)
                assert_one_calendar(ics)


def assert_one_calendar(ics: bytes) -> None:
    """One VCALENDAR, one VEVENT, no ATTENDEE beyond the pair's two, no line the attacker started."""
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    attendees = events[0].get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert len(attendees) <= 2 and not any(EVIL in str(a) for a in attendees)
    unfolded = re.sub(rb"\r\n[ \t]", b"", ics)
    assert not re.search(rb"^(ATTENDEE|ORGANIZER)[;:][^\r\n]*:mailto:" + re.escape(EVIL.encode()) + rb"\r?$",
                         unfolded, re.M | re.I)
    assert len(re.findall(rb"^BEGIN:VEVENT", unfolded, re.M)) == 1
    assert len(re.findall(rb"^METHOD:", unfolded, re.M)) == 1


# ------------------------------------------------------------------ 1. bombs
FROM = b"From: Rania Haddad <rania@example.org>\r\nTo: mentoring@program.example.org\r\nMIME-Version: 1.0\r\n"
B64_LINE = b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n"


def _multipart(parts: list[bytes]) -> bytes:
    return (b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            + b"".join(b"--b\r\n" + p + b"\r\n" for p in parts) + b"--b--\r\n")


def _nested(depth: int) -> bytes:
    head = b"".join(b"Content-Type: multipart/mixed; boundary=\"l%d\"\r\n\r\n--l%d\r\n" % (i, i) for i in range(depth))
    return head + b"Content-Type: text/plain\r\n\r\nx\r\n" + b"".join(b"--l%d--\r\n" % i for i in reversed(range(depth)))


BOMBS = {
    "50-megabytes": (FROM + b"Subject: big\r\nMessage-ID: <big@x>\r\nContent-Type: text/plain\r\n\r\n"
                     + (b"y" * 999 + b"\n") * 50_000, "message is 50 MB; the limit is 25 MB"),
    "3-million-lines": (FROM + b"Subject: lines\r\nMessage-ID: <lines@x>\r\n\r\n" + b"=\r\n" * 3_000_000, "lines"),
    "5000-parts": (FROM + b"Subject: parts\r\nMessage-ID: <parts@x>\r\n"
                   + _multipart([b"Content-Type: application/octet-stream\r\n\r\nAAAA"] * 5000), None),
    "nesting-5000": (FROM + b"Subject: deep\r\nMessage-ID: <deep@x>\r\n" + _nested(5000), None),
    "base64-15MB": (FROM + b"Subject: zip\r\nMessage-ID: <zip@x>\r\n" + _multipart([
        b"Content-Type: text/plain\r\n\r\nSee the attachment.",
        b"Content-Type: application/zip; name=cv.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + B64_LINE * 270_000]), None),
    "calendar-15MB": (FROM + b"Subject: Accepted\r\nMessage-ID: <cal@x>\r\nContent-Type: text/calendar; method=REPLY"
                      b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                      + base64.encodebytes(b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n" + b"X:" + b"y" * 70 + b"\r\n") * 200_000,
                      "the limit is 25 MB"),
    "every-encoding": (FROM + b"Subject: encodings\r\nMessage-ID: <cte@x>\r\n" + _multipart([
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: " + cte + b"\r\n\r\nAgenda =E2=82=AC 4oKs"
        for cte in (b"base64", b"quoted-printable", b"x-uuencode", b"bogus", b"8bit", b"binary", b"7bit")] * 50), None),
}


@pytest.mark.parametrize("name", BOMBS)
def test_bombs_are_quarantined_or_read_safely_and_the_agent_carries_on(booked, name):
    raw, reason = BOMBS[name]
    booked.deliver(raw, f"bomb-{name}")

    size = len(raw)
    with measured(seconds=30) as found:  # a whole tick: understanding, the store, the Maildir move
        report = booked.tick(MAIL_DAY)
    found["memory"] -= size  # the mailbox hands over the whole message: that read is not the agent's to bound
    print(f"{name}: {found['memory'] / 1e6:.0f} MB beyond the message, {found['seconds']:.1f} s")
    assert_bounded(found, name)
    with booked.app.engine.connect() as conn:
        entries = [e for e in repo.quarantined(conn) if e.mailbox_key.startswith(f"bomb-{name}")]
    if reason is not None:
        assert report.messages == {"quarantined": 1}
        [entry] = entries
        assert reason in entry.reason and "Traceback" not in entry.reason and len(entry.reason) < 300
    else:  # a safe reading: processed or quarantined, never a crash
        assert sum(report.messages.values()) == 1 and set(report.messages) <= {"processed", "quarantined"}
        assert all("Error" not in e.reason for e in entries), [e.reason for e in entries]
    assert not list((booked.folder / "inbox" / "new").iterdir())  # moved out, never left behind


# ------------------------------------------------------------------ 2. injection
def _agenda(subject_header: bytes, text: str, message_id: str) -> bytes:
    return (b"From: Rania Haddad <rania@example.org>\r\nTo: mentoring@program.example.org\r\n"
            b"Subject: " + subject_header + b"\r\nMessage-ID: <" + message_id.encode() + b">\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode())


def _encoded(text: str) -> bytes:
    return b"=?utf-8?B?" + base64.b64encode(text.encode()) + b"?="


INJECTED_SUBJECTS = [
    f"Agenda for our next meeting\r\nBcc: {EVIL}",
    f"Agenda for our next meeting\nTo: {EVIL}\n\nbody",
    f"Agenda\x00\x0b\x0c\x1b[31m\u2028Bcc: {EVIL}\u2029X-Evil: 1\x85",
    "Agenda {{ config }} {% for x in range(3) %}LOOP{% endfor %}",
]


@pytest.mark.parametrize("subject", INJECTED_SUBJECTS)
def test_a_hostile_subject_threaded_into_replies_creates_no_header(booked, subject):
    before = _ids(booked)
    text = "Agenda:\n1. " + "\n2. ".join(TEMPLATE_SYNTAX) + f"\n3. Line with\rCR and Bcc: {EVIL}\n"
    booked.deliver(_agenda(_encoded(subject), text, f"inj-{abs(hash(subject))}@x"), f"inj-{abs(hash(subject))}")
    assert booked.tick(MAIL_DAY).messages == {"processed": 1}
    new = _new(booked, before)
    assert new, "the agenda was forwarded"
    assert_no_injection(new)
    forwarded = [m for m in new if "tom@example.org" in m["To"] or "katy@example.org" in m["To"]]
    shown = "".join(body(m) for m in forwarded)
    for syntax in TEMPLATE_SYNTAX:  # shown as written, never evaluated
        assert syntax in shown
    assert "LOOPLOOP" not in shown and "<class" not in shown and "49" not in shown.replace("7*7", "")


def test_template_syntax_in_notes_reaches_the_summary_literally(booked):
    before = _ids(booked)
    notes = ("Notes from our meeting\n\nAgreements:\n- {{ config }} stays as written\n"
             "- {{ ''.__class__.__mro__[1].__subclasses__() }}\n\nNext steps:\n"
             "- Rania will send {% for x in range(3) %}LOOP{% endfor %} by Friday\n")
    booked.deliver(_agenda(b"Notes from our meeting", notes, "notes-syntax@x"), "notes-syntax")
    booked.tick(MAIL_DAY)
    new = _new(booked, before)
    assert_no_injection(new)
    shown = "".join(body(m) for m in new)
    assert "{{ config }}" in shown and "LOOPLOOP" not in shown and "<class" not in shown


@pytest.mark.parametrize("name", [
    f"Eve\r\nBcc: {EVIL}", f"Eve\nTo: {EVIL}", f"Eve\x00\x1b\u2028Bcc: {EVIL}", "Eve, <evil@attacker.example>",
    f'Eve" <{EVIL}>, "x', "=?utf-8?B?RXZl?= \r\n\tBcc: x",
])
def test_names_in_outgoing_headers_stay_one_display_name(name):
    raw = compose(sender=Address("mentoring@program.example.org", f"Program {name}"),
                  to=[Address("rania@example.org", name)], subject=f"Re: {name}", text=f"Hello {name}",
                  html=None, message_id="<m@program.example.org>", date=datetime(2026, 12, 3, tzinfo=UTC))
    message = email.message_from_bytes(raw, policy=policy.default)
    assert [a.addr_spec for a in message["To"].addresses] == ["rania@example.org"]
    assert [a.addr_spec for a in message["From"].addresses] == ["mentoring@program.example.org"]
    assert_no_injection([message])


@pytest.mark.parametrize("text", [
    f"Mentoring\r\nATTENDEE:mailto:{EVIL}", f"Mentoring\nEND:VEVENT\nBEGIN:VEVENT\nORGANIZER:mailto:{EVIL}",
    f'Eve";ROLE=CHAIR:mailto:{EVIL}', f"Eve\x00\x0b\u2028METHOD:CANCEL", "{{ config }};,\\:\"",
])
def test_hostile_text_in_calendar_content_lines_creates_no_line(text):
    plan = _a_plan()
    ics = build_request(plan, uid="u@x", sequence=0, dtstamp=datetime(2026, 11, 23, tzinfo=UTC),
                        organizer_email="mentoring@program.example.org", organizer_name=text,
                        attendees=[Attendee("rania@example.org", text), Attendee("katy@example.org", "Katy")],
                        summary=text, description=f"{text}\n{text}", location=f"https://meet.example.org/{text}")
    assert_one_calendar(ics)
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).replace("\n", " ").strip()
    assert [str(a).lower() for a in event["ATTENDEE"]] == ["mailto:rania@example.org", "mailto:katy@example.org"]


def _a_plan() -> SeriesPlan:
    """Six weekly 17:00 meetings in Berlin, as booking makes them."""
    starts = [datetime(2027, 1, 5, 17, tzinfo=ZoneInfo("Europe/Berlin")) + timedelta(weeks=i) for i in range(6)]
    return SeriesPlan(tzid="Europe/Berlin", dtstart=starts[0], minutes=45, interval_weeks=1, count=6,
                      occurrences=tuple(s.astimezone(UTC) for s in starts), exdates=())


ROSTER_NAMES = [f"Rania\r\nBcc: {EVIL}", "Rania\x00Haddad", "Rania\u2028Haddad"]


@pytest.mark.parametrize("name", ROSTER_NAMES)
def test_control_characters_in_roster_names_are_a_check_problem(tmp_path, name):
    roster = (REPO / "examples" / "roster.toml").read_text()
    escaped = name.encode("unicode_escape").decode().replace("\\x", "\\u00")
    hostile = tmp_path / "roster.toml"
    hostile.write_text(roster.replace('name = "Rania Haddad"', f'name = "{escaped}"'))
    program, problems = check_program(write_config(tmp_path, roster=hostile))
    assert program is None
    [problem] = [str(p) for p in problems]
    assert re.match(r".*roster\.toml:\d+: ", problem) and "control character" in problem


def test_template_syntax_in_roster_names_is_shown_literally(tmp_path):
    roster = (REPO / "examples" / "roster.toml").read_text()
    hostile = tmp_path / "roster.toml"
    hostile.write_text(roster.replace('name = "Rania Haddad"', 'name = "{{ config }} {% for x in [1,2] %}L{% endfor %}"'))
    running = Program(tmp_path, write_config(tmp_path, roster=hostile))
    try:
        running.tick(BOOKING_DAY)
        to_katy = running.sent_to("katy@example.org")
        shown = "".join(body(m) for m in to_katy)
        assert "{{" in shown and "LL" not in shown
        assert_no_injection(running.sent())
    finally:
        running.app.close()
