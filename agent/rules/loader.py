"""Read ``rules/*.toml`` into a ``RuleSet``, reporting every problem with its file and line.

    [[rule]]
    name = "agenda-reminder"
    description = "Remind the mentee to send an agenda two days before each meeting."
    trigger = "before_meeting"
    offset = "48h"
    if = { agenda_received = false }
    action = "send"
    template = "agenda_reminder"
    to = "mentee"

Files are read in name order and rules in file order; a rule with a problem is left out of the
returned set, and the problems say why. A file may also hold one ``[defaults]`` table with settings
for every rule (today ``quiet_hours``); two files that disagree on a default are an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

from agent.config import show
from agent.domain.model import KINDS
from agent.errors import Problem
from agent.rules.model import (
    ACTIONS, AUDIENCE_TRIGGERS, AUDIENCES, CONDITIONS, DAY_NAMES, DEFAULT_AUDIENCE, DURATION_HINT, TRIGGERS, Rule,
    RuleSet, parse_duration,
)
from agent.rules.quiet import QUIET_HINT, QuietHours, parse_quiet_hours
from agent.tomlpos import Locator, did_you_mean, display, load_toml

KEYS = ("name", "description", "trigger", "kind", "offset", "days", "at", "if", "action", "template", "to", "flag",
        "quiet_hours", "enabled")
DEFAULT_KEYS = ("quiet_hours",)
ONLY_WITH = {"kind": ("message",),
             "offset": ("before_meeting", "after_meeting", "series_ending", "action_item_due"),
             "days": ("inactivity",), "at": ("weekly", "action_item_due")}
NEEDED_BY = {"kind": ("message",), "offset": ("before_meeting", "after_meeting"), "days": ("inactivity",),
             "at": ()}
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_AT = re.compile(r"^\s*(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+)?(\d{1,2}):(\d{2})\s*$")


def load_rules(folder: Path, *, template_exists: Callable[[str], bool]) -> tuple[RuleSet, list[Problem]]:
    """Every rule in ``folder/*.toml``; rules with problems are left out."""
    folder = Path(folder)
    if not folder.is_dir():
        return RuleSet(), [Problem.at(display(folder), 1, "the rules folder does not exist", "create it or fix the path")]
    files = sorted(folder.glob("*.toml"))
    if not files:
        return RuleSet(), [Problem.at(display(folder), 1, "the rules folder holds no *.toml file",
                                      "copy the shipped rules/ folder here or write rules/my-rules.toml",
                                      "warning")]
    problems: list[Problem] = []
    seen: dict[str, str] = {}  # name -> "file:line" where it was first defined
    defaults: dict[str, tuple[object, str]] = {}  # key -> (value, "file:line")
    rules: list[Rule] = []
    for path in files:
        data, locator, found = load_toml(path)
        problems += found
        if data is not None:
            reader = _RuleReader(display(path), locator, problems, template_exists, seen)
            rules += reader.file(data)
            reader.defaults(data.get("defaults"), defaults)
    quiet = defaults.get("quiet_hours", (None, ""))[0]
    return RuleSet(tuple(rules), quiet_hours=quiet if isinstance(quiet, QuietHours) else None), problems


class _RuleReader:
    def __init__(self, shown: str, locator: Locator, problems: list[Problem],
                 template_exists: Callable[[str], bool], seen: dict[str, str]):
        self.shown, self.locator, self.problems = shown, locator, problems
        self.template_exists, self.seen = template_exists, seen

    def error(self, where: tuple, message: str, hint: str = "") -> None:
        self.problems.append(Problem.at(self.shown, self.locator.line(where), message, hint))

    def file(self, data: dict[str, Any]) -> list[Rule]:
        for key in data:
            if key not in ("rule", "defaults"):
                self.error((key,), f"unknown entry {key}",
                           did_you_mean(key, ["rule", "defaults"]) or "start each rule with [[rule]]")
        raw = data.get("rule", [])
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            self.error(("rule",), "rules must be written as [[rule]] blocks", "start each rule with [[rule]]")
            return []
        rules = [self.rule(index, item) for index, item in enumerate(raw)]
        return [rule for rule in rules if rule is not None]

    def defaults(self, raw: Any, found: dict[str, tuple[object, str]]) -> None:
        """``[defaults]``: settings for every rule; the same key in two files must agree."""
        if raw is None:
            return
        if not isinstance(raw, dict):
            self.error(("defaults",), "defaults must be a table", "write [defaults] on its own line")
            return
        for key, value in raw.items():
            where = ("defaults", key)
            if key not in DEFAULT_KEYS:
                self.error(where, f"[defaults] has no field {key}", did_you_mean(key, DEFAULT_KEYS) or
                           "[defaults] takes " + ", ".join(DEFAULT_KEYS))
                continue
            quiet = self.quiet_hours(where, value)
            if quiet is None:
                continue
            here = f"{self.shown}:{self.locator.line(where)}"
            if key in found and found[key][0] != quiet:
                self.error(where, f"[defaults] {key} is set differently in two files",
                           f"the first is at {found[key][1]}; keep one")
            found.setdefault(key, (quiet, here))

    def quiet_hours(self, where: tuple, value: Any) -> QuietHours | None:
        try:
            if isinstance(value, str):
                return parse_quiet_hours(value)
        except ValueError:
            pass
        self.error(where, f"quiet_hours = {show(value)} is not a span of hours", QUIET_HINT)
        return None

    def rule(self, index: int, raw: dict[str, Any]) -> Rule | None:
        at = ("rule", index)
        before = len(self.problems)
        for key in raw:
            if key not in KEYS:
                self.error(at + (key,), f"[[rule]] has no field {key}",
                           did_you_mean(key, KEYS) or "a rule takes " + ", ".join(KEYS))
        name = self.text(at, raw, "name", required=True)
        if name is not None:
            self.name(at, name)
        description = self.text(at, raw, "description", required=True)
        trigger = self.choice(at, raw, "trigger", TRIGGERS, required=True)
        action = self.choice(at, raw, "action", ACTIONS, required=True)
        kind, offset, days = self.trigger_details(at, raw, trigger)
        conditions = self.conditions(at, raw.get("if"))
        template = self.text(at, raw, "template", required=action in ("send", "escalate"))
        if template is not None and not self.template_exists(template):
            self.error(at + ("template",), f'template "{template}" does not exist',
                       f"create templates/{template}.txt.j2 or fix the name")
        to = self.choice(at, raw, "to", AUDIENCES) or DEFAULT_AUDIENCE.get(action or "")
        if trigger == "action_item_due" and "to" not in raw and action == "send":
            to = "owner"
        if to in AUDIENCE_TRIGGERS and trigger and trigger not in AUDIENCE_TRIGGERS[to]:
            self.error(at + ("to",), f'to = "{to}" is not used with trigger = "{trigger}"',
                       f'use it with trigger = "{AUDIENCE_TRIGGERS[to][0]}", or send to mentee, mentor or both')
        at_weekday, at_time = self.at(at, raw, trigger)
        quiet = self.quiet_hours(at + ("quiet_hours",), raw["quiet_hours"]) if "quiet_hours" in raw else None
        flag = self.text(at, raw, "flag", required=action in ("set_flag", "clear_flag"))
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            self.error(at + ("enabled",), f"enabled = {show(enabled)} should be true or false",
                       "write true or false without quotes")
        if len(self.problems) > before or not (name and description and trigger and action):
            return None
        return Rule(name, description, trigger, action, kind, offset, days, conditions, template, to, flag,
                    enabled, self.shown, self.locator.line(at), at_time, at_weekday, quiet)

    def at(self, where: tuple, raw: dict[str, Any], trigger: str | None) -> tuple[int | None, time | None]:
        """``at = "Mon 09:00"`` (weekly) or ``at = "08:30"`` (action_item_due), in local time."""
        value = raw.get("at")
        if value is None:
            return (0 if trigger == "weekly" else None), None
        match = _AT.match(value) if isinstance(value, str) else None
        ok = match is not None and int(match.group(2)) < 24 and int(match.group(3)) < 60
        if ok and match.group(1) and trigger != "weekly":
            ok = False
        if not ok:
            example = '"Mon 09:00"' if trigger == "weekly" else '"09:00"'
            self.error(where + ("at",), f"at = {show(value)} is not a {'day and ' if trigger == 'weekly' else ''}time",
                       f"write at = {example} (24-hour local time)")
            return None, None
        day = DAY_NAMES.index(match.group(1)) if match.group(1) else (0 if trigger == "weekly" else None)
        return day, time(int(match.group(2)), int(match.group(3)))

    def text(self, at: tuple, raw: dict[str, Any], key: str, required: bool = False) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                why = f' (action = "{raw.get("action")}")' if key in ("template", "flag") else ""
                self.error(at, f"[[rule]] {self.label(raw)}needs {key}{why}", f'add {key} = "..."')
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(at + (key,), f"{key} = {show(value)} should be text in quotes", f'write {key} = "..."')
            return None
        return value.strip()

    def label(self, raw: dict[str, Any]) -> str:
        return f'"{raw["name"]}" ' if isinstance(raw.get("name"), str) else ""

    def name(self, at: tuple, name: str) -> None:
        if not _NAME.match(name):
            self.error(at + ("name",), f'name = "{name}" is not a rule name',
                       "use lower-case letters, digits and dashes, like \"agenda-reminder\"")
        elif name in self.seen:
            self.error(at + ("name",), f'rule "{name}" is defined twice', f"the first is at {self.seen[name]}")
        else:
            self.seen[name] = f"{self.shown}:{self.locator.line(at)}"

    def choice(self, at: tuple, raw: dict[str, Any], key: str, allowed: tuple[str, ...],
               required: bool = False) -> str | None:
        value = self.text(at, raw, key, required)
        if value is None or value in allowed:
            return value
        hint = did_you_mean(value, allowed) or "use one of " + ", ".join(f'"{a}"' for a in allowed)
        self.error(at + (key,), f'unknown {key} "{value}"', hint)
        return None

    def trigger_details(self, at: tuple, raw: dict[str, Any], trigger: str | None):
        """``kind``, ``offset`` and ``days``: each required by some triggers and allowed by few."""
        for key, triggers in ONLY_WITH.items():
            if key in raw and trigger and trigger not in triggers:
                self.error(at + (key,), f'{key} is not used with trigger = "{trigger}"',
                           f'remove it, or use trigger = "{triggers[0]}"')
            elif key not in raw and trigger in NEEDED_BY[key]:
                example = {"kind": '"agenda"', "offset": '"48h"', "days": "14"}[key]
                self.error(at, f'[[rule]] {self.label(raw)}needs {key} (trigger = "{trigger}")',
                           f"add {key} = {example}")
        kind = self.choice(at, raw, "kind", KINDS) if "kind" in raw else None
        offset = None
        if "offset" in raw:
            try:
                offset = parse_duration(raw["offset"]) if isinstance(raw["offset"], str) else None
            except ValueError:
                pass
            if offset is None:
                self.error(at + ("offset",), f"offset = {show(raw['offset'])} is not a duration", DURATION_HINT)
        days = raw.get("days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
            self.error(at + ("days",), f"days = {show(days)} should be a whole number of at least 1",
                       "write days = 14")
            days = None
        return kind, offset, days

    def conditions(self, at: tuple, raw: Any) -> tuple[tuple[str, Any], ...]:
        if raw is None:
            return ()
        where = at + ("if",)
        if not isinstance(raw, dict):
            self.error(where, f"if = {show(raw)} should be a table of conditions", "write if = { notes_received = false }")
            return ()
        result = []
        for key, value in raw.items():
            if key not in CONDITIONS:
                hint = did_you_mean(key, CONDITIONS) or "conditions are " + ", ".join(CONDITIONS)
                self.error(where + (key,), f"unknown condition {key}", hint)
                continue
            kind, limit = CONDITIONS[key]
            if kind is list and isinstance(value, str):
                value = [value]
            ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
            if ok and kind is list:
                ok = bool(value) and all(isinstance(v, str) and v.strip() for v in value) and (
                    limit is None or all(v in limit for v in value))
                value = tuple(value) if ok else value
            elif ok and kind is int:
                ok = value >= limit
            elif ok and isinstance(limit, tuple):
                ok = value in limit
            if not ok:
                self.error(where + (key,), f"condition {key} = {show(value)} is not allowed", _condition_hint(kind, limit))
                continue
            result.append((key, value))
        bounds = dict(result)
        for low, high in (("meeting_count_min", "meeting_count_max"), ("pair_age_days_min", "pair_age_days_max")):
            if bounds.get(low, 0) > bounds.get(high, float("inf")):
                self.error(where, f"{low} is larger than {high}", "swap them")
        return tuple(sorted(result))


def _condition_hint(kind: type, limit: Any) -> str:
    if kind is list:
        if limit:
            return "write a list like [" + ", ".join(f'"{v}"' for v in limit[:2]) + "] using " + ", ".join(limit)
        return 'write a list of words in quotes, like ["less mail", "weekly digest"]'
    if kind is bool:
        return "write true or false without quotes"
    if kind is int:
        return f"write a whole number of at least {limit}, without quotes"
    if isinstance(limit, tuple):
        return "use " + " or ".join(f'"{v}"' for v in limit)
    return 'write text in quotes, like "celebrated"'
