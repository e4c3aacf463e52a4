"""Raw RFC 5322 bytes -> a :class:`ParsedMail` value.

Bounded and total: broken MIME, wrong or missing charsets, RFC 2047/2231 encoded words and hostile
nesting never raise; only over-size input is rejected (:class:`agent.errors.MessageRejected`).

Speed matters (the runner parses every inbound message), so this uses the ``compat32`` policy,
which is about six times faster than ``policy.default``, and decodes headers and bodies itself.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from types import MappingProxyType
from typing import Mapping

from agent.errors import MessageRejected
from agent.understanding.htmltext import html_to_text
from agent.understanding.tnef import UNREADABLE, is_tnef, read_tnef

MAX_PARTS = 200  # MIME parts visited at most; deeper/wider trees are ignored beyond this
MAX_DEPTH = 20
MAX_TEXT = 200_000  # characters of readable body kept
MAX_HEADER = 4_000  # characters of any one header value kept

HYGIENE_HEADERS = (
    "auto-submitted", "precedence", "x-auto-response-suppress", "return-path", "content-type",
    "authentication-results", "x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply",
    "x-mailer", "x-failed-recipients", "x-ms-exchange-inbox-rules-loop", "x-ms-exchange-generated-message-source",
    "feedback-id", "x-loop", "delivered-to", "x-spam-flag",
)


@dataclass(frozen=True)
class ParsedMail:
    """The parts of one inbound message that the rest of the agent reads."""

    message_id: str
    sender: str
    sender_name: str
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    text: str = ""
    calendars: tuple[bytes, ...] = ()
    attachments: tuple[str, ...] = ()
    is_report: bool = False
    size: int = 0
    unreadable: str | None = None  # why the body cannot be read (an Outlook winmail.dat only), else None
    headers_only: bool = False  # from ``parse_head``: text, calendars and attachments were not looked at

    def __reduce__(self):
        """Picklable (``agent.readahead`` reads mail in a helper process) although ``headers`` is read-only."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["headers"] = dict(self.headers)
        return _parsed_mail, (values,)


def _parsed_mail(values: dict) -> ParsedMail:
    return ParsedMail(**dict(values, headers=MappingProxyType(values["headers"])))


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.0f} MB"


MAX_HEADER_LINES = 3_000
MAX_BOUNDARY_LINES = 4 * MAX_PARTS
MAX_DECLARED_BOUNDARIES = 100  # nested multiparts beyond this are cut (the feed parser is quadratic in depth)
MAX_ENCODED_RUN = 30_000  # base64 lines kept per run: 2.2 MB, more than any part we read (text, calendar)
MAX_LINES = 100_000  # the stdlib parser needs ~600 bytes a line: this keeps one message under ~60 MB
_ENCODED_RUN = re.compile(rb"(?m)(?:^[A-Za-z0-9+/]{40,}={0,2}\r?\n){%d,}" % MAX_ENCODED_RUN)
_BOUNDARY_PARAM = re.compile(rb"boundary\s*=", re.IGNORECASE)


def _bounded(raw: bytes) -> bytes:
    """Cut what the parser would only spend time on: header lines beyond MAX_HEADER_LINES and the
    message after the MAX_BOUNDARY_LINES-th line starting with "--" (parts beyond MAX_PARTS are
    never read anyway), nested multiparts beyond MAX_DECLARED_BOUNDARIES, base64 runs beyond
    MAX_ENCODED_RUN lines; refuse more than MAX_LINES lines. Linear and cheap; ordinary mail is
    returned unchanged."""
    end = raw.find(b"\n\n")
    end2 = raw.find(b"\r\n\r\n")
    head_end = min(x for x in (end, end2, len(raw)) if x >= 0)
    if raw.count(b"\n", 0, head_end) > MAX_HEADER_LINES:
        lines = raw[:head_end].split(b"\n")
        raw = b"\n".join(lines[:MAX_HEADER_LINES]) + raw[head_end:]
    if raw.count(b"\n--") > MAX_BOUNDARY_LINES:
        pos = -1
        for _ in range(MAX_BOUNDARY_LINES):
            pos = raw.find(b"\n--", pos + 1)
        raw = raw[:pos + 1]
    declared = [m.start() for m in _BOUNDARY_PARAM.finditer(raw)][:MAX_DECLARED_BOUNDARIES + 1]
    if len(declared) > MAX_DECLARED_BOUNDARIES:
        raw = raw[:raw.rfind(b"\n", 0, declared[-1]) + 1]
    if raw.count(b"\n") > MAX_ENCODED_RUN:
        raw = _cut_encoded_runs(raw)
    lines = raw.count(b"\n")
    if lines > MAX_LINES:
        raise MessageRejected(f"message has {lines:,} lines after its attachments were set aside; "
                              f"the limit is {MAX_LINES:,}")
    return raw


