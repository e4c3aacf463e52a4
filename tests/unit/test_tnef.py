"""winmail.dat (TNEF): body and attachment names read, unreadable blobs quarantined with a clear
reason, hostile counts refused before the library sees them. The blobs are built here, by the
framing of MS-OXTNEF §2.1 (signature, key, then level/id/length/data/checksum attributes)."""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from pathlib import Path

import pytest

from agent.errors import MessageRejected
from agent.understanding.classify import understand
from agent.understanding.mime import parse_mail
from agent.understanding.tnef import UNREADABLE, read_tnef

NOW = datetime(2027, 1, 12, 12, 0, tzinfo=timezone.utc)
MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"

MESSAGE, ATTACHMENT = 1, 2
ATT_VERSION, ATT_CODEPAGE, ATT_CLASS, ATT_SUBJECT, ATT_BODY = 0x00089006, 0x00069007, 0x00078008, 0x00018004, 0x0002800C
ATT_MAPI, ATT_REND, ATT_TITLE, ATT_DATA = 0x00069003, 0x00069002, 0x00018010, 0x0006800F


def attr(level: int, ident: int, data: bytes) -> bytes:
    return struct.pack("<BII", level, ident, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def mapi(*props: tuple[int, int, bytes]) -> bytes:
    """A MAPI property list of single-valued string/binary properties (type, id, value)."""
    out = struct.pack("<I", len(props))
    for kind, ident, value in props:
        out += struct.pack("<HHII", kind, ident, 1, len(value)) + value + b"\0" * (-len(value) % 4)
    return out


def tnef(body: bytes | None = None, attachments=(), props: bytes | None = None) -> bytes:
    out = struct.pack("<IH", 0x223E9F78, 0x1234)
    out += attr(MESSAGE, ATT_VERSION, struct.pack("<I", 0x10000))
    out += attr(MESSAGE, ATT_CODEPAGE, struct.pack("<II", 1252, 0))
    out += attr(MESSAGE, ATT_CLASS, b"IPM.Microsoft Mail.Note\0")
    out += attr(MESSAGE, ATT_SUBJECT, b"Notes from Thursday\0")
    if body is not None:
        out += attr(MESSAGE, ATT_BODY, body)
    if props is not None:
        out += attr(MESSAGE, ATT_MAPI, props)
    for name, data in attachments:
        out += attr(ATTACHMENT, ATT_REND, b"\xff\xff\xff\xff" + b"\0" * 10)
        out += attr(ATTACHMENT, ATT_TITLE, name.encode("cp1252") + b"\0")
        out += attr(ATTACHMENT, ATT_DATA, data)
    return out


def eml(blob: bytes, text_part: str | None = None, sender: str = "ana@x.org") -> bytes:
    import base64

    parts = []
    if text_part is not None:
        parts.append("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text_part + "\r\n")
    b64 = base64.encodebytes(blob).decode("ascii").replace("\n", "\r\n")
    parts.append('Content-Type: application/ms-tnef; name="winmail.dat"\r\nContent-Transfer-Encoding: base64\r\n'
                 'Content-Disposition: attachment; filename="winmail.dat"\r\n\r\n' + b64)
    body = "".join(f"--b1\r\n{p}" for p in parts) + "--b1--\r\n"
    return (f"From: Ana <{sender}>\r\nTo: program@x.org\r\nSubject: Notes from Thursday\r\n"
            "Date: Tue, 12 Jan 2027 10:00:00 +0000\r\nMessage-ID: <tnef@x.org>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n' + body).encode("ascii")


NOTES = b"Agreements:\r\n- We meet every two weeks\r\n\r\nNext steps:\r\n- I will send the CV by Friday\r\n"


@pytest.mark.parametrize("name, blob, text, names", [
    ("legacy body attribute", tnef(NOTES, [("agenda.docx", b"PK\x03\x04 docx")]), "We meet every two weeks",
     ("agenda.docx",)),
    ("plain body in MAPI properties", tnef(props=mapi((0x001E, 0x1000, b"Hello from Outlook\0"))),
     "Hello from Outlook", ()),
    ("HTML body in MAPI properties", tnef(props=mapi((0x0102, 0x1013, b"<p>Hi <b>there</b></p>"))), "Hi there", ()),
    ("cp1252 names", tnef(b"Text", [("R\xe9sum\xe9.pdf".encode("latin-1").decode("cp1252"), b"%PDF"), ("plan.xlsx", b"x")]),
     "Text", ("Résumé.pdf", "plan.xlsx")),
])
def test_read_tnef(name, blob, text, names):
    found = read_tnef(blob)
    assert found.readable and text in " ".join(found.text.split())
    assert found.attachments == names


@pytest.mark.parametrize("blob", [
    b"", b"not tnef at all", struct.pack("<IH", 0x223E9F78, 1),  # empty stream
    tnef(props=mapi((0x0102, 0x1009, b"{\\rtf1 compressed rtf only}"))),  # RTF only: not decoded
    tnef(NOTES)[:40],  # truncated
    # hostile counts: 4 billion properties / values would make the library loop that often
    struct.pack("<IH", 0x223E9F78, 1) + attr(MESSAGE, ATT_MAPI, struct.pack("<I", 0xFFFFFFFF)),
    struct.pack("<IH", 0x223E9F78, 1) + attr(MESSAGE, ATT_MAPI, struct.pack("<IHHI", 1, 0x1002, 0x3001, 0xFFFFFFFF)),
])
def test_unreadable_blobs_are_a_result_not_a_crash(blob):
    found = read_tnef(blob)
    assert not found.readable and found.text == ""


def test_a_text_part_next_to_winmail_dat_is_the_body_and_the_names_are_noted():
    mail = parse_mail(eml(tnef(b"rich text version", [("slides.pptx", b"x")]), text_part="Plain version here"))
    assert mail.text.strip() == "Plain version here"
    assert mail.attachments == ("slides.pptx",) and mail.unreadable is None


def test_winmail_dat_alone_gives_the_body_and_understand_reads_it():
    raw = eml(tnef(NOTES, [("cv.pdf", b"%PDF")]))
    mail, u = understand(raw, participants={"ana@x.org": "mentee", "tom@x.org": "mentor"}, now=NOW)
    assert "We meet every two weeks" in mail.text and mail.attachments == ("cv.pdf",)
    assert u.kind == "notes" and u.notes.action_items[0].owner == "mentee"


def test_unreadable_winmail_dat_is_quarantined_with_a_clear_reason():
    raw = eml(tnef(props=mapi((0x0102, 0x1009, b"{\\rtf1 compressed rtf only}"))))
    assert parse_mail(raw).unreadable == UNREADABLE
    with pytest.raises(MessageRejected, match="winmail.dat .* please send as plain text or HTML"):
        understand(raw, participants={"ana@x.org"}, now=NOW)


def test_a_stranger_with_winmail_dat_is_a_stranger_not_a_quarantine_for_tnef():
    raw = eml(tnef(props=mapi((0x0102, 0x1009, b"{\\rtf1 x}"))), sender="someone@else.org")
    _, u = understand(raw, participants={"ana@x.org"}, now=NOW)
    assert u.kind == "stranger"


def test_the_committed_fixture_is_what_this_builder_writes():
    """tests/fixtures/mail/outlook_winmail_dat.eml: a realistic Outlook rich-text message."""
    path = MAIL / "outlook_winmail_dat.eml"
    raw = eml(tnef(NOTES, [("Lebenslauf_Ana.pdf", b"%PDF-1.4 ...")]))
    assert path.read_bytes() == raw  # regenerate: path.write_bytes(raw) with the builder above
    assert parse_mail(path.read_bytes()).attachments == ("Lebenslauf_Ana.pdf",)
