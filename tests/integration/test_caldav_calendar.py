"""CalDavCalendar against Radicale 3.9."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from agent.calendar.caldav import CalDavCalendar
from agent.errors import AdapterError
from agent.ports import BusyTime

pytestmark = pytest.mark.integration

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def series(uid: str, summary: str = "Mentoring", sequence: int = 0, extra: str = "") -> bytes:
    text = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//mentor-agent tests//EN
{VTIMEZONE}
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260201T120000Z
SEQUENCE:{sequence}
SUMMARY:{summary}
DTSTART;TZID=Europe/Berlin:20260302T090000
DTEND;TZID=Europe/Berlin:20260302T100000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10
{extra}END:VEVENT
END:VCALENDAR
"""
    return text.replace("\n", "\r\n").encode()


@pytest.fixture
def calendar(radicale):
    url = radicale.make_calendar(f"cal-{uuid.uuid4().hex[:8]}")
    cal = CalDavCalendar(radicale.url, radicale.username, radicale.password, calendar=url)
    yield cal
    cal.close()


def test_put_get_update_remove(calendar):
    uid = f"series-{uuid.uuid4().hex}@mentor-agent"
    assert calendar.get(uid) is None
    calendar.put(uid, series(uid))
    assert b"SUMMARY:Mentoring" in calendar.get(uid)
    calendar.put(uid, series(uid, summary="Mentoring (moved)", sequence=1))
    stored = calendar.get(uid)
    assert b"SUMMARY:Mentoring (moved)" in stored and b"SEQUENCE:1" in stored
    calendar.remove(uid)
    assert calendar.get(uid) is None
    calendar.remove(uid)  # idempotent


def test_calendar_found_by_id_and_uid_with_odd_characters(radicale):
    cal_id = f"named-{uuid.uuid4().hex[:8]}"
    radicale.make_calendar(cal_id)
    cal = CalDavCalendar(radicale.url, radicale.username, radicale.password, calendar=cal_id)
    uid = "odd/uid with spaces+@example.test"
    cal.put(uid, series(uid))
    assert uid.encode() in cal.get(uid)
    cal.remove(uid)
    assert cal.get(uid) is None


def test_busy_expands_the_series_across_the_dst_change(calendar):
    uid = f"series-{uuid.uuid4().hex}@mentor-agent"
    calendar.put(uid, series(uid))
    calendar.put("free", series("free", extra="TRANSP:TRANSPARENT\r\n"))
    busy = calendar.busy(datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 4, 10, tzinfo=timezone.utc))
    # 09:00 Berlin is 08:00 UTC until Sunday 29 March 2026, then 07:00 UTC
    utc = timezone.utc
    expected = [BusyTime(datetime(2026, 3, d, 8, tzinfo=utc), datetime(2026, 3, d, 9, tzinfo=utc))
                for d in (2, 9, 16, 23)]
    expected += [BusyTime(datetime(2026, 3, 30, 7, tzinfo=utc), datetime(2026, 3, 30, 8, tzinfo=utc)),
                 BusyTime(datetime(2026, 4, 6, 7, tzinfo=utc), datetime(2026, 4, 6, 8, tzinfo=utc))]
    assert busy == expected
    assert all(b.start.tzinfo == timezone.utc for b in busy)


def test_unknown_calendar_and_wrong_password(radicale):
    missing = CalDavCalendar(radicale.url, radicale.username, radicale.password, calendar="no-such-calendar")
    with pytest.raises(AdapterError, match="no-such-calendar"):
        missing.get("x")
    url = radicale.make_calendar("pw-test")
    wrong = CalDavCalendar(radicale.url, radicale.username, "wrong-secret-9", calendar=url)
    with pytest.raises(AdapterError) as err:
        wrong.get("x")
    assert "wrong-secret-9" not in str(err.value) + repr(wrong)


def test_object_stored_by_another_client_is_found_by_uid(radicale, calendar):
    uid = f"foreign-{uuid.uuid4().hex}"
    url = str(calendar._resolve().url).rstrip("/") + "/somebody-elses-name.ics"
    status, _ = radicale._request("PUT", url.split(str(radicale.port), 1)[1], series(uid),
                                  {"Content-Type": "text/calendar"})
    assert status in (201, 204)
    assert uid.encode() in calendar.get(uid)
    calendar.put(uid, series(uid, summary="Updated", sequence=1))
    assert b"SUMMARY:Updated" in calendar.get(uid)
    calendar.remove(uid)
    assert calendar.get(uid) is None
