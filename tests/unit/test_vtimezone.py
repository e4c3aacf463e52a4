"""The VTIMEZONEs we write must say what zoneinfo says, in the RRULE form Outlook accepts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Timezone

from agent.calendar.vtimezone import local_to_utc, vtimezone_for

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Beirut",
    "America/Sao_Paulo",
    "UTC",
]


def _as_foreign_tz(vtz: Timezone):
    """Evaluate the component's own rules with icalendar (renamed so it cannot fall back to zoneinfo)."""
    renamed = Timezone.from_ical(vtz.to_ical().replace(b"TZID:", b"TZID:Test-Only/", 1))
    return renamed.to_tz(lookup_tzid=False)


def _instants(start_year: int, end_year: int, step: timedelta):
    here = datetime(start_year, 1, 1, tzinfo=timezone.utc)
    end = datetime(end_year + 1, 1, 1, tzinfo=timezone.utc)
    while here < end:
        yield here
        here += step


@pytest.mark.parametrize("tzid", ZONES)
def test_offsets_match_zoneinfo_every_hour(tzid):
    vtz = vtimezone_for(tzid, 2026, 2028)
    ours, real = _as_foreign_tz(vtz), ZoneInfo(tzid)
    # 59 minutes apart, so the samples walk through every minute-of-hour, including half-hour changes.
    wrong = [
        (t, t.astimezone(ours).utcoffset(), t.astimezone(real).utcoffset())
        for t in _instants(2026, 2028, timedelta(minutes=59))
        if t.astimezone(ours).utcoffset() != t.astimezone(real).utcoffset()
    ]
    assert wrong == []


@pytest.mark.parametrize("tzid", ZONES)
def test_shape_is_rrule_not_rdate(tzid):
    vtz = vtimezone_for(tzid, 2026, 2028)
    text = vtz.to_ical().decode()
    assert "RDATE" not in text
    assert vtz["TZID"] == tzid
    kinds = [sub.name for sub in vtz.subcomponents]
    for sub in vtz.subcomponents:
        for prop in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME"):
            assert prop in sub, (tzid, sub.name, prop)
    if tzid in ("Asia/Kolkata", "Asia/Kathmandu", "America/Sao_Paulo", "UTC"):
        assert kinds == ["STANDARD"]
        assert "RRULE" not in text
    else:
        assert sorted(kinds) == ["DAYLIGHT", "STANDARD"]
        for sub in vtz.subcomponents:
            rule = sub["RRULE"]
            assert "FREQ=YEARLY;BYDAY=" in rule.to_ical().decode() and "UNTIL" not in rule


def test_known_rules():
    berlin = vtimezone_for("Europe/Berlin", 2026, 2028).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in berlin
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in berlin
    new_york = vtimezone_for("America/New_York", 2026, 2028).to_ical().decode()
    assert "BYDAY=2SU;BYMONTH=3" in new_york and "BYDAY=1SU;BYMONTH=11" in new_york
    sydney = vtimezone_for("Australia/Sydney", 2026, 2028).to_ical().decode()
    assert "BYDAY=1SU;BYMONTH=4" in sydney and "BYDAY=1SU;BYMONTH=10" in sydney
    lord_howe = vtimezone_for("Australia/Lord_Howe", 2026, 2028).to_ical().decode()
    assert "TZOFFSETTO:+1030" in lord_howe


def test_rule_change_inside_span_gets_until():
    # Brazil abolished DST in 2019: DST periods before that end with UNTIL, and no open rule follows.
    vtz = vtimezone_for("America/Sao_Paulo", 2016, 2020)
    rules = [sub["RRULE"] for sub in vtz.subcomponents if "RRULE" in sub]
    assert rules and all("UNTIL" in rule for rule in rules)
    ours, real = _as_foreign_tz(vtz), ZoneInfo("America/Sao_Paulo")
    for t in _instants(2016, 2020, timedelta(minutes=59)):
        assert t.astimezone(ours).utcoffset() == t.astimezone(real).utcoffset(), t


def test_local_to_utc_reads_an_outlook_style_vtimezone():
    outlook = Timezone.from_ical(
        "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\n"
        "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    )
    assert local_to_utc(outlook, datetime(2027, 3, 10, 17)) == datetime(2027, 3, 10, 16, tzinfo=timezone.utc)
    assert local_to_utc(outlook, datetime(2027, 7, 1, 9)) == datetime(2027, 7, 1, 7, tzinfo=timezone.utc)


def test_local_to_utc_ignores_hostile_rules():
    hostile = Timezone.from_ical(
        "BEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
        "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=SECONDLY\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )
    assert local_to_utc(hostile, datetime(2027, 1, 1, 12)) == datetime(2027, 1, 1, 11, tzinfo=timezone.utc)
