"""A seeded synthetic roster: N pairs of people in realistic places, written as roster TOML.

Each person gets a real IANA zone with its country (and subdivision, for public holidays), the
working week of that place (Sunday to Thursday in Riyadh, Saturday to Wednesday in Tehran), core
hours that start between 07:30 and 10:00, sometimes a lunch break, and usually stretch hours. Pairs
start one after another over the first week of booking. The same seed gives the same roster.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta

# zone, country, subdivision, working days: places mentoring programs actually pair across.
PLACES: tuple[tuple[str, str, str | None, str], ...] = (
    ("America/Los_Angeles", "US", "CA", "Mon-Fri"),
    ("America/Denver", "US", "CO", "Mon-Fri"),
    ("America/Chicago", "US", "IL", "Mon-Fri"),
    ("America/New_York", "US", "NY", "Mon-Fri"),
    ("America/Toronto", "CA", "ON", "Mon-Fri"),
    ("America/Mexico_City", "MX", None, "Mon-Fri"),
    ("America/Bogota", "CO", None, "Mon-Fri"),
    ("America/Sao_Paulo", "BR", None, "Mon-Fri"),
    ("America/Argentina/Buenos_Aires", "AR", None, "Mon-Fri"),
    ("Europe/London", "GB", "ENG", "Mon-Fri"),
    ("Europe/Dublin", "IE", None, "Mon-Fri"),
    ("Europe/Lisbon", "PT", None, "Mon-Fri"),
    ("Europe/Madrid", "ES", None, "Mon-Fri"),
    ("Europe/Paris", "FR", None, "Mon-Fri"),
    ("Europe/Berlin", "DE", "BE", "Mon-Fri"),
    ("Europe/Warsaw", "PL", None, "Mon-Fri"),
    ("Europe/Istanbul", "TR", None, "Mon-Fri"),
    ("Africa/Lagos", "NG", None, "Mon-Fri"),
    ("Africa/Cairo", "EG", None, "Sun-Thu"),
    ("Africa/Nairobi", "KE", None, "Mon-Fri"),
    ("Africa/Johannesburg", "ZA", None, "Mon-Fri"),
    ("Asia/Beirut", "LB", None, "Mon-Fri"),
    ("Asia/Riyadh", "SA", None, "Sun-Thu"),
    ("Asia/Dubai", "AE", None, "Mon-Fri"),
    ("Asia/Tehran", "IR", None, "Sat-Wed"),
    ("Asia/Karachi", "PK", None, "Mon-Fri"),
    ("Asia/Kolkata", "IN", None, "Mon-Fri"),
    ("Asia/Kathmandu", "NP", None, "Sun-Thu"),
    ("Asia/Dhaka", "BD", None, "Sun-Thu"),
    ("Asia/Singapore", "SG", None, "Mon-Fri"),
    ("Asia/Manila", "PH", None, "Mon-Fri"),
    ("Asia/Shanghai", "CN", None, "Mon-Fri"),
    ("Asia/Tokyo", "JP", None, "Mon-Fri"),
    ("Australia/Sydney", "AU", "NSW", "Mon-Fri"),
    ("Pacific/Auckland", "NZ", None, "Mon-Fri"),
)

FIRST_NAMES = ("Ada", "Bilal", "Chen", "Dana", "Emeka", "Fatima", "Goran", "Hana", "Ines", "Jonas", "Kemi",
               "Luis", "Maya", "Nikhil", "Olga", "Pedro", "Qing", "Rosa", "Sipho", "Tariq", "Uma", "Viktor",
               "Wen", "Ximena", "Yusuf", "Zanele")
LAST_NAMES = ("Abara", "Bauer", "Costa", "Dlamini", "Eriksen", "Farouk", "Garcia", "Haddad", "Ito", "Jensen",
              "Kowalski", "Lopez", "Mensah", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi", "Sato", "Tanaka")


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: str
    timezone: str
    hours: tuple[str, ...]
    stretch: tuple[str, ...]
    country: str
    subdivision: str | None


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _person(rng: random.Random, index: int, role: str) -> Person:
    zone, country, subdivision, days = rng.choice(PLACES)
    start = rng.choice(range(7 * 60 + 30, 10 * 60 + 1, 30))
    length = rng.choice((8 * 60, 8 * 60 + 30, 9 * 60))
    end = min(start + length, 24 * 60)
    if rng.random() < 0.25:  # a lunch break splits the day
        lunch = start + rng.choice((3, 4)) * 60
        hours: tuple[str, ...] = (f"{days} {_hm(start)}-{_hm(lunch)}", f"{days} {_hm(lunch + 60)}-{_hm(end)}")
    else:
        hours = (f"{days} {_hm(start)}-{_hm(end)}",)
    stretch: tuple[str, ...] = ()
    if rng.random() < 0.8:  # most people accept an early or late call when nothing else fits
        early, late = rng.choice((60, 90, 120, 180)), rng.choice((60, 120, 180, 240))
        stretch = (f"{days} {_hm(max(start - early, 6 * 60))}-{_hm(min(end + late, 22 * 60))}",)
    first = index * 2 + (role == "mentee")
    name = f"{FIRST_NAMES[first % len(FIRST_NAMES)]} {LAST_NAMES[(first * 7 + first // 26) % len(LAST_NAMES)]}"
    return Person(f"{role}{index:04d}@sim.example.org", name, role, zone, hours, stretch, country, subdivision)


def synthetic_pairs(count: int, seed: int, first_start: date) -> tuple[list[Person], list[tuple[str, str, date]]]:
    """``count`` pairs (each mentor has one mentee), starting on the 7 days from ``first_start``."""
    rng = random.Random(seed)
    people: list[Person] = []
    pairs: list[tuple[str, str, date]] = []
    for index in range(count):
        mentor, mentee = _person(rng, index, "mentor"), _person(rng, index, "mentee")
        people += [mentor, mentee]
        pairs.append((mentor.email, mentee.email, first_start + timedelta(days=rng.randrange(7))))
    return people, pairs


def roster_toml(people: list[Person], pairs: list[tuple[str, str, date]]) -> str:
    """The roster file an administrator would write for these people (strings quoted as JSON, valid TOML)."""
    q = json.dumps
    lines = ["# A synthetic roster written by `mentor-agent simulate`.", ""]
    for p in people:
        lines += ["[[participant]]", f"email = {q(p.email)}", f"name = {q(p.name)}", f"role = {q(p.role)}",
                  f"timezone = {q(p.timezone)}", f"hours = {q(list(p.hours))}", f"country = {q(p.country)}"]
        if p.stretch:
            lines.append(f"stretch = {q(list(p.stretch))}")
        if p.subdivision:
            lines.append(f"subdivision = {q(p.subdivision)}")
        lines.append("")
    for mentor, mentee, start in pairs:
        lines += ["[[pair]]", f"mentor = {q(mentor)}", f"mentee = {q(mentee)}", f"start = {start.isoformat()}", ""]
    return "\n".join(lines)
