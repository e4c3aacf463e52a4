"""The local .ics folder: whole objects in, whole objects out, busy time from the stored series."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agent.calendar.ics_folder import IcsFolderCalendar, file_name
from agent.calendar.imip import Attendee, build_cancel, build_request
from agent.domain.model import SeriesPlan
from agent.errors import AdapterError
from agent.ports import BusyTime

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def plan(first: datetime, count: int) -> SeriesPlan:
    starts = [first + timedelta(weeks=i) for i in range(count)]
    return SeriesPlan("Europe/Berlin", first, 60, 1, count, tuple(s.astimezone(UTC) for s in starts))


def ics(uid: str, series: SeriesPlan, *, cancelled: bool = False) -> bytes:
    common = dict(
        uid=uid, sequence=0, dtstamp=datetime(2027, 1, 1, tzinfo=UTC), organizer_email="p@program.example",
        organizer_name="Program", attendees=[Attendee("a@x.example", "A")], summary="Mentoring",
    )
    if cancelled:
        return build_cancel(plan=series, **common)
    return build_request(series, description="", **common)


def test_put_get_remove(tmp_path):
    folder = IcsFolderCalendar(tmp_path / "cal" / "nested")
    assert folder.get("a@b") is None
    folder.put("a@b", b"one")
    folder.put("a@b", b"two")
    assert folder.get("a@b") == b"two"
    assert [p.name for p in (tmp_path / "cal" / "nested").iterdir()] == ["a@b.ics"]
    folder.remove("a@b")
    folder.remove("a@b")  # idempotent
    assert folder.get("a@b") is None


@pytest.mark.parametrize("uid", ["../../etc/passwd", "a/b\\c", ".hidden", "x\x00y", "ü/ñ", "..", "%2F"])
def test_odd_uids_become_safe_distinct_file_names(tmp_path, uid):
    name = file_name(uid)
    assert "/" not in name and "\\" not in name and "\x00" not in name and not name.startswith(".")
    folder = IcsFolderCalendar(tmp_path)
    folder.put(uid, b"data")
    assert folder.get(uid) == b"data"
    assert [p.parent for p in tmp_path.iterdir()] == [tmp_path]


def test_file_names_do_not_collide():
    assert len({file_name(u) for u in ["a/b", "a%2Fb", "a_b", "a.b", "A/b"]}) == 5


def test_too_long_uid_is_refused(tmp_path):
    with pytest.raises(AdapterError):
        IcsFolderCalendar(tmp_path).put("x" * 500, b"data")


def test_failed_write_leaves_the_old_object_and_no_partial_file(tmp_path, monkeypatch):
    folder = IcsFolderCalendar(tmp_path)
    folder.put("u@x", b"old complete object")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(AdapterError, match="disk full"):
        folder.put("u@x", b"new object")
    monkeypatch.undo()
    assert folder.get("u@x") == b"old complete object"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u@x.ics"]


def test_busy_expands_series_and_skips_cancelled(tmp_path):
    folder = IcsFolderCalendar(tmp_path)
    weekly = plan(datetime(2027, 3, 16, 17, 0, tzinfo=BERLIN), 4)  # crosses the EU change on 28 March
    folder.put("live@x", ics("live@x", weekly))
    folder.put("gone@x", ics("gone@x", plan(datetime(2027, 3, 17, 9, 0, tzinfo=BERLIN), 4), cancelled=True))
    busy = folder.busy(datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    assert busy == [
        BusyTime(datetime(2027, 3, 16, 16, 0, tzinfo=UTC), datetime(2027, 3, 16, 17, 0, tzinfo=UTC)),
        BusyTime(datetime(2027, 3, 23, 16, 0, tzinfo=UTC), datetime(2027, 3, 23, 17, 0, tzinfo=UTC)),
        BusyTime(datetime(2027, 3, 30, 15, 0, tzinfo=UTC), datetime(2027, 3, 30, 16, 0, tzinfo=UTC)),
    ]
    assert folder.busy(datetime(2027, 5, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)) == []


def test_busy_names_a_broken_file(tmp_path):
    folder = IcsFolderCalendar(tmp_path)
    folder.put("bad@x", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n")
    with pytest.raises(AdapterError, match="bad@x.ics"):
        folder.busy(datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
