"""Rule decisions and timed occasions: values in, values out."""

from datetime import UTC, datetime, timedelta

from agent.rules.engine import Meeting, PairFacts, decide, occasions
from agent.rules.model import Rule

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
