"""Table tests for the overlap engine: real zones, real DST changes, holidays, busy times, cadence."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent.domain.model import CadencePhase, NoSlot, Pair, Participant, Role, SeriesPlan
from agent.ports import BusyTime
from agent.scheduling.hours import HoursSyntaxError, parse_hours
from agent.scheduling.overlap import describe_slot, plan_pair, plan_series, slots_json
from agent.scheduling.slotspec import parse_person_spec

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "property"))
from oracle import occurrence_ok  # noqa: E402


def person(name, zone, hours, stretch=None, country=None, subdivision=None, role=Role.MENTEE):
    return Participant(f"{name.lower()}@example.org", name, role, zone, parse_hours(hours),
                       parse_hours(stretch) if stretch else None, country, subdivision)


def inside(plan, people, minutes, kinds=("ext", "ext")):
    """Every occurrence of the plan, minute by minute, inside both people's hours (oracle)."""
    zone = ZoneInfo(plan.tzid)
    return all(occurrence_ok(o.astimezone(zone), minutes, people, kinds, ()) for o in plan.occurrences)


def local(moment, zone):
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %H:%M")


KATY = person("Katy", "America/Los_Angeles", ["Mon-Fri 09:00-17:00"], ["Mon-Fri 06:00-09:00"], role=Role.MENTOR)
RANIA = person("Rania", "Asia/Beirut", ["Mon-Fri 09:00-17:00"], ["Mon-Fri 17:00-21:00"])


@pytest.mark.parametrize("policy, stretched", [("mentee", "Rania"), ("mentor", "Katy"), ("alternate", None)])
def test_san_francisco_and_beirut_use_stretch_hours_by_policy(policy, stretched):
    plan = plan_series(RANIA, KATY, minutes=45, first_day=date(2027, 2, 1), weeks=26, accommodate=policy)
    assert isinstance(plan, SeriesPlan) and plan.count == 26
    assert inside(plan, (RANIA, KATY), 45) and not inside(plan, (RANIA, KATY), 45, ("core", "core"))
    if stretched == "Rania":
        assert inside(plan, (RANIA, KATY), 45, ("ext", "core"))
    if stretched == "Katy":
        assert inside(plan, (RANIA, KATY), 45, ("core", "ext"))


def test_no_overlap_gives_an_actionable_reason():
    katy = person("Katy", "America/Los_Angeles", ["Mon-Fri 09:00-17:00"], role=Role.MENTOR)
    rania = person("Rania", "Asia/Beirut", ["Mon-Fri 09:00-17:00"])
    result = plan_series(rania, katy, minutes=45, first_day=date(2026, 12, 1), weeks=26)
    assert isinstance(result, NoSlot)
    for words in ("Katy (America/Los_Angeles", "Rania (Asia/Beirut", "no 45-minute overlap", "add stretch hours"):
        assert words in result.reason


def test_berlin_new_york_march_2027_keeps_berlin_time_and_says_new_york_moves():
    berlin = person("Bo", "Europe/Berlin", ["Tue 17:00-18:00"])
    new_york = person("Nia", "America/New_York", ["Tue 08:00-18:00"], role=Role.MENTOR)
    plan = plan_series(berlin, new_york, minutes=60, first_day=date(2027, 2, 1), weeks=12)
    assert plan.tzid == "Europe/Berlin" and plan.dtstart.strftime("%a %H:%M") == "Tue 17:00" and not plan.exdates
    times = {o.date().isoformat(): local(o, "America/New_York") for o in plan.occurrences}
    assert times["2027-03-09"] == times["2027-03-30"] == "Tue 11:00"
    assert times["2027-03-16"] == times["2027-03-23"] == "Tue 12:00"
    assert any("2027-03-16, 2027-03-23" in n and "12:00" in n and "11:00" in n for n in plan.notes)


