"""SMTP outbound (smtplib): submits each message to a relay or submission server.

See ``agent.ports.Outbound`` for the contract. Specific to SMTP (RFC 5321 §4.2.1 reply codes):
4xx replies and network failures raise ``TransientError`` (retry later); 5xx replies raise
``AdapterError`` carrying the server's reply. If the server accepts some recipients and refuses
others the message has left, so the refusals are logged rather than raised: a retry would send
it twice to the recipients who already have it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Literal

from agent.errors import AdapterError, TransientError
from agent.ports import Outbound

log = logging.getLogger(__name__)

Security = Literal["tls", "starttls", "none"]


class SmtpOutbound(Outbound):
    """One SMTP connection per message. ``security``: ``tls`` (implicit, port 465), ``starttls``
    (port 587) or ``none``. AUTH is used when ``username`` is set."""

    def __init__(self, host: str, port: int, security: Security, username: str | None = None,
                 password: str | None = None, ssl_context: ssl.SSLContext | None = None,
                 timeout: float = 30, envelope_from: str | None = None):
        if security not in ("tls", "starttls", "none"):
            raise ValueError(f"security must be tls, starttls or none, not {security!r}")
        self.host, self.port, self.security = host, port, security
        self.username, self._password = username, password
        self.ssl_context = ssl_context
        self.timeout = timeout
        self.envelope_from = envelope_from

    def __repr__(self) -> str:
        user = f", username={self.username!r}" if self.username else ""
        return f"SmtpOutbound({self.host!r}, {self.port}, {self.security!r}{user})"

    def send(self, message_id: str, raw: bytes, recipients: Sequence[str]) -> None:
        if not recipients:
            raise AdapterError(f"message {message_id}: no recipients")
        raw = _with_message_id(raw, message_id)
        sender = self.envelope_from or _sender_of(raw)
        try:
            with self._open() as smtp:
                refused = smtp.sendmail(sender, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _classify(f"all recipients refused for {message_id}", *_worst(exc.recipients)) from None
        except smtplib.SMTPResponseException as exc:  # MAIL, DATA, AUTH, STARTTLS replies
            raise _classify(f"{message_id} refused", exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPNotSupportedError as exc:  # e.g. no AUTH or STARTTLS offered: configuration
            raise AdapterError(f"SMTP {self.host}:{self.port}: {exc}") from None
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, timeouts, TLS failures
            raise TransientError(f"SMTP {self.host}:{self.port} failed for {message_id}: {exc}") from None
        if refused:
            log.warning("SMTP %s:%s: %s accepted, but these recipients were refused: %s",
                        self.host, self.port, message_id,
                        {rcpt: f"{code} {_text(text)}" for rcpt, (code, text) in refused.items()})

    def _open(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        if self.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _with_message_id(raw: bytes, message_id: str) -> bytes:
    """The outbox's idempotency key must be the Message-ID; add it if the message has none."""
    headers = BytesHeaderParser().parsebytes(raw)
    if headers.get("Message-ID"):
        return raw
    value = message_id if message_id.startswith("<") else f"<{message_id}>"
    return f"Message-ID: {value}\r\n".encode("ascii") + raw


def _sender_of(raw: bytes) -> str:
    headers = BytesHeaderParser().parsebytes(raw)
    for name in ("Sender", "From"):
        addresses = [addr for _, addr in getaddresses(headers.get_all(name, [])) if addr]
        if addresses:
            return addresses[0]
    raise AdapterError("message has no From address to use as the envelope sender")


def _worst(recipients: dict[str, tuple[int, bytes]]) -> tuple[int, bytes]:
    """A permanent refusal outweighs a temporary one: retrying cannot help that recipient."""
    return max(recipients.values(), key=lambda reply: reply[0])


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _classify(what: str, code: int, reply: bytes | str) -> AdapterError:
    message = f"SMTP {what}: {code} {_text(reply)}"
    return TransientError(message) if 400 <= code < 500 else AdapterError(message)
