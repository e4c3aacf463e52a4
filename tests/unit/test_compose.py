"""Outgoing messages: loop-safe headers, threading, no header injection, the iMIP part."""

import email
import json
from datetime import UTC, datetime
from email import policy

import pytest

from agent.mail.compose import (Address, CalendarPart, bytes_to_send, compose, compose_content, content_of,
                                may_be_ours, message_id_for)

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def build(**overrides):
    values = dict(sender=Address("program@example.org", "Program"), to=[Address("a@example.org", "Ann")],
                  subject="Hello", text="Hi Ann", html="<p>Hi Ann</p>", message_id="<id@example.org>", date=NOW)
    values.update(overrides)
    return email.message_from_bytes(compose(**values), policy=policy.default)


def test_own_mail_is_marked_auto_generated_and_threaded():
    message = build(in_reply_to="<orig@x>", references=("<root@x>",))
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] == "<orig@x>"
    assert message["References"] == "<root@x> <orig@x>"
    assert message.get_body(("plain",)).get_content().strip() == "Hi Ann"
    assert message.get_body(("html",)).get_content().strip() == "<p>Hi Ann</p>"


def test_names_and_subjects_cannot_inject_headers():
    message = build(subject="Hi\r\nBcc: victim@example.org", sender=Address("p@example.org", "P\nBcc: v@x"))
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]


def test_invitation_has_a_method_request_part_and_an_attachment():
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    message = build(calendar=CalendarPart("REQUEST", ics))
    parts = {part.get_content_type(): part for part in message.walk()}
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert parts["multipart/alternative"] is not None
    assert parts["application/ics"].get_filename() == "invite.ics"


def test_message_ids_are_stable_per_key():
    assert message_id_for("k", "example.org") == message_id_for("k", "example.org")
    assert message_id_for("k", "example.org") != message_id_for("k2", "example.org")


# -- deferred composition: the outbox row keeps rendered content; bytes are made at delivery --------


INVITE = CalendarPart("REQUEST", "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Café\r\nEND:VCALENDAR\r\n".encode())
VALUES = dict(sender=Address("program@example.org", "Programme Ünï"), to=[Address("a@example.org", "Ann")],
              subject="Réunion", text="Bonjour Ann\n", html="<p>Bonjour</p>", message_id="<k@example.org>",
              date=NOW, in_reply_to="<orig@x>", references=("<root@x>",))


@pytest.mark.parametrize("calendar", [None, INVITE])
def test_content_composes_into_what_compose_makes(calendar):
    content = json.loads(json.dumps(content_of(**VALUES, calendar=calendar)))  # as stored in the JSON column
    assert compose_content(content) == compose(**VALUES, calendar=calendar)
    assert bytes_to_send(None, content) == bytes_to_send(None, content), "the same bytes on every attempt"


def test_queued_bytes_are_sent_as_they_are():
    assert bytes_to_send(b"raw", None) == b"raw"
    with pytest.raises(ValueError):
        bytes_to_send(None, None)
    with pytest.raises(ValueError):
        bytes_to_send(None, {"v": 99})


def test_the_message_id_and_threading_survive_the_round_trip():
    message = email.message_from_bytes(bytes_to_send(None, content_of(**VALUES, calendar=INVITE)),
                                       policy=policy.default)
    assert message["Message-ID"] == "<k@example.org>"
    assert message["References"] == "<root@x> <orig@x>"
    assert message["Subject"] == "Réunion"
    assert "Ünï" in message["From"]
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "SUMMARY:Café" in parts["text/calendar"].get_content()


def test_a_boundary_written_in_a_body_is_not_used():
    first = email.message_from_bytes(compose(**VALUES), policy=policy.default)
    boundary = first.get_boundary()
    tricky = dict(VALUES, text=f"--{boundary}\nContent-Type: text/html\n\n<script>\n--{boundary}--\n")
    message = email.message_from_bytes(compose(**tricky), policy=policy.default)
    assert message.get_boundary() != boundary
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == tricky["text"]


@pytest.mark.parametrize("message_id, ours", [
    (message_id_for("rule:x:pair:msg:<a@b>:ana@example.org", "program.example.org"), True),
    (message_id_for("k", "old-domain.example.org").strip("<>"), True),  # whatever our domain was then
    ("<kickoff-3@program.example.org>", False),
    ("<CAF=x7+abc@mail.gmail.com>", False),
    ("", False),
])
def test_may_be_ours_tells_our_message_ids_from_others(message_id, ours):
    assert may_be_ours(message_id) is ours