def test_berlin_new_york_tight_hours_skip_the_weeks_the_us_changed_first():
    berlin = person("Bo", "Europe/Berlin", ["Tue 17:00-18:00"])
    new_york = person("Nia", "America/New_York", ["Tue 11:00-12:00"], role=Role.MENTOR)
    plan = plan_series(berlin, new_york, minutes=60, first_day=date(2027, 2, 1), weeks=12)
    assert [e.date().isoformat() for e in plan.exdates] == ["2027-03-16", "2027-03-23"]
    assert plan.count == 12 and len(plan.occurrences) == 10 and inside(plan, (berlin, new_york), 60)
    assert plan.notes[0].startswith("2027-03-16: would be Tue")
    assert "the clocks changed in" in plan.notes[0] and "outside" in plan.notes[0]


def test_sydney_and_london_across_both_changes():
    sydney = person("Sam", "Australia/Sydney", ["Mon-Fri 08:00-18:00"], ["Mon-Fri 18:00-21:00"])
    london = person("Lee", "Europe/London", ["Mon-Fri 08:00-18:00"], ["Mon-Fri 07:00-08:00"], role=Role.MENTOR)
    for start in (date(2027, 3, 1), date(2027, 9, 20)):
        plan = plan_series(sydney, london, minutes=60, first_day=start, weeks=10)
        assert isinstance(plan, SeriesPlan) and inside(plan, (sydney, london), 60)
        assert len(plan.notes) >= len(plan.exdates)


def test_kathmandu_quarter_hour_offset():
    kathmandu = person("Kiran", "Asia/Kathmandu", ["Mon-Fri 09:00-17:00"])
    berlin = person("Bo", "Europe/Berlin", ["Mon-Fri 09:00-17:00"], role=Role.MENTOR)
    plan = plan_series(kathmandu, berlin, minutes=60, first_day=date(2027, 3, 1), weeks=8)
    assert not plan.exdates and inside(plan, (kathmandu, berlin), 60, ("core", "core"))
    assert plan.dtstart.minute % 15 == 0


def test_lord_howe_half_hour_dst_skips_the_weeks_with_too_little_overlap():
    lord_howe = person("Lou", "Australia/Lord_Howe", ["Mon 16:30-17:30"])
    sydney = person("Syd", "Australia/Sydney", ["Mon 16:00-17:00"], role=Role.MENTOR)
    plan = plan_series(lord_howe, sydney, minutes=45, first_day=date(2027, 3, 15), weeks=8)
    assert all(e.date() < date(2027, 4, 4) for e in plan.exdates) and len(plan.exdates) == 3
    assert all(o.date() > date(2027, 4, 4) for o in plan.occurrences) and inside(plan, (lord_howe, sydney), 45)


def test_sunday_to_thursday_week_never_lands_on_the_weekend():
    riyadh = person("Reem", "Asia/Riyadh", ["Sun-Thu 09:00-17:00"])
    berlin = person("Bo", "Europe/Berlin", ["Mon-Fri 08:00-16:00"], role=Role.MENTOR)
    plan = plan_series(riyadh, berlin, minutes=60, first_day=date(2027, 1, 4), weeks=26)
    assert all(o.astimezone(ZoneInfo("Asia/Riyadh")).weekday() in (0, 1, 2, 3) for o in plan.occurrences)
    jerusalem = person("Yael", "Asia/Jerusalem", ["Sun 09:00-17:00"], role=Role.MENTOR)
    sunday = plan_series(person("Reem", "Asia/Riyadh", ["Sun 09:00-17:00"]), jerusalem, minutes=60,
                         first_day=date(2027, 1, 4), weeks=26)
    assert sunday.dtstart.weekday() == 6 and inside(sunday, (riyadh, jerusalem), 60)


def test_thanksgiving_is_skipped_and_named():
    ny = person("Ann", "America/New_York", ["Thu 12:00-17:00"], country="US", subdivision="NY")
    la = person("Bob", "America/Los_Angeles", ["Thu 09:00-17:00"], country="US", subdivision="CA", role=Role.MENTOR)
    plan = plan_series(ny, la, minutes=60, first_day=date(2026, 11, 2), weeks=8)
    assert [e.date() for e in plan.exdates] == [date(2026, 11, 26)]
    assert "Thanksgiving" in plan.notes[0] and plan.notes[0].startswith("2026-11-26")
    assert plan.count == 8 and len(plan.occurrences) == 7


