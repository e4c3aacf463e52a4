"""Administrator rules as frozen values, and the vocabulary a rule file may use.

A rule says *when* (a trigger, with its ``kind``, ``offset``, ``days`` or ``at``), *if* (conditions on
the pair's state) and *what* (an action, usually sending a template to someone), and may hold its
mail during ``quiet_hours`` in each recipient's zone (else the program's ``[defaults]``). The loader builds
these values from ``rules/*.toml``; the engine interprets them. Nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from datetime import time, timedelta
from typing import Any

from agent.rules.quiet import QuietHours

EVENT_TRIGGERS = ("pair_start", "message", "calendar_answer", "goal_completed")
TIME_TRIGGERS = ("before_meeting", "after_meeting", "inactivity", "series_ending", "action_item_due", "weekly")
TRIGGERS = EVENT_TRIGGERS + TIME_TRIGGERS
ACTIONS = ("send", "escalate", "set_flag", "clear_flag", "book", "skip", "propose", "file")
AUDIENCES = ("mentee", "mentor", "both", "admins", "sender", "partner", "owner")
DEFAULT_AUDIENCE = {"send": "both", "escalate": "admins", "skip": "both", "propose": "both"}
# "sender" and "partner" need a message; "owner" needs an action item
AUDIENCE_TRIGGERS = {"sender": ("message", "calendar_answer", "goal_completed"),
                     "partner": ("message", "calendar_answer", "goal_completed"),
                     "owner": ("action_item_due",)}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# condition key -> (type, allowed values or minimum)
CONDITIONS: dict[str, tuple[type, Any]] = {
    "agenda_received": (bool, None),
    "notes_received": (bool, None),
    "sender_role": (str, ("mentor", "mentee")),
    "meeting_count": (int, 0),
    "meeting_count_min": (int, 0),
    "meeting_count_max": (int, 0),
    "cadence_phase": (int, 1),
    "pair_age_days_min": (int, 0),
    "pair_age_days_max": (int, 0),
    "weekday": (list, DAY_NAMES),  # in each recipient's zone
    "mentions": (list, None),  # words in the message that triggered the rule
    "flag": (str, None),
    "not_flag": (str, None),
}

_DURATION_PART = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
DURATION_HINT = 'write a duration like "48h", "2h", "30m", "3d", "1w" or "1d 12h"'


def parse_duration(text: str) -> timedelta:
    """``"48h"`` -> 48 hours; several parts add up (``"1d 12h"``). Raises ValueError otherwise."""
    cleaned = text.strip()
    parts = _DURATION_PART.findall(cleaned)
    if not parts or _DURATION_PART.sub("", cleaned).strip():
        raise ValueError(f'"{text}" is not a duration')
    return sum((int(n) * _UNITS[unit.lower()] for n, unit in parts), timedelta())


@dataclass(frozen=True)
class Rule:
    """One administrator rule, with the file and line it came from (for ``explain`` and logs)."""

    name: str
    description: str
    trigger: str
    action: str
    kind: str | None = None  # trigger "message": the message kind
    offset: timedelta | None = None  # before/after_meeting, series_ending, action_item_due (before)
    days: int | None = None  # inactivity
    conditions: tuple[tuple[str, Any], ...] = ()  # sorted (key, value) pairs
    template: str | None = None
    to: str | None = None
    flag: str | None = None
    enabled: bool = True
    file: str = ""
    line: int = 0
    at_time: time | None = None  # action_item_due, weekly: local time of day (09:00 when not given)
    at_weekday: int | None = None  # weekly: 0 = Monday
    quiet_hours: QuietHours | None = None  # None: the program default

    def condition(self, key: str, default: Any = None) -> Any:
        return self._condition_map.get(key, default)

    @cached_property
    def _condition_map(self) -> dict[str, Any]:  # asked for every meeting of every pair while deriving
        return dict(self.conditions)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RuleSet:
    """Every rule of the program in load order: files sorted by name, rules in file order."""

    rules: tuple[Rule, ...] = ()
    quiet_hours: QuietHours | None = None  # [defaults] quiet_hours

    def quiet_for(self, rule: Rule) -> QuietHours | None:
        """The rule's own quiet hours, else the program default (``"off"`` in a rule wins)."""
        return rule.quiet_hours if rule.quiet_hours is not None else self.quiet_hours

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def by_trigger(self, trigger: str, *, enabled_only: bool = True) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.trigger == trigger and (r.enabled or not enabled_only))

    def by_name(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rules)
