"""winmail.dat (application/ms-tnef, Outlook "rich text" mail): the body and attachment names.

Outlook sends rich-text mail as a TNEF blob; most of the time a text/plain part comes with it and
the blob only carries the attachments, sometimes the blob is all there is. ``read_tnef`` returns
what it could read with the ``tnefparse`` library (pure Python, no dependencies): the plain-text
body (or the HTML body turned into text), and the names of the attachments inside, for filing.

A body held only as compressed RTF is not read (that needs an RTF decoder we do not carry). When a
message has no other readable text, ``mime.parse_mail`` then sets ``ParsedMail.unreadable`` to
``UNREADABLE`` and ``understand()`` quarantines the message with that reason instead of guessing.
Total: any error in the blob (truncated, hostile, the library missing) is a result, never a raise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agent.understanding.htmltext import html_to_text

MAX_TNEF = 10_000_000  # bytes of one blob looked at
MAX_NAMES = 100
UNREADABLE = "winmail.dat (Outlook rich text) could not be read; please send as plain text or HTML"
TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"


@dataclass(frozen=True)
class Tnef:
    """What one winmail.dat held: ``text`` ("" when no readable body) and attachment names."""

    text: str = ""
    attachments: tuple[str, ...] = ()
    readable: bool = False


def is_tnef(content_type: str, filename: str | None) -> bool:
    return content_type in ("application/ms-tnef", "application/vnd.ms-tnef") or (
        (filename or "").strip().lower() == "winmail.dat")


def read_tnef(data: bytes) -> Tnef:
    """Decode one TNEF blob (see the module docstring); never raises."""
    if not data.startswith(TNEF_SIGNATURE) or len(data) > MAX_TNEF or not _bounded(bytes(data)):
        return Tnef()
    try:
        from tnefparse.tnef import TNEF
    except ImportError:  # pragma: no cover - the dependency is declared; this keeps parsing total
        return Tnef()
    logging.getLogger("tnefparse").setLevel(logging.ERROR)  # it warns about every odd property
    try:
        blob = TNEF(bytes(data), do_checksum=False)
        names = tuple(n for n in (_name(a) for a in blob.attachments[:MAX_NAMES]) if n)
        text = _text(blob.body) or html_to_text(_text(blob.htmlbody))
    except Exception:  # noqa: BLE001 - a hostile blob is a result, not a crash
        return Tnef()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    return Tnef(text=text, attachments=names, readable=bool(text))


# ------------------------------------------------------------------ a guard for the library
# tnefparse trusts the counts in the blob: a MAPI property list or a multi-valued property that
# claims 4 billion entries makes it loop (and allocate) that often. ``_bounded`` walks the same
# framing first (TNEF objects, then the MAPI property lists inside them, MS-OXTNEF §2.1.3) and
# refuses any count larger than the bytes left could hold, and embedded messages nested deeper
# than MAX_NESTING. Linear in the size of the blob.
MAX_NESTING = 3
_MAPI_OBJECTS = (0x9003, 0x9005)  # attMsgProps, attAttachment
_FIXED = {0x0002: 2, 0x000B: 2, 0x0003: 4, 0x0004: 4, 0x000A: 4, 0x0005: 8, 0x0007: 8, 0x0006: 8, 0x0014: 8,
          0x0040: 8, 0x0048: 16}
_VARIABLE = (0x001E, 0x001F, 0x000D, 0x0102, 0x0000)
_IMESSAGE = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"


def _u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset: offset + 4], "little") if offset + 4 <= len(data) else -1


def _bounded(data: bytes, depth: int = 0) -> bool:
    """True when every count in the blob fits the bytes that follow it (see above)."""
    if depth > MAX_NESTING:
        return False
    offset = 6
    while offset + 12 < len(data):
        name = int.from_bytes(data[offset + 1: offset + 3], "little")
        length = min(len(data) - offset, _u32(data, offset + 5) + 11)
        body = data[offset + 9: offset + length - 2]
        if name in _MAPI_OBJECTS and not _mapi_bounded(body, depth):
            return False
        if name == 0x9004 and _u32(body, 0) > len(body) // 4:  # attRecipTable rows
            return False
        offset += length
    return True


def _mapi_bounded(data: bytes, depth: int) -> bool:
    count, offset = _u32(data, 0), 4
    if count < 0 or count > len(data) // 4:
        return False
    for _ in range(count):
        if offset + 4 > len(data):
            return True  # the library stops (quickly) at the end of the data
        kind, name = int.from_bytes(data[offset: offset + 2], "little"), int.from_bytes(data[offset + 2: offset + 4], "little")
        offset += 4
        if name >= 0x8000:  # a named property: GUID, kind, then an id or a name
            offset += 16
            named = _u32(data, offset)
            offset += 4
            size = _u32(data, offset)
            if named != 0 and (size < 0 or size > len(data) - offset):
                return False
            offset += 4 if named == 0 else 4 + size + (-size) % 4
        values, multi = 1, bool(kind & 0x1000)
        if multi:
            kind ^= 0x1000
            values = _u32(data, offset)
            offset += 4
            if values < 0 or values > max(0, len(data) - offset):
                return False
        for _ in range(values):
            if kind in _FIXED:
                offset += _FIXED[kind]
            elif kind in _VARIABLE:
                parts = 1 if multi else _u32(data, offset)  # a single value starts with its count
                offset += 0 if multi else 4
                if parts < 0 or parts > max(0, len(data) - offset) // 4 + 1:
                    return False
                for _ in range(parts):
                    size = _u32(data, offset)
                    if size < 0:
                        return True
                    value = data[offset + 4: offset + 4 + size]
                    if value.startswith(_IMESSAGE) and not _bounded(value[len(_IMESSAGE):], depth + 1):
                        return False
                    offset += 4 + size + (-size) % 4
            else:
                return True  # the library raises on an unknown type and stops
            if offset > len(data):
                return True
        if values % 2 and kind in (0x0002, 0x000B):
            offset += 2
    return True


def _name(attachment) -> str:
    """The attachment's long file name, else its title; bytes decoded as UTF-8, else Windows-1252
    (the library itself assumes UTF-8 and fails on Outlook's cp1252 titles)."""
    name = ""
    try:
        long_names = [a.data for a in attachment.mapi_attrs if a.name == 0x3707]  # PR_ATTACH_LONG_FILENAME
        name = long_names[0] if long_names else getattr(attachment, "_name", "")
    except Exception:  # noqa: BLE001
        name = getattr(attachment, "_name", "")
    if isinstance(name, (bytes, bytearray)):
        name = _text(name)
    return " ".join(str(name or "").replace("\x00", "").split())[:300]


def _text(value) -> str:
    """A body property as text: str as is, bytes as UTF-8 (else Windows-1252, Outlook's default)."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        for cs in ("utf-8", "cp1252"):
            try:
                return bytes(value).decode(cs)
            except UnicodeDecodeError:
                continue
        return bytes(value).decode("latin-1")
    return ""
