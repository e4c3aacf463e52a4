"""One meeting against both people's hours, holidays and busy times; alternatives near a time."""

from datetime import UTC, datetime, timedelta

import pytest

from agent.domain.model import Role
from agent.ports import BusyTime
from agent.scheduling.fit import alternatives, meeting_fits
from agent.scheduling.slotspec import parse_person_spec

BERLIN = parse_person_spec("Europe/Berlin Mon-Fri 09:00-17:00", name="Ana", role=Role.MENTOR)
NEW_YORK = parse_person_spec("America/New_York Mon-Fri 09:00-17:00", name="Li", role=Role.MENTEE)
LA = parse_person_spec("America/Los_Angeles Mon-Fri 09:00-17:00", name="Katy", role=Role.MENTOR)
BEIRUT = parse_person_spec("Asia/Beirut Mon-Fri 09:00-18:00; stretch Mon-Fri 08:00-21:00", name="Rania",
                           role=Role.MENTEE)


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("start", "people", "ok", "says"), [
    # 15:00 Berlin = 09:00 New York in winter
    (utc(2027, 3, 1, 14), (BERLIN, NEW_YORK), True, None),
    # the same UTC time after the US changed clocks (14 March) but before Europe (28 March): 10:00 NY, 15:00 Berlin
    (utc(2027, 3, 16, 14), (BERLIN, NEW_YORK), True, None),
    # 16:30 Berlin = 10:30 NY, but the meeting would end 17:15 in Berlin
    (utc(2027, 3, 1, 15, 30), (BERLIN, NEW_YORK), False, "outside Ana's hours"),
    # 09:00 Los Angeles = 19:00 Beirut: only in Rania's stretch hours
    (utc(2027, 2, 2, 17), (LA, BEIRUT), True, "stretch hours"),
    # Saturday
    (utc(2027, 3, 6, 14), (BERLIN, NEW_YORK), False, "Sat"),
])
def test_meeting_fits(start, people, ok, says):
    fit = meeting_fits(start, 45, people)
    assert fit.ok is ok, fit.reasons
    if says:
        assert any(says in reason for reason in fit.reasons), fit.reasons


def test_stretch_hours_can_be_refused():
    assert not meeting_fits(utc(2027, 2, 2, 17), 45, (LA, BEIRUT), allow_stretch=False).ok


def test_holidays_and_busy_times_do_not_fit():
    berlin_de = parse_person_spec("Europe/Berlin Mon-Fri 09:00-17:00; holidays DE-BE", name="Ana", role=Role.MENTOR)
    fit = meeting_fits(utc(2027, 1, 1, 14), 45, (berlin_de, NEW_YORK))  # New Year's Day, a Friday
    assert not fit.ok and any("Neujahr" in r or "New Year" in r for r in fit.reasons)
    busy = [BusyTime(utc(2027, 3, 1, 14, 30), utc(2027, 3, 1, 15))]
    assert not meeting_fits(utc(2027, 3, 1, 14), 45, (BERLIN, NEW_YORK), busy=busy).ok


def test_alternatives_fit_everyone_on_different_days_near_the_wish():
    near = utc(2027, 3, 3, 20)  # 21:00 Berlin: too late
    found = alternatives(near, 45, (BERLIN, NEW_YORK), not_before=utc(2027, 3, 1))
    assert len(found) == 3
    assert len({m.astimezone(BERLIN.zone).date() for m in found}) == 3
    assert all(meeting_fits(m, 45, (BERLIN, NEW_YORK)).ok for m in found)
    assert all(abs(m - near) < timedelta(days=3) for m in found)


def test_alternatives_respect_not_before():
    found = alternatives(utc(2027, 3, 3, 14), 45, (BERLIN, NEW_YORK), not_before=utc(2027, 3, 3, 15))
    assert found and all(m >= utc(2027, 3, 3, 15) for m in found)