def _cut_encoded_runs(raw: bytes) -> bytes:
    """Keep the first MAX_ENCODED_RUN lines of each long run of base64 lines (big attachments): the
    parts we read are far smaller, and the parser's memory grows with every line it holds."""
    pieces, last = [], 0
    for match in _ENCODED_RUN.finditer(raw):
        keep = match.start()
        for _ in range(MAX_ENCODED_RUN):
            keep = raw.index(b"\n", keep) + 1
        pieces.append(raw[last:keep])
        last = match.end()
    return b"".join(pieces) + raw[last:] if pieces else raw


def parse_mail(raw: bytes, *, max_bytes: int = 25_000_000) -> ParsedMail:
    """Parse ``raw`` into a :class:`ParsedMail`; never raises except for over-size input (bytes or lines)."""
    if not isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw or b"")
    if len(raw) > max_bytes:
        raise MessageRejected(f"message is {_mb(len(raw))}; the limit is {_mb(max_bytes)}")
    bounded = _bounded(bytes(raw))  # may raise MessageRejected: too many lines to hold
    try:
        msg = email.message_from_bytes(bounded, policy=email.policy.compat32)
    except Exception:  # the feed parser is tolerant; this is a last line of defence
        msg = Message()
    body = _Body()
    _collect(msg, body)
    text = body.text()
    return _mail(raw, msg, text=text, calendars=tuple(body.calendars), attachments=tuple(body.attachments),
                 unreadable=UNREADABLE if body.tnef_unreadable and not text.strip() else None)


def parse_head(raw: bytes, *, max_bytes: int = 25_000_000) -> ParsedMail:
    """The cheap first pass: only the header section (up to the first blank line) is parsed, so
    deciding "stranger", "bounce" or "too large" costs a fraction of :func:`parse_mail`. The result
    has ``headers_only`` set and no text, calendars or attachments. Never raises except for size."""
    if not isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw or b"")
    if len(raw) > max_bytes:
        raise MessageRejected(f"message is {_mb(len(raw))}; the limit is {_mb(max_bytes)}")
    ends = [x for x in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if x >= 0]
    head = bytes(raw[: min(ends) + 2]) if ends else bytes(raw)
    try:
        msg = email.message_from_bytes(_bounded(head), policy=email.policy.compat32)
    except Exception:
        msg = Message()
    return _mail(raw, msg, headers_only=True)


def _mail(raw: bytes, msg: Message, **body) -> ParsedMail:
    """A ParsedMail from the parsed header section of ``msg`` plus the body fields given."""
    table = _header_table(msg)
    name, sender = _address(_header(table, "from"))
    headers = {}
    for key, values in table.items():
        if key in HYGIENE_HEADERS or key.startswith("list-"):
            headers[key] = _decode(values[0])
    mid = _ids(_header(table, "message-id"))
    ctype = _content_type(msg)
    return ParsedMail(
        message_id=mid[0] if mid else "sha256:" + hashlib.sha256(raw).hexdigest(),
        sender=sender,
        sender_name=name,
        to=_addresses(table, "to"),
        cc=_addresses(table, "cc"),
        subject=_oneline(_header(table, "subject")),
        date=_date(_header(table, "date")),
        in_reply_to=(_ids(_header(table, "in-reply-to")) or [None])[0],
        references=tuple(_ids(_header(table, "references"))[:100]),
        headers=MappingProxyType(headers),
        is_report=ctype == "multipart/report",
        size=len(raw),
        **body,
    )


