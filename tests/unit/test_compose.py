"""Outgoing messages: loop-safe headers, threading, no header injection, the iMIP part."""

import email
from datetime import UTC, datetime
from email import policy

from agent.mail.compose import Address, CalendarPart, compose, message_id_for

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
