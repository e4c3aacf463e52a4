"""Hostile iCalendar never crashes the inbound calendar path, and one object stays within 1 s and 100 MB.

The inbound path is ``imip_in.parse_itip`` / ``read_itip`` (bytes of one text/calendar part) and the
classifier's calendar branch (``understand`` on a whole message carrying that part). Three sources:
(1) hypothesis-built objects from hostile pieces (RRULEs without end, FREQ=SECONDLY, COUNT=1000000,
huge RDATE lists, bogus TZIDs, VTIMEZONEs with absurd rules, deep nesting, huge lines and property
counts); (2) byte mutations of the real objects in ../shared/corpora/calendars (mozilla-invitations
included); (3) named pathological shapes. The only outcomes allowed are a value or CalendarRejected
(a MessageRejected) with a reason a person can read.

Every case runs under ``signal.alarm(5)``: a hang fails the test instead of stalling the suite. That
is a hang guard, not a speed assertion; memory (under 100 MB) is asserted (see bounds.py).
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.calendar.imip_in import ItipObject, parse_itip, read_itip
from agent.domain.model import CalendarAnswer
from agent.errors import CalendarRejected, MessageRejected
from agent.understanding.classify import understand
from bounds import assert_bounded, measured

NOW = datetime(2027, 1, 20, 12, 0, tzinfo=timezone.utc)
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "calendars"


def as_message(ics: bytes) -> bytes:
    """One participant's mail carrying ``ics`` as its text/calendar part (what Outlook sends), bytes as they are."""
    return (b"From: Ana <a@x.org>\r\nTo: mentoring@program.example.org\r\nSubject: Accepted: Mentoring\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"=b=\"\r\n\r\n"
            b"--=b=\r\nContent-Type: text/plain\r\n\r\nAccepted\r\n"
            b"--=b=\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + ics + b"\r\n--=b=--\r\n")


def check(ics: bytes) -> None:
    """Every inbound reading of ``ics`` is total and bounded; refusals say why in words."""
    message = as_message(ics)
    with measured() as found:
        for reader in (parse_itip, read_itip):
            try:
                value = reader(ics)
                assert isinstance(value, (CalendarAnswer, ItipObject))
            except CalendarRejected as exc:
                assert len(str(exc)) > 10 and "Traceback" not in str(exc)
        try:
            understand(message, participants={"a@x.org": "mentee"}, now=NOW)
        except MessageRejected as exc:
            assert str(exc)
    assert_bounded(found, f"{len(ics):,} bytes")


# ------------------------------------------------------------------ generated objects
def vcal(*lines: str, method: str = "REPLY") -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fuzz//EN", f"METHOD:{method}", *lines, "END:VCALENDAR"]
    return ("\r\n".join(body) + "\r\n").encode("utf-8", "surrogatepass")


def event(*extra: str) -> list[str]:
    return ["BEGIN:VEVENT", "UID:u-1@x", "DTSTAMP:20270101T000000Z",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x.org", *extra, "END:VEVENT"]


RRULES = [
    "FREQ=SECONDLY", "FREQ=SECONDLY;INTERVAL=1", "FREQ=MINUTELY;COUNT=1000000", "FREQ=DAILY",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=WEEKLY;UNTIL=99991231T235959Z", "FREQ=HOURLY;BYSETPOS=-1",
    "FREQ=YEARLY;BYYEARDAY=366;BYWEEKNO=53", "FREQ=MONTHLY;BYDAY=5FR;COUNT=1000000", "FREQ=BOGUS;;;=;",
    "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;INTERVAL=-1", "FREQ=YEARLY;BYSECOND=" + ",".join(map(str, range(60))),
]
TZIDS = ["Europe/Berlin", "W. Europe Standard Time", "/mozilla.org/20050126_1/Europe/Berlin", "../../etc/passwd",
         "Nowhere/Land", "", '"quoted"', "x" * 5000, "Etc/GMT+14", "/" * 300, "\x00", "Custom Zone"]
OFFSETS = ["+0100", "+0200", "-2359", "+9999", "bogus", "+0000", "-0000", "+2400"]


@st.composite
def vtimezones(draw):
    tzid = draw(st.sampled_from(TZIDS))
    subs = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["STANDARD", "DAYLIGHT", "VEVENT", "X-ODD"]))
        rule = draw(st.sampled_from(["FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "FREQ=SECONDLY", "FREQ=YEARLY",
                                     "FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=" +
                                     ",".join(map(str, range(1, 32))),
                                     "FREQ=YEARLY;INTERVAL=100000", "FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU",
                                     "FREQ=YEARLY;COUNT=1000000;BYMONTH=3;BYDAY=-1SU", "FREQ=YEARLY;BYMONTH=13"]))
        start = draw(st.sampled_from(["16010101T000000", "00010101T000000", "99991231T235959", "19700329T020000",
                                      "20270101T000000", "garbage"]))
        rdates = draw(st.integers(0, 3)) * 2000
        lines = [f"BEGIN:{kind}", f"DTSTART:{start}", f"TZOFFSETFROM:{draw(st.sampled_from(OFFSETS))}",
                 f"TZOFFSETTO:{draw(st.sampled_from(OFFSETS))}", f"RRULE:{rule}"]
        if rdates:
            lines.append("RDATE:" + ",".join(f"{1970 + i % 8000:04d}0101T000000" for i in range(rdates // 100)))
        subs += lines + [f"END:{kind}"]
    return ["BEGIN:VTIMEZONE", f"TZID:{tzid}", *subs, "END:VTIMEZONE"], tzid


@st.composite
def objects(draw):
    zone, tzid = draw(vtimezones())
    start_tzid = draw(st.sampled_from([tzid, *TZIDS]))
    props = [
        f"DTSTART;TZID={start_tzid}:{draw(st.sampled_from(['20270105T170000', '20270105', '99999999T999999', '']))}",
        f"RRULE:{draw(st.sampled_from(RRULES))}",
        f"RECURRENCE-ID;TZID={draw(st.sampled_from(TZIDS))}:20270112T170000",
        f"SEQUENCE:{draw(st.sampled_from(['0', '-5', '99999999999999999999', 'x']))}",
        f"DURATION:{draw(st.sampled_from(['PT45M', 'P99999999W', 'bogus', '-PT1S']))}",
        "RDATE:" + ",".join(["20270101T000000Z"] * draw(st.integers(0, 900))),
        "SUMMARY:" + draw(st.text(max_size=200)).replace("\r", " ").replace("\n", " "),
        "COMMENT:" + draw(st.sampled_from(["ok", "\\n" * 3000, "=?utf-8?B?w6k=?="])),
    ]
    chosen = draw(st.lists(st.sampled_from(props), max_size=len(props), unique=True))
    extra = ["X-P:" + "v" * 10] * draw(st.sampled_from([0, 10, 5000]))
    depth = draw(st.integers(0, 60))
    nested = ["BEGIN:VCALENDAR"] * depth + ["END:VCALENDAR"] * draw(st.integers(0, depth))
    method = draw(st.sampled_from(["REPLY", "COUNTER", "REFRESH", "REQUEST", "", "reply", "X-EVIL"]))
    return vcal(*(zone if draw(st.booleans()) else []), *event(*chosen, *extra), *nested, method=method)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(objects())
def test_generated_calendar_objects_are_handled(ics):
    check(ics)


# ------------------------------------------------------------------ mutated real objects
def _seeds() -> list[bytes]:
    if not CORPUS.is_dir():
        return []
    files = sorted(p for p in CORPUS.rglob("*.ics") if p.stat().st_size < 300_000)
    picked = random.Random(7).sample(files, min(60, len(files)))
    mozilla = sorted((CORPUS / "mozilla-invitations").rglob("*.ics"))
    return [p.read_bytes() for p in dict.fromkeys(picked + mozilla)]


def _mozilla_parts() -> list[bytes]:
    """The text/calendar parts of the mozilla-invitations messages (real Outlook, Teams, Meet invites)."""
    from agent.understanding.mime import parse_mail

    if not (CORPUS / "mozilla-invitations").is_dir():
        return []
    found = []
    for path in sorted((CORPUS / "mozilla-invitations").rglob("*.eml")):
        found += parse_mail(path.read_bytes()).calendars
    return found


SEEDS = _seeds() + _mozilla_parts()


@pytest.mark.skipif(not SEEDS, reason="../shared/corpora/calendars is not available")
def test_the_real_objects_themselves():
    for raw in SEEDS:
        check(raw)


@pytest.mark.skipif(not SEEDS, reason="../shared/corpora/calendars is not available")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6),
       st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from([
           b"", b"\x00", b"\r\n", b"\r\n ", b"BEGIN:VEVENT\r\n", b"END:VCALENDAR\r\n", b"RRULE:FREQ=SECONDLY\r\n",
           b"RRULE:FREQ=DAILY;COUNT=1000000\r\n", b";TZID=Nowhere/Land", b"METHOD:REPLY\r\n", b"\xff\xfe",
           b"BEGIN:VTIMEZONE\r\n", b"TZOFFSETTO:+9999\r\n", b"RDATE:" + b"20270101T000000Z," * 500 + b"\r\n",
       ]), st.integers(0, 200)), min_size=1, max_size=10))
