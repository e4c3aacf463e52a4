"""Hypothesis strategies shared by the property tests: zones, weekly hours, people, busy times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import available_timezones

from hypothesis import strategies as st

from agent.domain.model import Participant, Role, TimeWindow, WeeklyHours
from agent.ports import BusyTime

ZONES = sorted(available_timezones())
INTERESTING = [
    "America/Los_Angeles", "America/New_York", "Europe/Berlin", "Europe/London", "Australia/Sydney",
    "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Beirut", "Asia/Riyadh", "America/Santiago",
    "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca", "Pacific/Auckland", "Asia/Tehran",
]
COUNTRIES = [None, None, ("US", "CA"), ("DE", "BY"), ("GB", None), ("AU", "NSW"), ("IN", None), ("SA", None)]

zones = st.one_of(st.sampled_from(INTERESTING), st.sampled_from(ZONES))
quarter = st.integers(0, 96).map(lambda q: q * 15)


@st.composite
def windows(draw, max_windows=2):
    """Sorted, non-overlapping windows on the quarter hour (24:00 allowed as an end)."""
    points = sorted(set(draw(st.lists(quarter, min_size=2, max_size=2 * max_windows))))
    if len(points) % 2:
        points = points[:-1]
    return tuple(TimeWindow(a, b) for a, b in zip(points[::2], points[1::2]) if a < b)


@st.composite
def weekly_hours(draw, allow_empty=False):
    days = draw(st.sampled_from([(0, 1, 2, 3, 4), (6, 0, 1, 2, 3), (0, 1, 2, 3, 4, 5), (1, 3), tuple(range(7))]))
    shared = draw(windows())
    if not shared and not allow_empty:
        shared = (TimeWindow(9 * 60, 17 * 60),)
    per_day = [draw(windows()) if draw(st.booleans()) and draw(st.booleans()) else shared for _ in range(7)]
    return WeeklyHours(tuple(per_day[d] if d in days else () for d in range(7)))


@st.composite
def people(draw, role=Role.MENTEE, name="A"):
    where = draw(st.sampled_from(COUNTRIES))
    stretch = draw(st.one_of(st.none(), weekly_hours(allow_empty=True)))
    return Participant(
        f"{name.lower()}@example.org", name, role, draw(zones), draw(weekly_hours()), stretch,
        where[0] if where else None, where[1] if where else None,
    )


start_dates = st.builds(
    lambda year, month, day: date(year, month, day),
    st.integers(2026, 2028), st.sampled_from([2, 3, 4, 9, 10, 11]), st.integers(1, 28),
)


@st.composite
def busy_times(draw, start: date, weeks: int):
    found = []
    base = datetime(start.year, start.month, start.day, tzinfo=UTC)
    for _ in range(draw(st.integers(0, 4))):
        at = base + timedelta(minutes=15 * draw(st.integers(0, weeks * 7 * 96)))
        found.append(BusyTime(at, at + timedelta(minutes=15 * draw(st.integers(1, 12)))))
    return found
