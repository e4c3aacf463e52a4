"""Outgoing MIME for Exchange: Exchange reads the recipients from the headers, not from an envelope.

Both EWS (``CreateItem`` with ``MimeContent``) and Graph (``sendMail`` with a base64 MIME body) send
to the addresses in To, Cc and Bcc. The outbox passes its envelope recipients separately, so any
recipient the headers do not name is added as Bcc (Exchange strips Bcc before delivery). The
Message-ID must be the outbox's idempotency key; Exchange keeps a Message-ID given in the MIME
as the item's ``InternetMessageId``, which ``already_sent`` looks up in Sent Items.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.utils import getaddresses


def bracketed(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def prepare(raw: bytes, message_id: str, recipients: Sequence[str]) -> bytes:
    """``raw`` with a Message-ID and a Bcc line for recipients the headers do not name."""
    headers = BytesHeaderParser().parsebytes(raw)
    added = b""
    if not headers.get("Message-ID"):
        added += f"Message-ID: {bracketed(message_id)}\r\n".encode("ascii")
    named = {addr.lower() for _, addr in getaddresses(
        [v for name in ("To", "Cc", "Bcc") for v in headers.get_all(name, [])]) if addr}
    extra = [r for r in recipients if r.lower() not in named]
    if extra:
        added += ("Bcc: " + ", ".join(extra) + "\r\n").encode("utf-8")
    return added + raw


def message_id_of(raw: bytes) -> str | None:
    value = BytesHeaderParser().parsebytes(raw).get("Message-ID")
    return str(value).strip() if value else None