def test_mutated_real_objects_are_handled(which, edits):
    data = bytearray(SEEDS[which % len(SEEDS)])
    for pos, insert, delete in edits:
        pos = pos % (len(data) + 1)
        data[pos:pos + delete] = insert
    check(bytes(data))


# ------------------------------------------------------------------ pathological shapes
ZONE_LOOP = [
    "BEGIN:VTIMEZONE", "TZID:Custom Zone",
    "BEGIN:STANDARD", "DTSTART:00010101T000000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=" + ",".join(map(str, range(1, 32))),
    "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:00010101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", "END:DAYLIGHT",
    "END:VTIMEZONE",
]
CUSTOM_START = "DTSTART;TZID=Custom Zone:20270105T170000"
SHAPES = {
    "rrule-without-end": vcal(*event("DTSTART:20270105T170000Z", "RRULE:FREQ=DAILY"), method="COUNTER"),
    "secondly": vcal(*event("DTSTART:20270105T170000Z", "RRULE:FREQ=SECONDLY"), method="COUNTER"),
    "count-million": vcal(*event("DTSTART:20270105T170000Z", "RRULE:FREQ=MINUTELY;COUNT=1000000")),
    "rdate-list-huge": vcal(*event("DTSTART:20270105T170000Z", *["RDATE:" + ",".join(["20270105T170000Z"] * 500)] * 1500)),
    "rdate-one-line": vcal(*event("DTSTART:20270105T170000Z", "RDATE:" + ",".join(["20270105T170000Z"] * 60_000))),
    "nested-vcalendar": ("BEGIN:VCALENDAR\r\n" * 100_000 + "END:VCALENDAR\r\n" * 100_000).encode(),
    "nested-vevent": vcal(*(["BEGIN:VEVENT"] * 5000 + ["END:VEVENT"] * 5000)),
    "nested-within-limit": vcal(*(["BEGIN:X-A"] * 45 + ["END:X-A"] * 45), *event()),
    "huge-line": vcal(*event("SUMMARY:" + "x" * 900_000)),
    "huge-folded-line": vcal(*event("SUMMARY:" + "\r\n ".join(["x" * 70] * 12_000))),
    "many-properties": vcal(*event(*["X-PROP:v"] * 60_000)),
    "many-attendees": vcal(*event(*[f"ATTENDEE;PARTSTAT=DECLINED:mailto:p{i}@x.org" for i in range(20_000)]),
                           method="REPLY"),
    "many-params": vcal(*event("ATTENDEE;" + ";".join(f"X-P{i}=v" for i in range(1500)) + ":mailto:a@x.org")),
    "bogus-tzid": vcal(*event("DTSTART;TZID=../../../../etc/passwd:20270105T170000"), method="COUNTER"),
    "absurd-vtimezone": vcal(*ZONE_LOOP, *event(CUSTOM_START), method="COUNTER"),
    "vtimezone-secondly": vcal(*[line.replace("RRULE:FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", "RRULE:FREQ=SECONDLY")
                                 for line in ZONE_LOOP], *event(CUSTOM_START), method="COUNTER"),
    "vtimezone-unended": vcal(*ZONE_LOOP[:-1], *event(CUSTOM_START), method="COUNTER"),
    "vtimezone-count-million": vcal("BEGIN:VTIMEZONE", "TZID:Custom Zone", "BEGIN:STANDARD",
                                    "DTSTART:00010101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0100",
                                    "RRULE:FREQ=YEARLY;COUNT=1000000;BYDAY=MO,TU,WE,TH,FR,SA,SU",
                                    "RDATE:" + ",".join(["00010101T000000"] * 5000),
                                    "END:STANDARD", "END:VTIMEZONE", *event(CUSTOM_START), method="COUNTER"),
    "many-vtimezones": vcal(*(ZONE_LOOP * 40), *event(CUSTOM_START), method="COUNTER"),
    "over-a-megabyte": vcal(*event(*["X-PROP:" + "v" * 70] * 20_000)),
    "binary": bytes(range(256)) * 4000,
    "utf16": "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n".encode("utf-16"),
    "bom-and-nul": b"\xef\xbb\xbfBEGIN:VCALENDAR\r\nMETHOD:REPLY\x00\r\nBEGIN:VEVENT\r\n\x00\x00\r\nEND:VEVENT\r\nEND:VCALENDAR",
    "cr-only": vcal(*event("DTSTART:20270105T170000Z")).replace(b"\r\n", b"\r"),
    "date-year-zero": vcal(*event("DTSTART:00000101T000000Z", "RECURRENCE-ID:99991231T235959Z")),
    "duration-huge": vcal(*event("DTSTART:20270105T170000Z", "DURATION:P99999999W"), method="COUNTER"),
}


