"""Rule decisions and timed occasions: values in, values out."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.rules.engine import Meeting, PairFacts, audience_roles, decide, occasions
from agent.rules.model import Rule, RuleSet
from agent.rules.occasions import DueItem, parse_iso, parse_occasion
from agent.rules.quiet import NEVER, parse_quiet_hours

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
FACTS = PairFacts(meeting_count=3, agenda_received=False, notes_received=True, flags=frozenset({"digest"}),
                  cadence_phase=1, sender_role="mentee")


def rule(**values):
    base = dict(name="r", description="d", trigger="message", action="send", template="t", to="both")
    base.update(values)
    return Rule(**base)


def test_decision_fires_and_lists_every_condition():
    decision = decide(rule(conditions=(("agenda_received", False), ("meeting_count_min", 2))), FACTS)
    assert decision.fired
    assert decision.reason == "agenda received: no; 3 meetings held (min 2)"


def test_decision_miss_names_the_failed_conditions_only():
    decision = decide(rule(conditions=(("not_flag", "digest"), ("sender_role", "mentee"))), FACTS)
    assert not decision.fired
    assert decision.reason == "not met: flag 'digest' set"


def test_disabled_rules_never_fire():
    assert decide(rule(enabled=False), FACTS).reason == "rule is disabled"


def meetings(*days):
    return [Meeting(NOW + timedelta(days=d), NOW + timedelta(days=d, minutes=45)) for d in days]


def test_before_meeting_occasions_expire_at_the_meeting_and_respect_the_look_ahead():
    found = occasions(rule(trigger="before_meeting", offset=timedelta(hours=48)), meetings=meetings(-1, 1, 5, 30),
                      last_activity=NOW, now=NOW)
    assert [o.due_at for o in found] == [NOW - timedelta(days=1), NOW + timedelta(days=3)]
    assert all(o.expires_at > NOW for o in found)


def test_after_meeting_occasions_keep_three_days_to_catch_up():
    found = occasions(rule(trigger="after_meeting", offset=timedelta(hours=2)), meetings=meetings(-2, -5),
                      last_activity=NOW, now=NOW)
    assert [o.key for o in found] == ["meeting:2026-11-29T09:00Z"]


def test_inactivity_occasion_is_keyed_by_the_last_activity():
    last = NOW - timedelta(days=25)
    [found] = occasions(rule(trigger="inactivity", days=21), meetings=[], last_activity=last, now=NOW)
    assert found.due_at == last + timedelta(days=21)
    assert found.key == "inactive-since:2026-11-06T09:00Z"
    long_ago = NOW - timedelta(days=30)  # the nudge's week to catch up has passed
    assert occasions(rule(trigger="inactivity", days=21), meetings=[], last_activity=long_ago, now=NOW) == []


# -- conditions added with the rules issue ----------------------------------------------------------

WEEK = dict(mentee="Mon", mentor="Sun", admins="Mon")


@pytest.mark.parametrize(
    "conditions, facts, fired, reason",
    [
        ((("meeting_count", 3),), {}, True, "3 meetings held (wanted 3)"),
        ((("meeting_count", 5),), {}, False, "not met: 3 meetings held (wanted 5)"),
        ((("pair_age_days_min", 30),), dict(pair_age_days=45), True, "pair started 45 days ago (min 30)"),
        ((("pair_age_days_max", 30),), dict(pair_age_days=45), False, "not met: pair started 45 days ago (max 30)"),
        ((("pair_age_days_max", 1),), dict(pair_age_days=1), True, "pair started 1 day ago (max 1)"),
        ((("mentions", ("less mail", "weekly digest")),), dict(text="Could I get a WEEKLY   digest?"), True,
         'the message mentions "weekly digest"'),
        ((("mentions", ("moins d'e-mails",)),), dict(text="Moins d\u2019e-mails, merci"), True,
         "the message mentions \"moins d'e-mails\""),
        ((("mentions", ("less mail",)),), dict(text="more mail"), False,
         'not met: the message mentions none of "less mail"'),
    ],
)
def test_conditions_table(conditions, facts, fired, reason):
    decision = decide(rule(conditions=conditions), replace(FACTS, **facts))
    assert (decision.fired, decision.reason) == (fired, reason)


@pytest.mark.parametrize(
    "to, days, only, fired, roles",
    [
        ("both", ("Mon",), None, True, ("mentee",)),  # Monday for the mentee, still Sunday for the mentor
        ("both", ("Mon", "Sun"), None, True, ("mentee", "mentor")),
        ("mentor", ("Mon",), None, False, ()),
        ("admins", ("Mon",), None, True, ("admins",)),
        ("both", ("Sun",), frozenset({"mentee"}), False, ()),  # an occasion for the mentee only
    ],
)
def test_weekday_is_checked_in_each_recipients_zone(to, days, only, fired, roles):
    facts = replace(FACTS, weekdays=WEEK, only_roles=only)
    decision = decide(rule(to=to, conditions=(("weekday", days),)), facts)
    assert (decision.fired, decision.roles) == (fired, roles)
    if not fired:
        assert decision.reason.startswith("not met: weekday")


@pytest.mark.parametrize(
    "to, facts, roles",
    [
        ("sender", dict(sender_role="mentee"), ("mentee",)),
        ("partner", dict(sender_role="mentee"), ("mentor",)),
        ("partner", dict(sender_role=None), ()),
        ("owner", dict(owner_roles=("mentor",)), ("mentor",)),
        ("owner", dict(owner_roles=("mentee", "mentor"), only_roles=frozenset({"mentor"})), ("mentor",)),
        ("both", {}, ("mentee", "mentor")),
    ],
)
def test_audience_roles(to, facts, roles):
    assert audience_roles(to, replace(FACTS, **facts)) == roles


# -- timed triggers added with the rules issue -------------------------------------------------------

BERLIN, SYDNEY, LA = ZoneInfo("Europe/Berlin"), ZoneInfo("Australia/Sydney"), ZoneInfo("America/Los_Angeles")
ZONES = dict(mentee=SYDNEY, mentor=BERLIN, admins=ZoneInfo("UTC"))


def test_action_item_due_at_nine_in_each_owners_zone():
    items = [DueItem(7, "both", date(2026, 12, 3)), DueItem(8, "mentor", date(2026, 12, 4))]
    found = occasions(rule(trigger="action_item_due", to="owner"), meetings=[], last_activity=NOW, now=NOW,
                      items=items, zones=ZONES)
    assert [(o.key, o.due_at, o.role) for o in found] == [
        ("action-item:7@mentee", datetime(2026, 12, 2, 22, tzinfo=UTC), "mentee"),  # 09:00 in Sydney (UTC+11)
        ("action-item:7@mentor", datetime(2026, 12, 3, 8, tzinfo=UTC), "mentor"),  # 09:00 in Berlin (UTC+1)
        ("action-item:8@mentor", datetime(2026, 12, 4, 8, tzinfo=UTC), "mentor"),
    ]


def test_action_item_offset_and_time_and_a_non_owner_audience():
    item = [DueItem(7, "mentee", date(2026, 12, 3))]
    early = rule(trigger="action_item_due", to="owner", offset=timedelta(days=1), at_time=time(8, 30))
    [found] = occasions(early, meetings=[], last_activity=NOW, now=NOW, items=item, zones=ZONES)
    assert found.due_at == datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # 08:30 Sydney the day before
    [mentor] = occasions(rule(trigger="action_item_due", to="mentor"), meetings=[], last_activity=NOW, now=NOW,
                         items=item, zones=ZONES)
    assert (mentor.key, mentor.role, mentor.due_at.hour) == ("action-item:7", None, 8)  # in the mentor's zone


def test_weekly_occasions_per_recipient_in_their_zone():
    weekly = rule(trigger="weekly", to="both", at_weekday=0, at_time=time(9))
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)  # Monday 12:00Z: Berlin's 09:00 has passed, Sydney's too
    found = occasions(weekly, meetings=[], last_activity=now, now=now, zones=ZONES)
    assert [(o.key, o.due_at) for o in found] == [
        ("week:2026-W50@mentee", datetime(2026, 12, 6, 22, tzinfo=UTC)),  # Monday 09:00 in Sydney
        ("week:2026-W51@mentee", datetime(2026, 12, 13, 22, tzinfo=UTC)),
        ("week:2026-W50@mentor", datetime(2026, 12, 7, 8, tzinfo=UTC)),
        ("week:2026-W51@mentor", datetime(2026, 12, 14, 8, tzinfo=UTC)),
    ]
    assert {o.role for o in found} == {"mentee", "mentor"}


def test_series_ending_uses_the_last_booked_meeting_even_outside_the_window():
    last = NOW + timedelta(days=20)
    [found] = occasions(rule(trigger="series_ending", offset=timedelta(days=14)), meetings=meetings(1),
                        last_activity=NOW, now=NOW, last_meeting=last)
    assert (found.key, found.due_at, found.expires_at) == ("series-end:2026-12-21T09:00Z", NOW + timedelta(days=6),
                                                           last)


@pytest.mark.parametrize(
    "conditions, numbers",
    [
        ((("meeting_count", 5),), [5]),
        ((("meeting_count_min", 6),), [6, 7]),
        ((), [4, 5, 6, 7]),
    ],
)
def test_after_meeting_skips_meetings_whose_number_rules_out_the_count(conditions, numbers):
    window = [Meeting(NOW - timedelta(days=d), NOW - timedelta(days=d) + timedelta(minutes=45), n)
              for d, n in ((1, 4), (0.5, 5), (0.2, 6), (0.1, 7))]
    found = occasions(rule(trigger="after_meeting", offset=timedelta(hours=2), conditions=conditions),
                      meetings=window, last_activity=NOW, now=NOW)
    number_at = {m.start: m.number for m in window}
    assert [number_at[parse_iso(o.key.removeprefix("meeting:"))] for o in found] == numbers


@pytest.mark.parametrize("conditions, flags, derived", [
    ((("flag", "digest"),), frozenset(), False),
    ((("flag", "digest"),), frozenset({"digest"}), True),
    ((("not_flag", "digest"),), frozenset({"digest"}), False),
])
def test_flag_conditions_that_cannot_hold_derive_nothing(conditions, flags, derived):
    weekly = rule(trigger="weekly", to="mentee", conditions=conditions)
    assert bool(occasions(weekly, meetings=[], last_activity=NOW, now=NOW, flags=flags)) == derived


@pytest.mark.parametrize("key, parsed", [
    ("week:2026-W49@mentee", ("week", "2026-W49", "mentee")),
    ("meeting:2026-12-08T17:30Z", ("meeting", "2026-12-08T17:30Z", None)),
    ("action-item:12@mentor", ("action-item", "12", "mentor")),
])
def test_occasion_keys_parse(key, parsed):
    assert parse_occasion(key) == parsed


# -- quiet hours --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, span", [
    ("21:00-08:00", "21:00-08:00"), ("12:30-14:00", "12:30-14:00"), ("22:00-24:00", "22:00-00:00"),
    ("off", "off"), (" 7:00 - 9:00 ", "07:00-09:00"),
])
def test_parse_quiet_hours(text, span):
    assert str(parse_quiet_hours(text)) == span


@pytest.mark.parametrize("text", ["", "21-08", "25:00-08:00", "08:00-08:00", "00:00-24:00", "nights"])
def test_bad_quiet_hours(text):
    with pytest.raises(ValueError):
        parse_quiet_hours(text)


@pytest.mark.parametrize(
    "span, now, zone, released",
    [
        # 23:00 in Berlin: held until 08:00 the next morning there
        ("21:00-08:00", datetime(2026, 12, 1, 22, tzinfo=UTC), BERLIN, datetime(2026, 12, 2, 7, tzinfo=UTC)),
        # 03:00 in Berlin: held until 08:00 the same day
        ("21:00-08:00", datetime(2026, 12, 2, 2, tzinfo=UTC), BERLIN, datetime(2026, 12, 2, 7, tzinfo=UTC)),
        # 10:00 in Berlin: not quiet
        ("21:00-08:00", datetime(2026, 12, 2, 9, tzinfo=UTC), BERLIN, datetime(2026, 12, 2, 9, tzinfo=UTC)),
        # the same instant is 20:00 in Sydney: not quiet there
        ("21:00-08:00", datetime(2026, 12, 2, 9, tzinfo=UTC), SYDNEY, datetime(2026, 12, 2, 9, tzinfo=UTC)),
        # a span inside one day
        ("12:00-14:00", datetime(2026, 12, 2, 12, 30, tzinfo=UTC), BERLIN, datetime(2026, 12, 2, 13, tzinfo=UTC)),
        # the night Europe turns its clocks back: 08:00 is then UTC+1 again
        ("21:00-08:00", datetime(2026, 10, 24, 22, tzinfo=UTC), BERLIN, datetime(2026, 10, 25, 7, tzinfo=UTC)),
        # Los Angeles springs forward on 8 March 2026
        ("21:00-08:00", datetime(2026, 3, 8, 6, tzinfo=UTC), LA, datetime(2026, 3, 8, 15, tzinfo=UTC)),
        ("off", datetime(2026, 12, 1, 22, tzinfo=UTC), BERLIN, datetime(2026, 12, 1, 22, tzinfo=UTC)),
    ],
)
def test_quiet_hours_release_in_the_recipients_zone(span, now, zone, released):
    assert parse_quiet_hours(span).release(now, zone) == released


def test_rule_quiet_hours_win_over_the_program_default():
    default = parse_quiet_hours("21:00-08:00")
    rules = RuleSet((rule(name="a"), rule(name="b", quiet_hours=NEVER)), quiet_hours=default)
    assert rules.quiet_for(rules.by_name("a")) == default
    assert rules.quiet_for(rules.by_name("b")) == NEVER


# -- the in-process timer -------------------------------------------------------------------------------

def test_timer_wakes_the_loop_when_the_next_action_falls_due():
    from agent.rules.timer import WakeTimer

    timer = WakeTimer()
    timer.start()
    try:
        agent_now = datetime(2030, 1, 1, tzinfo=UTC)  # the agent's clock (run --now) is not the wall clock
        timer.wake_at(agent_now + timedelta(milliseconds=50), agent_now)
        assert 0 < timer.seconds_left(30) <= 30
        assert timer.event.wait(10)  # set by APScheduler's job; generous bound, not a timing assertion
        assert timer.seconds_left(30) == 0
        timer.wake_at(agent_now - timedelta(hours=1), agent_now)  # overdue: wake at once
        assert timer.event.is_set()
        timer.wake_at(None, agent_now)  # nothing pending: wait the whole poll
        assert timer.seconds_left(30) == 30
    finally:
        timer.shutdown()
