"""Every iCalendar object the agent emits is accepted by libical (as Evolution uses it, including the
iTIP method restrictions) and by a real CalDAV server (Radicale) on PUT."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from harness import BOOKING_DAY, MAIL_DAY, Program, write_config  # noqa: E402

from agent.calendar.caldav import CalDavCalendar  # noqa: E402
from agent.cli import main  # noqa: E402
from agent.calendar.imip import cancel_from_request, occurrence_request, series_update  # noqa: E402
from agent.domain.model import SeriesPlan  # noqa: E402
from agent.renewal import renew_due  # noqa: E402
from agent.store import repo  # noqa: E402

pytestmark = pytest.mark.integration

LIBICAL_CHECK = """
import sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib
failed = []
for path in sys.argv[1:]:
    component = ICalGLib.Component.new_from_string(open(path, encoding="utf-8").read())
    if component is None:
        failed.append(f"{path}: not parsed")
        continue
    valid = ICalGLib.restriction_check(component)
    errors = [l for l in component.as_ical_string().splitlines() if l.startswith("X-LIC-ERROR")]
    if not valid or errors:
        failed.append(f"{path}: {errors[:3]}")
print("\\n".join(failed) or "OK")
sys.exit(1 if failed else 0)
"""


def emitted(tmp_path) -> list[Path]:
    """Book the example program and collect every calendar object: invitations, stored series, cancellations,
    series renewals (the real flow, 23 weeks later) and a whole series moved (an accepted series COUNTER)."""
    folder = tmp_path / "program"
    folder.mkdir()
    program = Program(folder, write_config(folder))
    try:
        program.tick(BOOKING_DAY)
        # the meeting changes (the same code applies participants' confirmed requests): reschedule one,
        # skip one, pause, resume, a cadence change and the end, each delivered as the running agent would
        changes = [("reschedule", "--date", "2026-12-08", "--to", "2026-12-09 19:00"), ("skip", "--date", "2026-12-15"),
                   ("pause", "--weeks", "2"), ("resume",), ("cadence", "--cadence", "every 2 weeks"), ("end",)]
        for change in changes:
            assert main(["meeting", *change, "--pair", "rania@example.org", "--config", str(program.config),
                         "--now", MAIL_DAY.isoformat()]) == 0, change
        program.tick(MAIL_DAY)
        later = BOOKING_DAY + timedelta(weeks=23)
        assert renew_due(program.app, later) >= 1
        program.tick(later)
        out = tmp_path / "emitted"
        out.mkdir()
        files = []
        for n, message in enumerate(program.sent()):
            for part in message.walk():
                if part.get_content_type() == "text/calendar":
                    path = out / f"mail-{n}.ics"
                    path.write_text(part.get_content())
                    files.append(path)
        files += sorted((folder / "calendar").glob("*.ics"))
        with program.app.engine.connect() as conn:
            pair = program.app.roster.pair_of("mia@example.org")
            [first, *_] = repo.series_of(conn, pair.key)
            starts = [o.starts_at for o in repo.occurrences_of(conn, pair.key) if o.series_uid == first.uid]
        stamp = datetime(2026, 12, 1, tzinfo=UTC)
        request = first.ics.encode()
        (out / "cancel-series.ics").write_bytes(cancel_from_request(request, sequence=1, dtstamp=stamp))
        (out / "cancel-one.ics").write_bytes(
            cancel_from_request(request, sequence=1, dtstamp=stamp, recurrence_id=starts[1]))
        (out / "move-one.ics").write_bytes(occurrence_request(
            request, sequence=1, dtstamp=stamp, recurrence_id=starts[1], new_start=starts[1] + (starts[2] - starts[1]) / 7))
        # DECLINECOUNTER is not checked here: libical 3.0.16's restriction table refuses ATTENDEE and
        # SEQUENCE in it, which RFC 5546 section 3.2.8 requires (the attendee) and echoes (the sequence).
        local = datetime.fromisoformat(first.dtstart).replace(tzinfo=ZoneInfo(first.tzid)) + timedelta(days=1)
        moved = SeriesPlan(tzid=first.tzid, dtstart=local, minutes=first.minutes, interval_weeks=1, count=len(starts),
                           occurrences=tuple(s + timedelta(days=1) for s in starts))
        (out / "move-series.ics").write_bytes(series_update(request, moved, sequence=2, dtstamp=stamp))
        files += [out / "cancel-series.ics", out / "cancel-one.ics", out / "move-one.ics", out / "move-series.ics"]
        return files
    finally:
        program.app.close()


def system_python_with_libical() -> str | None:
    python = shutil.which("python3", path="/usr/bin")
    if python is None:
        return None
    probe = subprocess.run([python, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"], capture_output=True)
    return python if probe.returncode == 0 else None


def test_libical_accepts_every_object_including_itip_restrictions(tmp_path):
    python = system_python_with_libical()
    if python is None:
        message = "libical's Python bindings are missing (apt: gir1.2-ical-3.0 python3-gi)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    files = emitted(tmp_path)
    assert len(files) > 20
    result = subprocess.run([python, "-c", LIBICAL_CHECK, *map(str, files)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_radicale_accepts_every_stored_series_and_cancellation(tmp_path, radicale):
    calendar_url = radicale.make_calendar("emitted")
    calendar = CalDavCalendar(calendar_url, radicale.username, radicale.password, calendar_url)
    try:
        files = [f for f in emitted(tmp_path) if not f.name.startswith("mail-")]
        for path in files:
            data = path.read_bytes()
            uid = next(line.split(":", 1)[1].strip() for line in data.decode().splitlines() if line.startswith("UID:"))
            calendar.put(uid, data)
            assert calendar.get(uid) is not None, path.name
    finally:
        calendar.close()
