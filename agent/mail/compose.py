"""Build outgoing messages (pure): values in, bytes out.

Every message the agent writes carries ``Auto-Submitted: auto-generated`` (RFC 3834 §5) so other
robots do not answer it, a Message-ID derived from the outbox row's idempotency key (so a resend is
recognisably the same message), and In-Reply-To/References when it answers or follows a thread.

An invitation is ``multipart/mixed`` holding ``multipart/alternative`` (text, HTML and the
``text/calendar; method=REQUEST`` part that Outlook and Gmail act on) plus the same object as an
``invite.ics`` attachment for clients that only look at attachments (RFC 6047 §2.4).

Composition is deferred: the messenger queues an outbox row with its rendered ``content`` (see
``content_of``: every part, header value and the Message-ID, fixed when the row is committed) and
the outbox turns it into bytes at delivery (``bytes_to_send``). Composing is deterministic (MIME
boundaries derive from the Message-ID), so a retry sends the same bytes as the first attempt.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
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


_OURS = re.compile(r"^<?[0-9a-f]{32}@[^>]+>?$")


def may_be_ours(message_id: str) -> bool:
    """False for a Message-ID ``message_id_for`` cannot have made (whatever the domain was then):
    such a reference can never name one of our outbox rows, so it needs no look-up."""
    return _OURS.match(message_id.strip()) is not None


CONTENT_VERSION = 1  # of an outbox row's ``content``


@dataclass(frozen=True)
class Outgoing:
    """One email the agent writes, in values: composed into bytes (``to_bytes``) or kept as the outbox
    row's JSON ``content`` and composed from it at delivery (``content`` / ``from_content``)."""

    sender: Address
    to: Sequence[Address]
    subject: str
    text: str
    html: str | None
    message_id: str
    date: datetime
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    calendar: CalendarPart | None = None
    auto_submitted: str = "auto-generated"

    def to_bytes(self) -> bytes:
        message = EmailMessage(policy=SMTP)
        message["From"] = self.sender.formatted()
        message["To"] = ", ".join(a.formatted() for a in self.to)
        message["Subject"] = one_line(self.subject)
        message["Date"] = format_datetime(self.date)
        message["Message-ID"] = self.message_id
        message["Auto-Submitted"] = self.auto_submitted
        message["MIME-Version"] = "1.0"
        if self.in_reply_to:
            message["In-Reply-To"] = _angle(self.in_reply_to)
            chain = [*self.references, self.in_reply_to]
            message["References"] = " ".join(dict.fromkeys(_angle(r) for r in chain))
        message.set_content(self.text)
        if self.html is not None:
            message.add_alternative(self.html, subtype="html")
        ics_text = self.calendar.ics.decode("utf-8") if self.calendar is not None else ""
        if self.calendar is not None:
            message.add_alternative(ics_text, subtype="calendar", params={"method": self.calendar.method})
            message.add_attachment(self.calendar.ics, maintype="application", subtype="ics", filename="invite.ics")
        _fix_boundaries(message, self.message_id, "\n".join((self.text, self.html or "", ics_text)))
        return message.as_bytes()

    def content(self) -> dict:
        """JSON-safe values (the outbox row's ``content``), cheap to make when the row is queued."""
        calendar = self.calendar
        return dict(
            v=CONTENT_VERSION, sender=[self.sender.email, self.sender.name], to=[[a.email, a.name] for a in self.to],
            subject=self.subject, text=self.text, html=self.html, message_id=self.message_id,
            date=self.date.isoformat(), in_reply_to=self.in_reply_to, references=list(self.references),
            auto_submitted=self.auto_submitted,
            calendar=dict(method=calendar.method, ics=calendar.ics.decode("utf-8")) if calendar is not None else None,
        )

    @classmethod
    def from_content(cls, content: Mapping) -> Outgoing:
        """The values ``content`` recorded."""
        if content.get("v") != CONTENT_VERSION:
            raise ValueError(f"outbox content of an unknown version: {content.get('v')!r}")
        calendar = content.get("calendar")
        return cls(
            sender=Address(*content["sender"]), to=[Address(*pair) for pair in content["to"]],
            subject=content["subject"], text=content["text"], html=content["html"],
            message_id=content["message_id"], date=datetime.fromisoformat(content["date"]),
            in_reply_to=content["in_reply_to"], references=tuple(content["references"]),
            calendar=CalendarPart(calendar["method"], calendar["ics"].encode("utf-8")) if calendar else None,
            auto_submitted=content["auto_submitted"],
        )


def compose(**values) -> bytes:
    """The bytes of an email (``Outgoing``'s fields as keywords)."""
    return Outgoing(**values).to_bytes()


def content_of(**values) -> dict:
    """An email's rendered values (``Outgoing``'s fields as keywords) as a JSON-safe dict, the outbox
    row's ``content``: composed into the same bytes at delivery by ``bytes_to_send``."""
    return Outgoing(**values).content()


def compose_content(content: Mapping) -> bytes:
    """``compose`` with the values ``content_of`` recorded."""
    return Outgoing.from_content(content).to_bytes()


def _fix_boundaries(message: EmailMessage, message_id: str, bodies: str) -> None:
    """Boundaries from the Message-ID (not random), so composing twice gives the same bytes.

    A boundary must not occur in the parts; one that does (a person could write it in an agenda
    that is forwarded) is lengthened until it does not.
    """
    for depth, part in enumerate(p for p in message.walk() if p.is_multipart()):
        seed = hashlib.sha256(f"{message_id}/{depth}".encode()).hexdigest()
        boundary, extra = f"==={seed[:24]}==", 0
        while boundary in bodies:
            extra += 1
            boundary = f"==={seed[:24 + extra]}=={extra}"
        part.set_boundary(boundary)


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"



def bytes_to_send(raw: bytes | None, content: Mapping | None) -> bytes:
    """The bytes of an outbox row: ``raw`` as queued, or composed now from its rendered ``content``."""
    if raw is not None:
        return raw
    if content:
        return compose_content(content)
    raise ValueError("an outbox row without bytes or content")