def test_german_holidays_and_the_partners_local_date():
    munich = person("Max", "Europe/Berlin", ["Wed 09:00-12:00"], country="DE", subdivision="BY")
    tokyo = person("Aoi", "Asia/Tokyo", ["Wed 16:00-20:00"], role=Role.MENTOR)
    plan = plan_series(munich, tokyo, minutes=60, first_day=date(2026, 12, 28), weeks=4)
    assert [e.date() for e in plan.exdates] == [date(2027, 1, 6)] and "Epiphany" in plan.notes[0]
    la = person("Lia", "America/Los_Angeles", ["Wed 17:00-18:00"])
    japan = person("Aoi", "Asia/Tokyo", ["Thu 10:00-11:00"], country="JP", role=Role.MENTOR)
    plan = plan_series(la, japan, minutes=60, first_day=date(2027, 2, 1), weeks=4)
    assert [e.date() for e in plan.exdates] == [date(2027, 2, 10)] and "Foundation Day" in plan.notes[0]


def test_busy_times_are_avoided_or_skipped_with_a_note():
    a = person("Ann", "Europe/Paris", ["Mon-Fri 10:00-11:00"])
    b = person("Bob", "Europe/Paris", ["Mon-Fri 10:00-11:00"], role=Role.MENTOR)
    busy = [BusyTime(datetime(2027, 5, 4, 8, 30, tzinfo=UTC), datetime(2027, 5, 4, 9, 30, tzinfo=UTC))]
    plan = plan_series(a, b, minutes=60, first_day=date(2027, 5, 3), weeks=4, busy=busy)
    assert not plan.exdates and plan.dtstart.weekday() != 1
    week = [BusyTime(datetime(2027, 5, 10, tzinfo=UTC), datetime(2027, 5, 15, tzinfo=UTC))]
    plan = plan_series(a, b, minutes=60, first_day=date(2027, 5, 3), weeks=4, busy=week)
    assert len(plan.exdates) == 1 and "busy" in plan.notes[0]
    always = [BusyTime(datetime(2027, 5, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC))]
    result = plan_series(a, b, minutes=60, first_day=date(2027, 5, 3), weeks=4, busy=always)
    assert isinstance(result, NoSlot) and "busy times" in result.reason


def test_not_before_drops_earlier_occurrences():
    a = person("Ann", "Europe/Paris", ["Mon-Fri 09:00-17:00"])
    b = person("Bob", "Europe/Paris", ["Mon-Fri 09:00-17:00"], role=Role.MENTOR)
    not_before = datetime(2027, 5, 5, 12, 0, tzinfo=UTC)
    plan = plan_series(a, b, minutes=60, first_day=date(2027, 5, 3), weeks=4, not_before=not_before)
    assert plan.occurrences[0] >= not_before and plan.dtstart.date() >= date(2027, 5, 5)


def test_windows_ending_at_midnight_allow_a_meeting_across_it():
    a = person("Ann", "Etc/UTC", ["Mon 23:00-24:00", "Tue 00:00-01:00"])
    b = person("Bob", "Asia/Tokyo", ["Mon-Sun 00:00-24:00"], role=Role.MENTOR)
    plan = plan_series(a, b, minutes=90, first_day=date(2027, 1, 4), weeks=4)
    assert plan.occurrences[0].strftime("%a %H:%M") in ("Mon 23:00", "Mon 23:15", "Mon 23:30")
    assert not plan.exdates


def test_nonexistent_local_times_are_never_proposed():
    beirut = person("Rima", "Asia/Beirut", ["Sun 00:00-02:00"])
    anyone = person("Uma", "Etc/UTC", ["Mon-Sun 00:00-24:00"], role=Role.MENTOR)
    plan = plan_series(beirut, anyone, minutes=30, first_day=date(2027, 3, 14), weeks=4)
    assert len(plan.occurrences) == 4 and inside(plan, (beirut, anyone), 30)


