"""Renewal before the horizon runs out: the example program over 70 simulated weeks.

Each open-ended series is extended once fewer than four weeks remain before the pair's last meeting,
with a changed-series REQUEST (same UID, SEQUENCE + 1, a higher COUNT) to both people, every new
meeting inside both people's hours and nobody double-booked; ticking twice, or restarting between
ticks, renews nothing twice. ``renew_due`` is called after each tick as the runner does.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from harness import BOOKING_DAY
from icalendar import Calendar

from agent.renewal import RENEW_BEFORE, renew_due, renew_pair
from agent.scheduling.fit import meeting_fits
from agent.store import calendar_queries, repo


def run(program, now):
    """The tick renews what is due; a second pass at the same moment must find nothing left."""
    renewed = program.tick(now).renewed
    return renewed + renew_due(program.app, now)


def renewal_mails(program):
    return [m for m in program.sent() if m["Subject"].startswith(("Your meetings with", "Ihre Treffen", "Vos rendez",
                                                                   "Tus reuniones", "Seus encontros"))]


def test_series_are_renewed_before_they_run_out_once_each_and_without_double_booking(program):
    run(program, BOOKING_DAY)
    app = program.app
    keys = [pair.key for pair in app.roster.pairs]
    renewed = 0
    for week in range(2, 72, 2):
        now = BOOKING_DAY + timedelta(weeks=week)
        renewed += run(program, now)
        if week == 40:
            program.reload()  # a restart in the middle changes nothing
            app = program.app
        assert renew_due(app, now) == 0  # a second pass at the same moment finds nothing due
        with app.engine.connect() as conn:
            for key in keys:
                last = calendar_queries.last_start(conn, key)
                assert last is None or last >= now + RENEW_BEFORE - timedelta(weeks=2), (key, now)
    assert renewed >= len(keys)  # every pair at least once over 70 weeks
    with app.engine.connect() as conn:
        for key in keys:
            pair = app.roster.pair_of(key)
            people = [app.roster.participants[pair.mentee], app.roster.participants[pair.mentor]]
            series = repo.series_of(conn, key)[-1]
            assert series.sequence >= 1 and "COUNT=" in series.rrule
            rows = repo.occurrences_of(conn, key)
            assert len({r.starts_at for r in rows}) == len(rows)
            new = [r for r in rows if r.series_uid == series.uid and r.starts_at > BOOKING_DAY + timedelta(weeks=27)]
            assert new and all(meeting_fits(r.starts_at, series.minutes, people).ok for r in new)
            stored = Calendar.from_ical((program.folder / "calendar" / f"{series.uid}.ics").read_bytes())
            assert stored.walk("VEVENT")[0]["SEQUENCE"] == series.sequence
        mentors = Counter()
        for key in keys:
            mentor = app.roster.pair_of(key).mentor
            for row in repo.occurrences_of(conn, key):
                mentors[(mentor, row.starts_at)] += 1
        assert max(mentors.values()) == 1  # no mentor has two meetings at the same start
    mails = renewal_mails(program)
    assert len(mails) == 2 * renewed
    assert len({m["Message-ID"] for m in mails}) == len(mails)
    [first] = [p for p in mails[0].walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(first.get_content())
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and event["SEQUENCE"] >= 1 and "RRULE" in event


def test_a_crash_before_the_commit_renews_once_on_the_retry(program):
    run(program, BOOKING_DAY)
    app = program.app
    pair = app.roster.pair_of("rania@example.org")
    with app.engine.connect() as conn:
        last = calendar_queries.last_start(conn, pair.key)
    now = last - RENEW_BEFORE + timedelta(days=1)
    conn = app.engine.connect()
    transaction = conn.begin()
    assert renew_pair(app, conn, pair, now)
    transaction.rollback()  # the process dies before the commit
    conn.close()
    program.reload()
    assert renew_due(program.app, now) >= 1
    assert renew_due(program.app, now + timedelta(hours=1)) == 0
    with program.app.engine.connect() as conn:
        assert repo.series_of(conn, pair.key)[-1].sequence == 1
    program.tick(now + timedelta(hours=2))
    assert len([m for m in renewal_mails(program) if "rania" in m["To"]]) == 1
