"""Evaluate administrator rules (pure): facts about a pair in, decisions with reasons out.

Every evaluation yields a ``Decision`` that says whether the rule fired, why, in words an
administrator reads in ``mentor-agent explain``, and for whom: the recipients' roles, since
``weekday`` is checked in each recipient's own zone and an occasion may be meant for one person
(an action item's owner, one side of a weekly digest). Timed rules are turned into ``Occasion``
values by ``agent.rules.occasions`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agent.rules.conditions import CONDITIONS
from agent.rules.model import Rule
from agent.rules.occasions import TIMED_TRIGGERS, Meeting, Occasion, occasions

__all__ = ["TIMED_TRIGGERS", "Decision", "Meeting", "Occasion", "PairFacts", "audience_roles", "decide", "occasions"]

ROLES = ("mentee", "mentor", "admins")


@dataclass(frozen=True)
class PairFacts:
    """What conditions may ask about a pair at the moment a rule is evaluated."""

    meeting_count: int
    agenda_received: bool
    notes_received: bool
    flags: frozenset[str]
    cadence_phase: int
    sender_role: str | None = None
    pair_age_days: int = 0
    weekdays: Mapping[str, str] = field(default_factory=dict)  # role -> local weekday now, e.g. "Mon"
    text: str = ""  # the new text of the message that triggered the rule
    owner_roles: tuple[str, ...] = ()  # the action item's owners (audience "owner")
    only_roles: frozenset[str] | None = None  # an occasion meant for these roles only


@dataclass(frozen=True)
class Decision:
    rule: str
    fired: bool
    reason: str
    roles: tuple[str, ...] = ()  # who receives it: mentee, mentor, admins


def audience_roles(to: str | None, facts: PairFacts) -> tuple[str, ...]:
    """The roles a rule's ``to`` reaches for this pair and occasion."""
    other = {"mentee": "mentor", "mentor": "mentee"}
    roles: tuple[str, ...] = {
        "mentee": ("mentee",), "mentor": ("mentor",), "both": ("mentee", "mentor"), "admins": ("admins",),
        "sender": (facts.sender_role,) if facts.sender_role in other else (),
        "partner": (other[facts.sender_role],) if facts.sender_role in other else (),
        "owner": facts.owner_roles,
    }.get(to or "", ("mentee",))
    if facts.only_roles is not None:
        roles = tuple(r for r in roles if r in facts.only_roles)
    return roles


def decide(rule: Rule, facts: PairFacts) -> Decision:
    """Check every condition; the reason lists them all so a miss is easy to understand."""
    if not rule.enabled:
        return Decision(rule.name, False, "rule is disabled")
    roles = audience_roles(rule.to, facts)
    results = []
    for key, expected in rule.conditions:
        if key == "weekday":
            roles, text = _weekday(roles, facts, expected)
            results.append((bool(roles), text))
        else:
            results.append(CONDITIONS[key](facts, expected))
    fired = all(ok for ok, _ in results)
    if fired:
        reason = "; ".join(text for _, text in results) or "no conditions"
    else:
        reason = "not met: " + "; ".join(text for ok, text in results if not ok)
    return Decision(rule.name, fired, reason, roles if fired else ())


def _weekday(roles: tuple[str, ...], facts: PairFacts, days: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """Keep the recipients for whom it is one of ``days`` in their own zone."""
    keep = tuple(r for r in roles if facts.weekdays.get(r) in days)
    seen = ", ".join(f"{facts.weekdays.get(r, '?')} for the {r}" for r in roles) or "nobody to send to"
    return keep, f"weekday {seen} (wanted {', '.join(days)})"
