"""SMTP outbound (smtplib): submits each message to a relay or submission server.

See ``agent.ports.Outbound`` for the contract. Specific to SMTP (RFC 5321 §4.2.1 reply codes):
4xx replies and network failures raise ``TransientError`` (retry later); 5xx replies raise
``AdapterError`` carrying the server's reply. If the server accepts some recipients and refuses
others the message has left, so the refusals are logged rather than raised: a retry would send
it twice to the recipients who already have it.

One connection is kept open across messages (a burst of outbox rows costs one TLS handshake and
one AUTH). A connection found dead at ``MAIL FROM`` is replaced once, since nothing was sent on
it; any failure later in a transaction closes the connection and raises.

``SentFolderCheck`` wraps any ``Outbound`` so that "sent exactly once" can be checked after a
crash: each accepted message is appended to the IMAP Sent folder at once, and ``already_sent``
looks its Message-ID up there (see its docstring for the one window it cannot close).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Literal

from agent.errors import AdapterError, TransientError
from agent.ports import Outbound

log = logging.getLogger(__name__)

Security = Literal["tls", "starttls", "none"]


class SmtpOutbound(Outbound):
    """SMTP submission over one kept connection. ``security``: ``tls`` (implicit, port 465), ``starttls``
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
        self.idle_check_after = 5.0  # seconds a kept connection may sit idle before a NOOP checks it
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0

    def __repr__(self) -> str:
        user = f", username={self.username!r}" if self.username else ""
        return f"SmtpOutbound({self.host!r}, {self.port}, {self.security!r}{user})"

    def send(self, message_id: str, raw: bytes, recipients: Sequence[str]) -> None:
        if not recipients:
            raise AdapterError(f"message {message_id}: no recipients")
        raw = _with_message_id(raw, message_id)
        sender = self.envelope_from or _sender_of(raw)
        try:
            refused = self._transaction(sender, list(recipients), raw)
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

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _transaction(self, sender: str, recipients: list[str], raw: bytes) -> dict:
        """MAIL, RCPT..., DATA on the kept connection; returns the refused recipients."""
        reused = self._smtp is not None
        smtp = self._smtp or self._open()
        self._smtp = None  # kept again only after a clean transaction
        try:
            if reused and time.monotonic() - self._last_used > self.idle_check_after:
                smtp.noop()  # servers drop idle sessions (RFC 5321 §4.5.3.2.7: 5 minutes)
            code, reply = smtp.mail(sender)
        except (smtplib.SMTPServerDisconnected, OSError):
            smtp.close()
            if not reused:
                raise
            smtp = self._open()  # the kept connection had died; nothing was sent on it
            code, reply = smtp.mail(sender)
        try:
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            refused = {}
            for rcpt in recipients:
                code, reply = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    refused[rcpt] = (code, reply)
            if len(refused) == len(recipients):
                raise smtplib.SMTPRecipientsRefused(refused)
            code, reply = smtp.data(raw)
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except BaseException:
            smtp.close()
            raise
        self._smtp, self._last_used = smtp, time.monotonic()
        return refused

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


@dataclass(frozen=True)
class ImapSettings:
    """Where the Sent folder lives: normally the ``[mailbox]`` account of the program."""

    host: str
    port: int
    security: Security
    username: str
    password: str = field(default="", repr=False)
    ssl_context: ssl.SSLContext | None = None
    timeout: float = 30.0


class SentFolderCheck(Outbound):
    """``outbound`` plus a copy of every sent message in an IMAP folder, looked up before a resend.

    The guarantee: a message accepted by the SMTP server is appended to ``folder`` immediately
    after the server's ``250``, before the outbox commits it as sent. After a crash anywhere
    between that APPEND and the commit, ``already_sent`` finds the copy and the outbox marks the
    row sent without sending again. The one window no client can close is between the server's
    ``250`` and the end of the APPEND (about a millisecond on a LAN): a crash exactly there sends
    the message a second time after the restart. SMTP gives no way to ask a server whether it
    accepted a message, so this is as close to exactly once as SMTP allows; servers that file the
    Sent copy themselves (Gmail, Exchange) close the window entirely.

    With ``append=False`` the agent only looks: for servers that file the Sent copy themselves
    at acceptance (Gmail, Exchange), appending would make a second copy.

    If the APPEND itself fails after a successful send, the send stands (raising would make the
    outbox send again): the failure is logged and only the crash protection is lost for that row.
    """

    def __init__(self, outbound: Outbound, imap: ImapSettings, folder: str = "Sent", append: bool = True):
        from agent.mail.imap import ImapMailbox

        self.outbound = outbound
        self.folder = folder
        self.append = append
        self._sent = ImapMailbox(imap.host, imap.port, imap.security, imap.username, imap.password, folder=folder,
                                 ssl_context=imap.ssl_context, timeout=imap.timeout, create_folder=True,
                                 reconnect_within=10.0)

    def __repr__(self) -> str:
        return f"SentFolderCheck({self.outbound!r}, {self._sent!r})"

    def send(self, message_id: str, raw: bytes, recipients: Sequence[str]) -> None:
        raw = _with_message_id(raw, message_id)
        self.outbound.send(message_id, raw, recipients)
        if not self.append:
            return
        try:
            self._sent.append(raw)
        except AdapterError as exc:
            log.error("sent %s, but could not keep its copy in %s (%s); a crash before it is marked "
                      "sent would send it again", message_id, self.folder, exc)

    def already_sent(self, message_id: str) -> bool:
        value = message_id if message_id.startswith("<") else f"<{message_id}>"
        return self._sent.contains(value) or self.outbound.already_sent(message_id)

    def close(self) -> None:
        try:
            self._sent.close()
        finally:
            self.outbound.close()


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
