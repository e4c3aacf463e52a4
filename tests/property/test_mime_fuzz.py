"""Hostile input never crashes understand(), and one message never takes more than 1 s or 100 MB.

Three sources: (1) hypothesis-built MIME trees with odd headers (RFC 2047 words with unknown
charsets, RFC 2231 parameters, missing or lying boundaries, deep nesting, bad transfer encodings,
HTML-only bodies with hostile markup, iCalendar parts); (2) byte-level mutations of about 50 real
messages from ../shared/corpora/mime, read at test time when that folder exists (skipped
otherwise); (3) pathological shapes built on purpose (a million quote markers, huge headers,
thousands of parts). Only MessageRejected (and its subclass CalendarRejected) may escape.

Memory is asserted (under 100 MB per message); time is not (machines are noisy), but every case
runs under a 5 s hang guard (bounds.py).
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.errors import MessageRejected
from agent.understanding.classify import understand, understanding_to_json
from bounds import assert_bounded, measured

NOW = datetime(2027, 1, 20, 12, 0, tzinfo=timezone.utc)
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "mime"


def check(raw: bytes) -> None:
    """understand() on ``raw`` is total and bounded (memory asserted, hangs caught: see bounds.py)."""
    with measured() as found:
        try:
            mail, u = understand(raw, participants=None, now=NOW, zones={"a@x.org": "Europe/Berlin"},
                                 names={"Ana": "mentee"}, next_meeting=NOW)
            understanding_to_json("fuzz.eml", mail, u)
        except MessageRejected as exc:
            assert str(exc)  # over-size input or a broken iMIP part: deliberate, quarantined with this reason
    assert_bounded(found, f"{len(raw):,} bytes")


# ------------------------------------------------------------------ generated MIME
CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "koi8-r", "shift_jis", "x-unknown", "utf-7", "", "utf-16"]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "bogus"]
TYPES = ["text/plain", "text/html", "text/calendar", "application/octet-stream", "application/ms-tnef",
         "message/rfc822", "image/png", "text/enriched"]
words = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
header_values = st.one_of(
    words,
    st.builds(lambda cs, t: f"=?{cs}?B?{t}?=", st.sampled_from(CHARSETS), st.text("ABCDEFabcdef0123456789+/=", max_size=30)),
    st.builds(lambda cs, t: f"=?{cs}?Q?{t}?=", st.sampled_from(CHARSETS), st.text("=_ABCabc123", max_size=30)),
    st.builds(lambda n: "x" * n, st.integers(0, 20_000)),
)
bodies = st.one_of(
    words,
    st.binary(max_size=2000).map(lambda b: b.decode("latin-1")),
    st.builds(lambda n: "> " * n + "quoted", st.integers(0, 5000)),
    st.builds(lambda n: "<div>" * n + "x" + "</div>" * (n // 2), st.integers(0, 3000)),
    st.just("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\nEND:VCALENDAR"),
    st.just("Can we move it to Thursday 3pm my time? " * 50),
    st.just("Next steps:\n" + "- Ana will send it by Friday\n" * 300),
)


@st.composite
def mime_part(draw, depth=0):
    if depth < 4 and draw(st.booleans()):
        boundary = draw(st.sampled_from(["b1", "b", "", "==x==", "a" * 80]))
        children = draw(st.lists(mime_part(depth + 1), max_size=4))
        subtype = draw(st.sampled_from(["mixed", "alternative", "related", "report", "signed"]))
        closing = draw(st.sampled_from([f"--{boundary}--", "", f"--{boundary}"]))
        inner = "".join(f"--{boundary}\r\n{child}\r\n" for child in children)
        return f"Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n{inner}{closing}\r\n"
    ctype = draw(st.sampled_from(TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(ENCODINGS))
    name = draw(st.sampled_from(["", "; name*=utf-8''%E2%82%AC%20rate.ics", "; name*0=\"a\"; name*1=\"b.pdf\"",
                                 "; name=\"winmail.dat\""]))
    return (f"Content-Type: {ctype}; charset={charset}{name}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
            f"{draw(bodies)}\r\n")


@st.composite
def messages(draw):
    headers = {
        "From": draw(st.sampled_from(["a@x.org", "Ana <a@x.org>", "=?utf-8?B?w6k=?= <a@x.org>", "<>", "@@@", ""])),
        "Subject": draw(header_values), "Date": draw(st.sampled_from(
            ["Mon, 11 Jan 2027 09:12:00 +0000", "yesterday", "Mon, 31 Feb 2027 25:61:00 +9999", ""])),
        "Auto-Submitted": draw(st.sampled_from(["", "auto-replied", "no"])),
        "Message-ID": draw(header_values),
    }
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if v)
    text = head + draw(mime_part())
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(messages())
def test_generated_mime_is_handled(raw):
    check(raw)


# ------------------------------------------------------------------ mutated real messages
def _seeds() -> list[bytes]:
    if not CORPUS.is_dir():
        return []
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".eml", ".msg", ".txt", ".mbox")
                   and p.stat().st_size < 200_000)
    picked = random.Random(4).sample(files, min(50, len(files)))
    return [p.read_bytes() for p in picked]


SEEDS = _seeds()


@pytest.mark.skipif(not SEEDS, reason="../shared/corpora/mime is not available")
def test_the_real_seeds_themselves():
    for raw in SEEDS:
        check(raw)


@pytest.mark.skipif(not SEEDS, reason="../shared/corpora/mime is not available")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6), st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=40), st.integers(0, 200)),
                                       min_size=1, max_size=12))
def test_mutated_real_messages_are_handled(which, edits):
    data = bytearray(SEEDS[which % len(SEEDS)])
    for pos, insert, delete in edits:
        pos = pos % (len(data) + 1)
        data[pos:pos + delete] = insert
    check(bytes(data))


# ------------------------------------------------------------------ pathological shapes
@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@x.org\r\nSubject: x\r\n\r\n" + b">" * 2_000_000,
        b"From: a@x.org\r\nSubject: " + b"=?utf-8?Q?a?= " * 50_000 + b"\r\n\r\nhi",
        b"From: a@x.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 20_000,
        b"From: a@x.org\r\n" + b"X-H: v\r\n" * 100_000 + b"\r\nbody",
        b"From: a@x.org\r\nContent-Type: text/html\r\n\r\n" + b"<blockquote>" * 50_000,
        b"From: a@x.org\r\n\r\n" + ("On Mon, Jan 4, 2027 at 9:00 AM Bob wrote:\n" * 20_000).encode(),
        b"From: a@x.org\r\n\r\n" + ("Thursday 3pm Friday 4pm 1/2 3/4 next Thursday the 20th " * 2_000).encode(),
        b"From: a@x.org\r\n\r\n" + ("- Ana will send it by Friday, and Tom will review it\n" * 5_000).encode(),
        b"From: a@x.org\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n" + b"\xff\xfe" + b"\x00\xd8" * 10_000,
        b"\x00" * 100_000,
    ],
    ids=["quote-markers", "encoded-words", "20k-parts", "100k-headers", "html-nesting", "attributions",
         "times", "action-items", "utf16-surrogates", "nul-bytes"],
)
def test_pathological_shapes(raw):
    check(raw)


def test_oversize_is_rejected_not_parsed():
    with pytest.raises(MessageRejected):
        understand(b"From: a@x.org\r\n\r\n" + b"x" * 26_000_000, participants=None, now=NOW)


# ------------------------------------------------------------------ attachment bombs
def _multipart(parts: list[bytes], boundary: bytes = b"b") -> bytes:
    inner = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return (b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\r\n\r\n" + inner
            + b"--" + boundary + b"--\r\n")


def _nested(depth: int) -> bytes:
    """``depth`` multipart levels, each with its own boundary, a text part at the bottom."""
    head = b"".join(b"Content-Type: multipart/mixed; boundary=\"l%d\"\r\n\r\n--l%d\r\n" % (i, i) for i in range(depth))
    tail = b"".join(b"\r\n--l%d--\r\n" % i for i in reversed(range(depth)))
    return head + b"Content-Type: text/plain\r\n\r\ndeep agenda\r\n" + tail


FROM = b"From: Ana <a@x.org>\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n"
BASE64_LINE = b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n"  # 57 bytes each
CTES = [b"base64", b"quoted-printable", b"7bit", b"8bit", b"binary", b"x-uuencode", b"uuencode", b"x-uue",
        b"bogus", b"BASE64", b" base64 ", b"base64; x=y", b"quoted-printable, base64", b""]
BOMBS = {
    "50-megabytes": FROM + b"Content-Type: text/plain\r\n\r\n" + (b"x" * 999 + b"\n") * 50_000,
    "5000-parts": FROM + _multipart([b"Content-Type: application/octet-stream\r\n\r\nAAAA"] * 5_000),
    "parts-of-parts": FROM + _multipart([_multipart([b"Content-Type: text/plain\r\n\r\nx"] * 50, b"i%d" % i)
                                         for i in range(100)]),
    "nesting-200": FROM + _nested(200),
    "nesting-5000": FROM + _nested(5_000),
    "same-boundary-nesting": FROM + (b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n") * 20_000,
    "message-rfc822-nesting": FROM + (b"Content-Type: message/rfc822\r\n\r\n" + FROM) * 5_000,
    "base64-decodes-to-15MB": FROM + b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + BASE64_LINE * 270_000,
    "base64-attachment-15MB": FROM + _multipart([
        b"Content-Type: text/plain\r\n\r\nAgenda:\r\n1. hello",
        b"Content-Type: application/zip; name=x.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + BASE64_LINE * 270_000]),
    "base64-calendar-15MB": FROM + b"Content-Type: text/calendar; method=REPLY\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + BASE64_LINE * 270_000,
    "many-encodings": FROM + _multipart([
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: " + cte + b"\r\n\r\n" + body
        for cte in CTES for body in (b"=E2=82=AC agenda", b"4oKs YWdlbmRh", b"begin 644 x\r\n#86)C\r\n`\r\nend", b"\xff\x00")]),
    "qp-soft-breaks": FROM + b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    + b"=\r\n" * 3_000_000,
}


@pytest.mark.parametrize("raw", BOMBS.values(), ids=BOMBS.keys())
def test_attachment_bombs_are_bounded(raw):
    check(raw)


def test_a_50_megabyte_message_is_refused_with_its_size():
    with pytest.raises(MessageRejected, match="message is 50 MB; the limit is 25 MB"):
        understand(BOMBS["50-megabytes"], participants=None, now=NOW)