# ------------------------------------------------------------------ headers
def _header_table(msg: Message) -> dict[str, list[str]]:
    """Raw header values by lower-cased name (compat32 keeps 8-bit bytes as surrogate escapes)."""
    table: dict[str, list[str]] = {}
    try:
        items = list(msg.raw_items())[:1000]
    except Exception:
        return table
    for key, value in items:
        table.setdefault(str(key).lower(), []).append(_unescape(str(value)[:MAX_HEADER]))
    return table


_SURROGATE = re.compile("[\udc80-\udcff]")


def _unescape(value: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogate escapes: decode them as UTF-8 (else latin-1)."""
    if value.isascii() or not _SURROGATE.search(value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _first(table: dict[str, list[str]], name: str) -> str | None:
    values = table.get(name)
    return values[0] if values else None


def _decode(value: str) -> str:
    """RFC 2047 decoding that never raises; undecodable words are kept as written."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        pass
    try:
        parts = []
        for chunk, charset in decode_header(value):
            if isinstance(chunk, bytes):
                parts.append(_bytes_to_str(chunk, charset))
            else:
                parts.append(chunk)
        return "".join(parts)
    except Exception:
        return value


def _header(table: dict[str, list[str]], name: str) -> str:
    value = _first(table, name)
    return _decode(value) if value is not None else ""


def _oneline(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _address(value: str) -> tuple[str, str]:
    try:
        name, addr = parseaddr(value)
    except Exception:
        return "", ""
    addr = addr.strip().lower()
    if "@" not in addr and addr not in ("mailer-daemon", "postmaster"):
        addr = ""
    return _oneline(name), addr


def _addresses(table: dict[str, list[str]], name: str) -> tuple[str, ...]:
    try:
        found = getaddresses([_decode(v) for v in table.get(name, [])])
    except Exception:
        return ()
    return tuple(a.strip().lower() for _, a in found if "@" in a)[:200]


_ID = re.compile(r"<([^<>\s]{1,500})>")


def _ids(value: str) -> list[str]:
    found = _ID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return [f for f in found if f]


def _date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------ bodies
def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _bytes_to_str(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, else UTF-8, else Windows-1252, else Latin-1 (never fails)."""
    for cs in (charset, "utf-8", "cp1252"):
        if not cs:
            continue
        try:
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return data.decode("latin-1")


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "replace") if isinstance(payload, str) else b""


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return _oneline(_decode(str(name)))[:300] if name else None


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


class _Body:
    """Accumulates what a walk over the MIME tree finds."""

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.calendars: list[bytes] = []
        self.attachments: list[str] = []
        self.tnef: list[str] = []  # bodies read from winmail.dat, used when nothing else is readable
        self.tnef_unreadable = False
        self.parts = 0

    def text(self) -> str:
        if self.plain:
            text = "\n\n".join(self.plain)
        elif self.html:
            text = html_to_text("\n".join(self.html))
        else:
            text = "\n\n".join(self.tnef)
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
        return text[:MAX_TEXT]


def _collect(root: Message, body: _Body) -> None:
    stack: list[tuple[Message, int]] = [(root, 0)]
    while stack and body.parts < MAX_PARTS:
        part, depth = stack.pop()
        body.parts += 1
        ctype = _content_type(part)
        try:
            multipart = part.is_multipart()
        except Exception:
            multipart = False
        if multipart:
            if depth < MAX_DEPTH:
                children = part.get_payload()
                if isinstance(children, list):
                    stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
            continue
        if ctype == "message/rfc822" or ctype.startswith("message/"):
            continue
        name = _filename(part)
        if is_tnef(ctype, name):
            found = read_tnef(_payload_bytes(part))
            body.attachments.extend(found.attachments)
            if found.readable:
                body.tnef.append(found.text)
            else:
                body.tnef_unreadable = True
            continue
        is_ics = ctype in ("text/calendar", "application/ics") or (name or "").lower().endswith(".ics")
        if is_ics:
            body.calendars.append(_payload_bytes(part)[:2_000_000])
            if name:
                body.attachments.append(name)
            continue
        if name or _disposition(part) == "attachment":
            body.attachments.append(name or "(unnamed)")
            continue
        if ctype in ("text/plain", "text/html"):
            try:
                charset = part.get_content_charset()
            except Exception:
                charset = None
            text = _bytes_to_str(_payload_bytes(part)[: MAX_TEXT * 4], charset)
            (body.plain if ctype == "text/plain" else body.html).append(text)
