"""Mail policies, pure: raw bytes or plain values in, plain values out. No I/O, no clock.

``bounce_of``      a delivery status notification (RFC 3464) -> the failed recipient, status, diagnostic
``authenticity``   ``Authentication-Results`` (RFC 8601) from the program's own trusted server -> a
                   quarantine reason when the sender's domain fails DMARC, or fails SPF/DKIM with no pass
``DailyCap``       at most ``limit`` automatic answers per sender per day, then exactly one
                   "no more today" notice, then silence (what Mailman does; RFC 3834 §2 spirit)

Why here and not in ``understanding/``: these decide what the agent *does* with a message (mark an
address bouncing, quarantine, stay silent); understanding only says what the message *is*.
The runner wires them in ``agent/inbound.py``.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Literal

# -- bounces (RFC 3464) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounce:
    """One recipient a delivery status notification reports as failed."""

    recipient: str  # lower-cased address, no angle brackets
    status: str  # RFC 3463 enhanced status, e.g. "5.1.1"; "" when the report gives none
    diagnostic: str  # the remote server's words, e.g. "550 5.1.1 <x@example.org>: user unknown"
    message_id: str = ""  # the Message-ID of our message that bounced, when the report includes it


_MAX_BLOCKS = 100  # per-recipient blocks read from one report
_MAX_REPORT = 1_000_000  # bytes of a report parsed: the status blocks come first, the returned message after
_MAX_HEAD = 256_000  # bytes of a header section read for Authentication-Results


def bounces_of(raw: bytes) -> list[Bounce]:
    """Every permanently failed recipient in a ``multipart/report; report-type=delivery-status``.

    Delays (``Action: delayed``, 4.x.x) and successes are not bounces. Anything that is not such a
    report gives ``[]``; broken reports never raise.
    """
    if b"delivery-status" not in raw[:200_000].lower():  # cheap exit for the ordinary message
        return []
    try:  # a hostile "report" may carry 20 MB of returned message: parsing it all would cost ~150 MB
        msg = email.message_from_bytes(raw[:_MAX_REPORT], policy=email.policy.compat32)
    except Exception:  # noqa: BLE001 - the feed parser is tolerant; belt and braces
        return []
    if msg.get_content_type() != "multipart/report" or \
            str(msg.get_param("report-type", "")).lower() != "delivery-status":
        return []
    blocks: list[Message] = []
    original_id = ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            blocks += _status_blocks(part)
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers") and not original_id:
            original_id = _original_message_id(part)
    found = []
    for block in blocks[:_MAX_BLOCKS]:
        recipient = _address(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
        if not recipient:
            continue
        action = _clean(block.get("Action", "")).lower()
        status = _clean(block.get("Status", "")).split(" ")[0]
        failed = action == "failed" or (not action and status.startswith("5"))
        if failed:
            found.append(Bounce(recipient, status, _after_type(block.get("Diagnostic-Code", "")), original_id))
    return found


def bounce_of(raw: bytes) -> Bounce | None:
    """The first failed recipient of a delivery status notification, or None (see ``bounces_of``)."""
    found = bounces_of(raw)
    return found[0] if found else None


def _status_blocks(part: Message) -> list[Message]:
    """The header blocks of a delivery-status part (the email package pre-parses them into a list)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = part.get_payload(decode=True) or b""
    parser = BytesHeaderParser()
    return [parser.parsebytes(chunk.strip() + b"\n") for chunk in re.split(rb"\r?\n\s*\r?\n", text) if chunk.strip()]


def _original_message_id(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        headers = payload[0]
    else:
        headers = BytesHeaderParser().parsebytes(part.get_payload(decode=True) or b"")
    return _clean(headers.get("Message-ID", ""))


def _clean(value: object) -> str:
    return " ".join(str(value or "").split())


def _after_type(value: object) -> str:
    """``rfc822; a@b`` -> ``a@b``; ``smtp; 550 ...`` -> ``550 ...`` (RFC 3464 typed fields)."""
    text = _clean(value)
    return text.split(";", 1)[1].strip() if ";" in text else text


def _address(value: object) -> str:
    return _after_type(value).strip("<>").strip().lower()


# -- sender authenticity (RFC 8601) ---------------------------------------------------------------

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"(?:^|[\s;])(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_FAILED = frozenset({"fail", "softfail", "permerror"})


def authenticity(raw: bytes, trusted_authserv_id: str | None) -> str | None:
    """A quarantine reason when the trusted server says the sender is not who ``From:`` claims.

    Only the topmost ``Authentication-Results`` header whose authserv-id is ``trusted_authserv_id``
    counts: anyone can write such a header into a message, so results from other ids (or further
    down, added before our server saw the message) are ignored. Quarantined when DMARC failed, or
    when SPF or DKIM failed and neither passed. None when the message is fine, when no trusted
    header is present, or when no trusted id is configured (temporary errors and "none" results
    are not evidence of forgery).
    """
    if not trusted_authserv_id:
        return None
    trusted = trusted_authserv_id.strip().lower()
    head = raw[:_MAX_HEAD]  # bounded, and without copying the body (a message with no blank line is all "head")
    ends = [at for at in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if at >= 0]
    header_block = head[:min(ends)] if ends else head
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(header_block + b"\r\n\r\n")
    for value in headers.get_all("Authentication-Results", []):
        text = _COMMENT.sub(" ", _clean(value))
        authserv, _, rest = text.partition(";")
        if authserv.strip().split(" ")[0].lower() != trusted:
            continue
        return _verdict(rest)
    return None


def _verdict(results: str) -> str | None:
    found: dict[str, list[str]] = {}
    for method, result in _RESULT.findall(results):
        found.setdefault(method.lower(), []).append(result.lower())
    if "fail" in found.get("dmarc", ()):
        return "sender authentication failed: dmarc=fail"
    spf, dkim = found.get("spf", []), found.get("dkim", [])
    if "pass" in spf or "pass" in dkim:
        return None
    failed = [f"{method}={result}" for method, results in (("spf", spf), ("dkim", dkim))
              for result in results if result in _FAILED]
    if failed:
        return "sender authentication failed: " + ", ".join(failed) + " and no pass"
    return None


# -- daily cap on automatic answers ---------------------------------------------------------------

CapDecision = Literal["answer", "notice", "silent"]


@dataclass(frozen=True)
class DailyCap:
    """At most ``limit`` automatic answers to one sender per day, then one notice, then nothing.

    ``decide(sent_today)`` takes how many automatic messages (answers and the notice) went to this
    sender today, before this one, and says what the agent may do now:

    * ``"answer"`` while fewer than ``limit`` went out;
    * ``"notice"`` exactly once, at ``limit``: send the "no more automatic answers today" notice
      instead of the answer;
    * ``"silent"`` after that, until the day changes.

    Count both answers and the notice (``repo.bump_answer_count``) so that the notice goes once.
    """

    limit: int = 10

    def decide(self, sent_today: int) -> CapDecision:
        if sent_today < self.limit:
            return "answer"
        if sent_today == self.limit:
            return "notice"
        return "silent"


def cap_day(now: datetime) -> date:
    """The day a cap counts in: the UTC date (one boundary for every sender, whatever their zone)."""
    return now.astimezone(UTC).date()
