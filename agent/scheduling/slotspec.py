"""Read a person from one command-line string, for ``mentor-agent slots --a ... --b ...``.

    "Europe/Berlin Mon-Fri 09:00-17:00, Sat 10:00-12:00"
    "Asia/Riyadh Sun-Thu 08:00-12:00, 13:00-16:00"       (a bare range extends the previous days)
    "America/Los_Angeles Mon-Fri 09:00-17:00; stretch Mon-Fri 07:00-09:00; holidays US-CA"

An IANA zone, then hours entries separated by commas; an entry that starts with a day spec begins
new days, a bare time range adds a window to the previous entry's days. Optional ``; stretch ...``
and ``; holidays CC[-SUB]`` sections follow.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfoNotFoundError, available_timezones

from agent.domain.model import Participant, Role, WeeklyHours
from agent.scheduling.hours import HoursSyntaxError, parse_hours
from agent.scheduling.tzminutes import zone

SPEC_HINT = 'write a zone then hours, e.g. "Europe/Berlin Mon-Fri 09:00-17:00, Sat 10:00-12:00"'
_RANGE = re.compile(r"^\d{1,2}:\d{2}\s*-")


def parse_person_spec(text: str, *, name: str, role: Role) -> Participant:
    """A Participant from ``ZONE HOURS[; stretch HOURS][; holidays CC[-SUB]]``.

    Raises HoursSyntaxError (with a hint) for unreadable hours, ValueError for an unknown zone.
    """
    sections = [part.strip() for part in str(text).split(";")]
    timezone, _, hours_text = sections[0].partition(" ")
    if not timezone:
        raise HoursSyntaxError("no time zone or hours given", SPEC_HINT)
    _check_zone(timezone)
    if not hours_text.strip():
        raise HoursSyntaxError(f'"{text}" has no working hours after the zone', SPEC_HINT)
    stretch, country, subdivision = None, None, None
    for section in sections[1:]:
        keyword, _, rest = section.partition(" ")
        if keyword.lower() == "stretch" and rest.strip():
            stretch = _hours(rest)
        elif keyword.lower() == "holidays" and rest.strip():
            country, _, sub = rest.strip().upper().partition("-")
            subdivision = sub or None
        else:
            raise HoursSyntaxError(f'"{section}" is not "stretch HOURS" or "holidays COUNTRY"', SPEC_HINT)
    email = f"{re.sub(r'[^a-z0-9]+', '.', name.lower()).strip('.') or role.value}@slots.invalid"
    return Participant(email, name, role, timezone, _hours(hours_text), stretch, country, subdivision)


def _hours(text: str) -> WeeklyHours:
    entries: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise HoursSyntaxError(f'"{text}" has an empty entry between commas', SPEC_HINT)
        if _RANGE.match(part):
            if not entries:
                raise HoursSyntaxError(f'"{part}" has no days before it', SPEC_HINT)
            entries[-1] += f", {part}"
        else:
            entries.append(part)
    return parse_hours(entries)


def _check_zone(name: str) -> None:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        close = sorted(z for z in available_timezones() if z.lower().endswith(name.lower().split("/")[-1]))
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin{hint})") from exc
