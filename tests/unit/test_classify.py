"""understand(): kinds for realistic fixtures, strangers, JSON shape, totality under fuzzing."""

import json
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.errors import CalendarRejected, MessageRejected
from agent.understanding.classify import understand, understanding_to_json

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mail"
NOW = datetime(2027, 1, 20, 12, 0, tzinfo=timezone.utc)


def run(name: str, participants=None):
    return understand((FIXTURES / name).read_bytes(), participants=participants, now=NOW)


@pytest.mark.parametrize(
    "name, kind",
    [
        ("outlook_de_topposted.eml", "agenda"),
        ("thunderbird_bottom_posted.eml", "agenda"),
        ("agenda_es.eml", "agenda"),
        ("gmail_notes.eml", "notes"),
        ("html_only_es.eml", "notes"),
        ("apple_mail_reply.eml", "request"),
        ("ooo_de.eml", "out_of_office"),
        ("ooo_fr.eml", "out_of_office"),
        ("ooo_en_outlook.eml", "out_of_office"),
        ("dsn_bounce.eml", "bounce"),
        ("calendar_reply.eml", "calendar_reply"),
        ("mailing_list.eml", "other"),
    ],
)
def test_kinds_of_fixtures(name, kind):
    _, u = run(name)
    assert u.kind == kind and 0.0 <= u.confidence <= 1.0 and u.reasons


def test_reply_text_has_no_history_or_signature():
    _, u = run("outlook_de_topposted.eml")
    assert "Gesendet:" not in u.reply_text and u.reply_text.endswith("Jürgen")
    _, u = run("agenda_es.eml")
    assert "Enviado desde" not in u.reply_text


def test_stranger_still_gets_reply_text():
    _, u = run("gmail_notes.eml", participants={"juergen.mueller@example.de"})
    assert u.kind == "stranger" and "Agreements" in u.reply_text


def test_bounce_wins_over_stranger():
    _, u = run("dsn_bounce.eml", participants={"ana@x.org"})
    assert u.kind == "bounce"


def test_roles_mapping_resolves_i_and_you():
    _, u = run("gmail_notes.eml", participants={"sara.lindqvist@gmail.com": "mentor", "juergen.mueller@example.de": "mentee"})
    assert [a.owner for a in u.notes.action_items] == ["mentor", "mentee", "both"]


def test_out_of_office_until():
    _, u = run("ooo_de.eml")
    assert u.out_of_office_until == date(2027, 1, 12)


def test_calendar_answer_and_broken_calendar_propagates():
    _, u = run("calendar_reply.eml")
    assert u.calendar.partstat == "ACCEPTED" and u.calendar.method == "REPLY"
    raw = (FIXTURES / "calendar_reply.eml").read_bytes().split(b"Content-Type: text/calendar")[0]
    raw += b"Content-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n--cal--\r\n"
    with pytest.raises(CalendarRejected):
        understand(raw, participants=None, now=NOW)


@pytest.mark.parametrize(
    "subject, body, kind",
    [
        ("Re: Thursday", "I now work from Lisbon, my hours are 9-17 WET.", "availability"),
        ("Re: Thursday", "I've moved to Berlin last week.", "availability"),
        ("Re: Thursday", "Sorry, I need to skip this week's session.", "request"),
        ("Re: Thursday", "Can we pause the mentoring for a month?", "request"),
        ("Re: Agenda for Thursday", "Just one thing: how do I ask for a raise?", "agenda"),
        ("Re: Notes from our meeting", "Thanks! I will send the deck by Monday.", "notes"),
        ("Hello", "Thanks for the great session!", "other"),
    ],
)
def test_small_kinds(subject, body, kind):
    raw = f"From: a@x.org\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}".encode()
    assert understand(raw, participants=["a@x.org"], now=NOW)[1].kind == kind


def test_json_contract():
    for name in sorted(p.name for p in FIXTURES.glob("*.eml")):
        mail, u = run(name)
        out = understanding_to_json(name, mail, u)
        json.dumps(out)
        for key in ("file", "kind", "reply_text", "confidence", "subject", "sender", "message_id", "reasons",
                    "agenda", "notes", "calendar", "out_of_office_until"):
            assert key in out
    mail, u = run("gmail_notes.eml")
    out = understanding_to_json("x.eml", mail, u)
    assert out["notes"]["action_items"][1] == {"text": "You'll draft the salary pitch before 2027-01-28.",
                                               "owner": None, "due": "2027-01-28"}


def _safe(raw: bytes) -> None:
    start = time.perf_counter()
    try:
        understand(raw, participants=None, now=NOW)
    except MessageRejected:
        pass  # over-size or CalendarRejected from a mutated iMIP part: both are deliberate
    assert time.perf_counter() - start < 1.0


_SEEDS = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw):
    _safe(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_SEEDS), st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=20),
                                                   st.integers(0, 30)), max_size=8))
def test_mutated_fixtures_never_raise(seed, edits):
    data = bytearray(seed)
    for pos, insert, delete in edits:
        pos = pos % (len(data) + 1)
        data[pos:pos + delete] = insert
    _safe(bytes(data))


def test_throughput_3kb_mails():
    body = ("I'd like to talk about my CV and the interview next week. " * 40)[:2400]
    raw = (f"From: Ana <ana@x.org>\r\nTo: p@x.org\r\nSubject: Re: Agenda for Thursday\r\nDate: Mon, 11 Jan 2027 09:00:00 +0000\r\n"
           f"Message-ID: <m@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\n"
           f"On Mon, Jan 11, 2027 at 9:00 AM P <p@x.org> wrote:\r\n> What would you like to cover?\r\n").encode()
    n, start = 300, time.perf_counter()
    for _ in range(n):
        understand(raw, participants={"ana@x.org"}, now=NOW)
    rate = n / (time.perf_counter() - start)
    assert rate > 150, rate  # target >= 500/s on one core; loose bound for slow CI
