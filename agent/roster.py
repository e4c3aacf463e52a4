"""The roster file: who takes part and who is paired with whom, read into a frozen ``Roster``.

    [[participant]]                     [[pair]]
    email = "katy@example.org"          mentor = "katy@example.org"
    name = "Katy"                       mentee = "rania@example.org"
    role = "mentor"                     start = 2026-12-01
    timezone = "America/Los_Angeles"    cadence = ["weekly x6", "every 2 weeks"]   # optional
    hours = ["Mon-Fri 09:00-17:00"]
    stretch, country, subdivision, locale   # optional

``load_roster`` reports every problem together, each at the line of the offending key inside its
``[[participant]]`` or ``[[pair]]`` block. Email addresses are compared lower-cased.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from agent.config import email_problem, locale_problem, show, zone_problem
from agent.domain.model import CadencePhase, Pair, Participant, Role, WeeklyHours
from agent.errors import Problem
from agent.scheduling.hours import HoursSyntaxError, parse_cadence, parse_hours, parse_hours_entry
from agent.tomlpos import Locator, did_you_mean, display, load_toml

PARTICIPANT_KEYS = {"email": True, "name": True, "role": True, "timezone": True, "hours": True,
                    "stretch": False, "country": False, "subdivision": False, "locale": False}
PAIR_KEYS = {"mentor": True, "mentee": True, "start": True, "cadence": False}
_EXAMPLES = {"email": '"name@example.org"', "name": '"Katy Smith"', "role": '"mentee"',
             "timezone": '"Europe/Berlin"', "hours": '["Mon-Fri 09:00-17:00"]', "mentor": '"katy@example.org"',
             "mentee": '"rania@example.org"', "start": "2026-12-01"}


@dataclass(frozen=True)
class Roster:
    """Participants by lower-cased email, and the pairs in file order."""

    path: Path
    participants: Mapping[str, Participant] = field(default_factory=lambda: MappingProxyType({}))
    pairs: tuple[Pair, ...] = ()

    def participant(self, email: str) -> Participant | None:
        return self.participants.get(email.strip().lower())

    @cached_property
    def _pairs_by_member(self) -> dict[str, tuple[Pair, ...]]:
        index: dict[str, list[Pair]] = {}
        for pair in self.pairs:
            index.setdefault(pair.mentor, []).append(pair)
            index.setdefault(pair.mentee, []).append(pair)
        return {email: tuple(pairs) for email, pairs in index.items()}

    def pairs_of(self, email: str) -> tuple[Pair, ...]:
        """Every pair ``email`` belongs to: one for a mentee, any number for a mentor."""
        return self._pairs_by_member.get(email.strip().lower(), ())

    def pair_of(self, email: str) -> Pair | None:
        """The pair of a mentee, or of a mentor who has exactly one; None otherwise (see ``pairs_of``)."""
        pairs = self.pairs_of(email)
        mentee_pair = [pair for pair in pairs if pair.mentee == email.strip().lower()]
        if mentee_pair:
            return mentee_pair[0]
        return pairs[0] if len(pairs) == 1 else None


def load_roster(
    path: Path, *, default_cadence: tuple[CadencePhase, ...], default_locale: str = "en"
) -> tuple[Roster | None, list[Problem]]:
    """Read and validate the roster; the Roster is None when any problem is an error."""
    path = Path(path)
    data, locator, problems = load_toml(path)
    if data is None:
        return None, problems
    reader = _RosterReader(display(path), locator, problems, default_cadence, default_locale)
    for key, value in data.items():
        if key not in ("participant", "pair"):
            hint = did_you_mean(key, ("participant", "pair")) or "the roster holds [[participant]] and [[pair]] blocks"
            reader.error((key,), f"unknown entry {key}", hint)
    participants = reader.blocks(data, "participant", reader.participant)
    pairs = reader.blocks(data, "pair", reader.pair)
    if any(p.severity == "error" for p in problems):
        return None, problems
    by_email = MappingProxyType({p.email: p for p in participants})
    return Roster(path.absolute(), by_email, tuple(pairs)), problems


@functools.cache
def _control(text: str) -> str | None:
    """The first line break or control character in ``text`` (as U+XXXX), or None."""
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            return f"U+{ord(ch):04X}"
    return None


def _countries() -> dict[str, list[str]]:
    import holidays

    return holidays.list_supported_countries()


class _RosterReader:
    def __init__(self, shown: str, locator: Locator, problems: list[Problem],
                 default_cadence: tuple[CadencePhase, ...], default_locale: str):
        self.shown, self.locator, self.problems = shown, locator, problems
        self.default_cadence, self.default_locale = default_cadence, default_locale
        self.roles: dict[str, tuple[Role | None, int]] = {}  # every email seen -> role, line
        self.mentees: dict[str, int] = {}  # mentee -> line of the pair that took them

    def error(self, where: tuple, message: str, hint: str = "") -> None:
        self.problems.append(Problem.at(self.shown, self.locator.line(where), message, hint))

    def blocks(self, data: dict[str, Any], name: str, read: Any) -> list[Any]:
        raw = data.get(name, [])
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            self.error((name,), f"{name} must be written as [[{name}]] blocks", f"start each one with [[{name}]]")
            return []
        results = [read(index, item) for index, item in enumerate(raw)]
        return [result for result in results if result is not None]

    def fields(self, name: str, index: int, raw: dict[str, Any], keys: dict[str, bool]) -> bool:
        """Unknown and missing keys of one block; True when every required key is there."""
        for key in raw:
            if key not in keys:
                hint = did_you_mean(key, keys) or f"[[{name}]] takes " + ", ".join(keys)
                self.error((name, index, key), f"[[{name}]] has no field {key}", hint)
        missing = [key for key, required in keys.items() if required and key not in raw]
        who = f" {raw['email']}" if isinstance(raw.get("email"), str) else ""
        for key in missing:
            self.error((name, index), f"[[{name}]]{who} needs {key}", f"add {key} = {_EXAMPLES.get(key, '...')}")
        return not missing

    def text(self, where: tuple, raw: dict[str, Any], key: str) -> str | None:
        value = raw.get(key)
        if isinstance(value, str) and (bad := _control(value)):
            # names reach mail headers and iCalendar CN parameters: a line break there is an injection
            self.error(where + (key,), f"{key} contains the control character {bad}",
                       f"write {key} on one line with printable characters only")
            return None
        if value is None or isinstance(value, str):
            return value.strip() if value else value
        self.error(where + (key,), f"{key} = {show(value)} should be text in quotes", f'write {key} = "..."')
        return None

    def participant(self, index: int, raw: dict[str, Any]) -> Participant | None:
        where = ("participant", index)
        complete = self.fields("participant", index, raw, PARTICIPANT_KEYS)
        before = len(self.problems)
        email, name, role_text, zone, country, subdivision, locale = (
            self.text(where, raw, key) for key in ("email", "name", "role", "timezone", "country", "subdivision",
                                                   "locale"))
        role = self.role(where, role_text)
        if email is not None:
            email = self.address(where + ("email",), email)
            if email in self.roles:
                self.error(where + ("email",), f"{email} is listed twice",
                           f"the first [[participant]] with this email is at line {self.roles[email][1]}")
            elif email:
                self.roles[email] = (role, self.locator.line(where))
        if zone is not None and (problem := zone_problem(zone)):
            self.error(where + ("timezone",), *problem)
        hours = self.hours(where, raw, "hours")
        stretch = self.hours(where, raw, "stretch") if "stretch" in raw else None
        self.place(where, country, subdivision)
        if locale is not None and (problem := locale_problem(locale)):
            self.error(where + ("locale",), *problem)
        if not complete or len(self.problems) > before or not (email and role and hours):
            return None
        return Participant(email, name or "", role, zone or "UTC", hours, stretch, country, subdivision,
                           locale or self.default_locale)

    def address(self, where: tuple, value: str) -> str | None:
        if problem := email_problem(value):
            self.error(where, *problem)
            return None
        return value.lower()

    def role(self, where: tuple, value: str | None) -> Role | None:
        if value is None:
            return None
        if value.lower() in Role._value2member_map_:
            return Role(value.lower())
        hint = did_you_mean(value, [r.value for r in Role]) or 'use "mentor" or "mentee"'
        self.error(where + ("role",), f'role = "{value}" is not mentor or mentee', hint)
        return None

    def hours(self, where: tuple, raw: dict[str, Any], key: str) -> WeeklyHours | None:
        value = raw.get(key)
        if value is None:
            return None
        entries = [value] if isinstance(value, str) else value
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            self.error(where + (key,), f"{key} = {show(value)} should be a list of texts",
                       f'write {key} = ["Mon-Fri 09:00-17:00"]')
            return None
        if not any(e.strip() for e in entries):
            self.error(where + (key,), f"{key} is empty", f'write {key} = ["Mon-Fri 09:00-17:00"]')
            return None
        ok = True
        for index, entry in enumerate(entries):
            try:
                parse_hours_entry(entry)
            except HoursSyntaxError as exc:
                at = where + (key,) if isinstance(value, str) else where + (key, index)
                self.error(at, f"{key}: {exc.message}", exc.hint)
                ok = False
        if not ok:
            return None
        try:
            return parse_hours(entries)
        except HoursSyntaxError as exc:
            self.error(where + (key,), f"{key}: {exc.message}", exc.hint)
            return None

    def place(self, where: tuple, country: str | None, subdivision: str | None) -> None:
        countries = _countries()
        if country is not None and country not in countries:
            hint = (f'write it in capitals: "{country.upper()}"' if country.upper() in countries
                    else did_you_mean(country, countries) or 'use a two-letter ISO code like "US" or "DE"')
            self.error(where + ("country",), f'country = "{country}" has no public-holiday calendar', hint)
        elif subdivision is not None and country is None:
            self.error(where + ("subdivision",), "subdivision is set without a country", 'add country = "..."')
        elif subdivision is not None and subdivision not in countries[country]:
            codes = countries[country]
            hint = did_you_mean(subdivision, codes) or (
                f"{country} has " + ", ".join(codes[:12]) + ("..." if len(codes) > 12 else "") if codes
                else f"{country} has no subdivisions; remove it")
            self.error(where + ("subdivision",), f'subdivision = "{subdivision}" is not a part of {country}', hint)

    def pair(self, index: int, raw: dict[str, Any]) -> Pair | None:
        where = ("pair", index)
        complete = self.fields("pair", index, raw, PAIR_KEYS)
        before = len(self.problems)
        people = {}
        for key in ("mentor", "mentee"):
            text = self.text(where, raw, key)
            people[key] = self.address(where + (key,), text) if text is not None else None
            self.member(where, key, people[key])
        mentor, mentee = people["mentor"], people["mentee"]
        if mentor and mentor == mentee:
            self.error(where + ("mentee",), f"{mentee} is paired with themselves", "name two different people")
        elif mentee and mentee in self.mentees:
            self.error(where + ("mentee",), f"{mentee} is already in a pair",
                       f"a mentee has one mentor; the first pair is at line {self.mentees[mentee]}")
        elif mentee:
            self.mentees[mentee] = self.locator.line(where)
        start = self.start(where, raw.get("start"))
        cadence = self.default_cadence
        if "cadence" in raw:
            cadence = self.cadence(where, raw["cadence"])
        if not complete or len(self.problems) > before or not (mentor and mentee and start and cadence):
            return None
        return Pair(mentor, mentee, start, cadence)

    def member(self, where: tuple, key: str, email: str | None) -> None:
        """A pair's mentor or mentee must be a participant with that role."""
        if not email:
            return
        if email not in self.roles:
            hint = did_you_mean(email, self.roles, cutoff=0.9) or f'add a [[participant]] with email = "{email}" or fix the address'
            self.error(where + (key,), f"{key} {email} is not a participant", hint)
            return
        role, line = self.roles[email]
        if role is not None and role.value != key:
            self.error(where + (key,), f"{key} {email} is a {role.value} in the roster",
                       f"swap mentor and mentee, or fix role at line {line}")

    def start(self, where: tuple, value: Any) -> date | None:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        if value is not None:
            self.error(where + ("start",), f"start = {show(value)} is not a date", "write start = 2026-12-01")
        return None

    def cadence(self, where: tuple, value: Any) -> tuple[CadencePhase, ...] | None:
        entries = [value] if isinstance(value, str) else value
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            self.error(where + ("cadence",), f"cadence = {show(value)} should be a list of texts",
                       'write cadence = ["weekly x6", "every 2 weeks"]')
            return None
        try:
            return parse_cadence(entries)
        except HoursSyntaxError as exc:
            self.error(where + ("cadence",), f"cadence: {exc.message}", exc.hint)
            return None