@pytest.mark.parametrize("ics", SHAPES.values(), ids=SHAPES.keys())
def test_pathological_shapes(ics):
    check(ics)


def test_refusals_read_like_sentences():
    """The reasons a person sees in ``quarantine list`` for the commonest refusals."""
    cases = {
        SHAPES["huge-line"]: "line",
        SHAPES["nested-vcalendar"]: "bytes",
        SHAPES["nested-vevent"]: "lines",
        vcal(*(["BEGIN:X-A"] * 60 + ["END:X-A"] * 60), *event()): "components",
        SHAPES["over-a-megabyte"]: "bytes",
        SHAPES["bogus-tzid"]: "time zone",
        SHAPES["binary"]: "bytes",
    }
    for ics, word in cases.items():
        with pytest.raises(CalendarRejected, match=word):
            parse_itip(ics)


def _counter_in(zone_lines: list[str], tzid: str = "Custom Zone") -> bytes:
    return vcal(*zone_lines, *event(f"DTSTART;TZID={tzid}:20270105T170000"), method="COUNTER")


def _fixed_zone(offset: str, begin: str = "BEGIN:VTIMEZONE") -> list[str]:
    return [begin, "TZID:Custom Zone", "BEGIN:STANDARD", "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{offset}", f"TZOFFSETTO:{offset}", "END:STANDARD", "END:VTIMEZONE"]


@pytest.mark.parametrize("begin", ["BEGIN:VTIMEZONE", "begin:vtimezone", "BEGIN;X-A=1:VTIMEZONE", "BEGIN:VTIME\r\n ZONE"])
def test_one_senders_vtimezone_never_defines_the_tzid_for_the_next(begin):
    """icalendar caches parsed VTIMEZONEs process-wide by TZID; a sender's zone must stay in its own message."""
    first = parse_itip(_counter_in(_fixed_zone("+0500", begin)))
    assert first.proposed_start == datetime(2027, 1, 5, 12, tzinfo=timezone.utc)
    second = parse_itip(_counter_in(_fixed_zone("+0100")))
    assert second.proposed_start == datetime(2027, 1, 5, 16, tzinfo=timezone.utc)
    with pytest.raises(CalendarRejected, match="unknown time zone 'Custom Zone'"):
        parse_itip(_counter_in([]))
