"""Build outgoing messages (pure): values in, bytes out.

Every message the agent writes carries ``Auto-Submitted: auto-generated`` (RFC 3834 §5) so other
robots do not answer it, a Message-ID derived from the outbox row's idempotency key (so a resend is
recognisably the same message), and In-Reply-To/References when it answers or follows a thread.

An invitation is ``multipart/mixed`` holding ``multipart/alternative`` (text, HTML and the
``text/calendar; method=REQUEST`` part that Outlook and Gmail act on) plus the same object as an
``invite.ics`` attachment for clients that only look at attachments (RFC 6047 §2.4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr


@dataclass(frozen=True)
class Address:
    email: str
    name: str = ""

    def formatted(self) -> str:
        return formataddr((one_line(self.name), self.email))


@dataclass(frozen=True)
class CalendarPart:
    method: str  # REQUEST | CANCEL | DECLINECOUNTER | ...
    ics: bytes


def one_line(text: str) -> str:
    """Header text from people (names, subjects) with CR/LF and other controls removed: no injection."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def message_id_for(idem_key: str, domain: str) -> str:
    """The Message-ID an outbox row keeps for life: the same key always gives the same id."""
    return f"<{hashlib.sha256(idem_key.encode()).hexdigest()[:32]}@{domain}>"


def compose(
    *,
    sender: Address,
    to: Sequence[Address],
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    date: datetime,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    calendar: CalendarPart | None = None,
    auto_submitted: str = "auto-generated",
) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender.formatted()
    message["To"] = ", ".join(a.formatted() for a in to)
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = auto_submitted
    message["MIME-Version"] = "1.0"
    if in_reply_to:
        message["In-Reply-To"] = _angle(in_reply_to)
        chain = [*references, in_reply_to]
        message["References"] = " ".join(dict.fromkeys(_angle(r) for r in chain))
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if calendar is not None:
        ics_text = calendar.ics.decode("utf-8")
        message.add_alternative(ics_text, subtype="calendar", params={"method": calendar.method})
        message.add_attachment(calendar.ics, maintype="application", subtype="ics", filename="invite.ics")
    return message.as_bytes()


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def bytes_to_send(raw: bytes | None, content: dict | None) -> bytes:
    """The bytes of an outbox row: ``raw`` as queued, or composed now from its rendered ``content``."""
    if raw is not None:
        return raw
    raise ValueError("an outbox row without bytes or content")