def test_plan_pair_cadence_phases_share_weekday_and_time():
    mentee = person("Rania", "Asia/Beirut", ["Mon-Fri 09:00-17:00"])
    mentor = person("Bo", "Europe/Berlin", ["Mon-Fri 09:00-17:00"], role=Role.MENTOR)
    pair = Pair(mentor.email, mentee.email, date(2026, 12, 1), (CadencePhase(1, 6), CadencePhase(2, None)))
    plans = plan_pair(pair, mentor, mentee, minutes=45, horizon_weeks=26,
                      not_before=datetime(2026, 11, 20, tzinfo=UTC))
    first, second = plans
    assert (first.interval_weeks, first.count) == (1, 6) and second.interval_weeks == 2
    assert second.dtstart - first.dtstart == timedelta(weeks=7)
    assert second.rrule.startswith("FREQ=WEEKLY;INTERVAL=2;BYDAY=")
    assert first.dtstart.time() == second.dtstart.time() and first.tzid == second.tzid
    assert second.dtstart + timedelta(weeks=2 * (second.count - 1)) < first.dtstart + timedelta(weeks=26)
    assert "Tuesdays" in describe_slot(plans, mentee, mentor) or "every 2 weeks" in describe_slot(plans, mentee, mentor)


def test_slots_json_shape():
    a = person("Ann", "Europe/Berlin", ["Thu 17:00-18:00"])
    b = person("Kay", "America/Los_Angeles", ["Thu 08:00-09:00"], role=Role.MENTOR)
    plan = plan_series(a, b, minutes=45, first_day=date(2026, 12, 1), weeks=26)
    data = slots_json([plan], [a, b])
    assert data["minutes"] == 45 and len(data["occurrences"]) == len(plan.occurrences)
    assert all(o.endswith("Z") for o in data["occurrences"])
    series = data["series"]
    assert series["tzid"] in ("Europe/Berlin", "America/Los_Angeles") and "+" not in series["dtstart"]
    assert series["rrule"] == f"FREQ=WEEKLY;BYDAY=TH;COUNT={plan.count}" and data["phases"] == [series]
    assert len(series["exdates"]) == len(plan.exdates) == len(data["notes"]) - sum("instead of" in n for n in data["notes"])
    assert set(data["local_times"][0]["local"]) == {"Ann", "Kay"}
    assert "Thursdays" in describe_slot([plan], a, b)


def test_parse_person_spec_good():
    p = parse_person_spec("Europe/Berlin Mon-Fri 09:00-17:00, Sat 10:00-12:00", name="Bo", role=Role.MENTOR)
    assert p.timezone == "Europe/Berlin" and str(p.hours.on(5)[0]) == "10:00-12:00" and len(p.hours.on(0)) == 1
    q = parse_person_spec("Asia/Riyadh Sun-Thu 08:00-12:00, 13:00-16:00; stretch Sun-Thu 16:00-18:00; holidays SA",
                          name="Reem Al", role=Role.MENTEE)
    assert len(q.hours.on(6)) == 2 and not q.hours.on(4) and q.stretch.on(0) and q.country == "SA"


@pytest.mark.parametrize("text, error", [
    ("Europe/Berlni Mon-Fri 09:00-17:00", ValueError),
    ("Europe/Berlin", HoursSyntaxError),
    ("Europe/Berlin Mon-Fri 9-17", HoursSyntaxError),
    ("Europe/Berlin 09:00-17:00", HoursSyntaxError),
    ("Europe/Berlin Mon-Fri 17:00-09:00", HoursSyntaxError),
    ("Europe/Berlin Mon-Fri 09:00-17:00; lunch 12:00", HoursSyntaxError),
])
def test_parse_person_spec_bad(text, error):
    with pytest.raises(error) as caught:
        parse_person_spec(text, name="Bo", role=Role.MENTOR)
    if error is HoursSyntaxError:
        assert caught.value.hint
