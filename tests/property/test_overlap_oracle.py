"""The overlap engine against a brute-force oracle, over random zones, hours, dates and busy times.

For every plan the engine proposes, each occurrence is checked minute by minute with zoneinfo;
each skipped date must really be impossible; and whenever the oracle can find a weekly slot that
fits every date, the engine must find one too (in core hours when the oracle found it there).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import find_full_slot, occurrence_ok, series_dates
from strategies import busy_times, people, start_dates

from agent.domain.model import NoSlot, Role, SeriesPlan
from agent.scheduling.overlap import plan_series

CORE, EXT = ("core", "core"), ("ext", "ext")


@st.composite
def scenarios(draw):
    mentee = draw(people(Role.MENTEE, "Mia"))
    mentor = draw(people(Role.MENTOR, "Tom"))
    start = draw(start_dates)
    weeks = draw(st.integers(3, 10))
    interval = draw(st.sampled_from([1, 1, 2]))
    minutes = draw(st.sampled_from([15, 30, 45, 60, 90]))
    busy = draw(busy_times(start, weeks))
    not_before = None
    if draw(st.booleans()):
        not_before = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 60)))
    policy = draw(st.sampled_from(["mentee", "mentor", "alternate"]))
    return mentee, mentor, start, weeks, interval, minutes, busy, not_before, policy


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_agrees_with_oracle(scenario):
    mentee, mentor, start, weeks, interval, minutes, busy, not_before, policy = scenario
    pair = (mentee, mentor)
    result = plan_series(mentee, mentor, minutes=minutes, first_day=start, weeks=weeks, interval_weeks=interval,
                         busy=busy, accommodate=policy, not_before=not_before)
    if isinstance(result, SeriesPlan):
        _check_plan(result, pair, minutes, start, weeks, interval, busy, not_before)
    else:
        assert isinstance(result, NoSlot) and result.reason
    core = find_full_slot(pair, minutes, start, weeks, interval, busy, CORE, not_before)
    if core is not None:
        assert isinstance(result, SeriesPlan), (core, result)
        assert result.exdates == (), (core, result.notes)
        assert all(occurrence_ok(l.astimezone(result.dtstart.tzinfo), minutes, pair, CORE, busy) for l in result.occurrences)
        return
    if isinstance(result, SeriesPlan) and not result.exdates:
        return
    ext = find_full_slot(pair, minutes, start, weeks, interval, busy, EXT, not_before)
    if ext is not None:
        assert isinstance(result, SeriesPlan), (ext, result)
        for local in result.exdates:  # only public holidays may be skipped then
            assert occurrence_ok(local, minutes, pair, EXT, busy, holidays=False), (ext, result.notes)


def _check_plan(plan, pair, minutes, start, weeks, interval, busy, not_before):
    zone = plan.dtstart.tzinfo
    minute = plan.dtstart.hour * 60 + plan.dtstart.minute
    expected = series_dates(plan.tzid, plan.dtstart.weekday(), minute, start, weeks, interval, not_before)
    generated = sorted([*plan.exdates, *(o.astimezone(zone) for o in plan.occurrences)])
    assert [d.replace(tzinfo=None) for d in generated] == [d.replace(tzinfo=None) for d in expected]
    assert plan.count == len(expected)
    hard = [e for e in plan.exdates if not occurrence_ok(e, minutes, pair, EXT, busy, holidays=False)]
    assert len(hard) <= len(expected) // 2  # holidays aside, at least half of the meetings take place
    assert len(plan.notes) >= len(plan.exdates)
    for occurrence in plan.occurrences:
        assert occurrence.tzinfo is not None and occurrence.utcoffset().total_seconds() == 0
        assert not_before is None or occurrence >= not_before
        assert occurrence_ok(occurrence.astimezone(zone), minutes, pair, EXT, busy), occurrence
    for local in plan.exdates:
        assert not occurrence_ok(local, minutes, pair, CORE, busy), local
