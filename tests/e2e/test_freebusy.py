"""People's own calendars count (PRODUCT.md §3): booking, COUNTER checks and renewal avoid the
mentor's and mentee's busy times from the calendar server's free/busy answer (``agent.busy``).

The first tests run a program whose mailbox and calendar are on the Graph replay server
(tests/replay/graph_server.py), where the mentee is busy every Tuesday 15:00-16:00 UTC; the others
put a fake calendar (a subclass of the port) under the example program.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from harness import BOOKING_DAY, MAIL_DAY, Program, write_config

from agent.busy import calendar_busy, participant_busy
from agent.calendar.ics_folder import IcsFolderCalendar
from agent.errors import TransientError
from agent.ports import BusyTime
from agent.store import repo
from replay.graph_server import GraphServer

MENTEE, MENTOR = "lena@example.org", "omar@example.org"
ROSTER = f"""
[[participant]]
email = "{MENTOR}"
name = "Omar Haddad"
role = "mentor"
timezone = "Etc/UTC"
hours = ["Tue,Thu 15:00-16:00"]

[[participant]]
email = "{MENTEE}"
name = "Lena Berg"
role = "mentee"
timezone = "Etc/UTC"
hours = ["Tue,Thu 15:00-16:00"]

[[pair]]
mentor = "{MENTOR}"
mentee = "{MENTEE}"
start = 2026-12-01
"""


@pytest.fixture
def graph(tmp_path, monkeypatch):
    server = GraphServer(user="mentoring@program.example.org").start()
    for name, value in {"GRAPH_SECRET": server.client_secret, "SSL_CERT_FILE": server.ca_file,
                        "REQUESTS_CA_BUNDLE": server.ca_file}.items():
        monkeypatch.setenv(name, value)
    roster = tmp_path / "roster.toml"
    roster.write_text(ROSTER)
    mailbox = (f'backend = "graph"\ntenant_id = "{server.tenant}"\nclient_id = "{server.client_id}"\n'
               f'client_secret_env = "GRAPH_SECRET"\nuser = "mentoring@program.example.org"\n'
               f'authority_host = "{server.authority_host}"\ngraph_url = "{server.api}"')
    program = Program(tmp_path, write_config(tmp_path, roster=roster, mailbox=mailbox, calendar='backend = "graph"'))
    yield server, program
    program.app.close()
    server.stop()


def meetings(program, pair=MENTEE) -> list[datetime]:
    with program.app.engine.connect() as conn:
        return [o.starts_at for o in repo.occurrences_of(conn, pair)]


@pytest.mark.integration
@pytest.mark.parametrize("mentee_busy, weekday", [(False, "Tue"), (True, "Thu")])
def test_booking_avoids_the_mentees_own_busy_time_from_graph(graph, mentee_busy, weekday):
    server, program = graph
    if mentee_busy:  # Tuesdays 15:00-16:00 UTC, every week: in the mentee's own Outlook calendar
        server.add_busy(MENTEE, datetime(2026, 11, 24, 15, tzinfo=UTC), datetime(2026, 11, 24, 16, tzinfo=UTC),
                        subject="Team meeting", weekly=True)
    program.tick(BOOKING_DAY)
    starts = meetings(program)
    assert len(starts) > 10 and {f"{s:%a %H:%M}" for s in starts} == {f"{weekday} 15:00"}
    asked = [r for r in server.log if r.path.endswith("/calendar/getSchedule")]
    assert 1 <= len(asked) <= 4  # one question per booking, in windows of at most 62 days
    assert all(json.loads(r.body)["schedules"] == [MENTOR, MENTEE] for r in asked)
    assert len(program.sent_to(MENTEE)) >= 1  # invited


@pytest.mark.integration
def test_a_failing_free_busy_service_does_not_hold_booking_back(graph, caplog):
    server, program = graph
    server.add_busy(MENTEE, datetime(2026, 11, 24, 15, tzinfo=UTC), datetime(2026, 11, 24, 16, tzinfo=UTC),
                    weekly=True)
    server.fail_next(503, "getSchedule", times=5)
    with caplog.at_level(logging.WARNING, logger="agent.busy"):
        program.tick(BOOKING_DAY)
    assert meetings(program)  # booked with what is known (the store)
    assert any("free/busy of omar@example.org and lena@example.org" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------- a fake calendar


class BusyCalendar(IcsFolderCalendar):
    """The example program's .ics folder, plus a free/busy answer set by the test (or a failure)."""

    def __init__(self, path, answer=None, fail=False):
        super().__init__(path)
        self.answer, self.fail, self.asked = answer or {}, fail, []

    def free_busy(self, addresses, start, end):
        self.asked.append((tuple(addresses), start, end))
        if self.fail:
            raise TransientError("free/busy: connection reset")
        return {a: list(self.answer.get(a, [])) for a in addresses if a in self.answer}


def test_pair_meetings_in_peoples_calendars_do_not_count_twice_but_other_entries_do(program):
    program.tick(BOOKING_DAY)
    first, second = meetings(program, "rania@example.org")[:2]
    other = BusyTime(first + timedelta(days=1), first + timedelta(days=1, hours=1))
    program.app.calendar = BusyCalendar(program.folder / "calendar", {
        "rania@example.org": [BusyTime(first, first + timedelta(minutes=45)), other],
        "katy@example.org": [BusyTime(second, second + timedelta(minutes=45))]})
    pair = program.app.roster.pair_of("rania@example.org")
    with program.app.engine.connect() as conn:
        assert calendar_busy(program.app, conn, pair, first - timedelta(days=1), second) == [other]
        moved = participant_busy(program.app, conn, pair, first - timedelta(days=1), second, except_start=first)
    assert other in moved and BusyTime(first, first + timedelta(minutes=45)) not in moved
    assert BusyTime(second, second + timedelta(minutes=45)) in moved  # from the store: the pair's next meeting


def test_a_counter_onto_the_proposers_own_busy_time_is_declined(program):
    from test_calendar_answers import answer, first_series, stamp

    program.tick(BOOKING_DAY)
    uid, starts = first_series(program)
    original, proposed = starts[2], starts[2] + timedelta(days=1)  # fits both people's hours (see that test)
    program.app.calendar = BusyCalendar(program.folder / "calendar", {
        "rania@example.org": [BusyTime(proposed - timedelta(minutes=30), proposed + timedelta(minutes=30))]})
    answer(program, "counter-busy", method="COUNTER",
           extra=f"RECURRENCE-ID:{stamp(original)}\nDTSTART:{stamp(proposed)}\n"
                 f"DTEND:{stamp(proposed + timedelta(minutes=45))}\n")
    program.tick(MAIL_DAY)
    assert not [m for m in program.sent() if m["Subject"].startswith("Meeting moved")]
    assert [m for m in program.sent_to("rania@example.org") if "DECLINECOUNTER" in m.as_string()]
    assert program.app.calendar.asked and program.app.calendar.asked[0][0] == ("katy@example.org", "rania@example.org")
    assert meetings(program, "rania@example.org")[2] == original


def test_booking_asks_once_for_the_whole_horizon_and_survives_a_failing_server(tmp_path):
    program = Program(tmp_path, write_config(tmp_path))
    try:
        program.app.calendar = BusyCalendar(tmp_path / "calendar", fail=True)
        program.tick(BOOKING_DAY)
        asked = program.app.calendar.asked
        pairs = {a for a, _, _ in asked}
        assert len(asked) == len(pairs) == 5  # the example program's five pairs, one question each
        assert all(end - start >= timedelta(weeks=26) for _, start, end in asked)
        assert all(len(meetings(program, mentee)) > 10 for (_, mentee), _, _ in asked)
    finally:
        program.app.close()


def test_renewal_skips_new_dates_on_which_a_person_is_busy(program):
    from agent.renewal import RENEW_BEFORE, renew_pair
    from agent.store import calendar_queries

    program.tick(BOOKING_DAY)
    app = program.app
    pair = app.roster.pair_of("rania@example.org")
    with app.engine.connect() as conn:
        last = calendar_queries.last_start(conn, pair.key)
    clash = last + timedelta(weeks=2)  # the first new date of an every-2-weeks series
    app.calendar = BusyCalendar(program.folder / "calendar", {
        "katy@example.org": [BusyTime(clash - timedelta(hours=6), clash + timedelta(hours=6))]})
    with app.engine.begin() as conn:
        assert renew_pair(app, conn, pair, last - RENEW_BEFORE + timedelta(days=1))
    new = [s for s in meetings(program, "rania@example.org") if s > last]
    assert new and all(abs(s - clash) > timedelta(hours=6) for s in new)
    assert min(new) > clash  # the clashing date became an EXDATE, the next ones were kept
    (asked,) = app.calendar.asked
    assert asked[1] <= clash <= asked[2]
