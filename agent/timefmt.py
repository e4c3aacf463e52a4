"""Show instants to people: always in the reader's own zone and locale, with the partner's time beside it.

Pure functions over aware datetimes; babel does the localisation. The IANA zone name is always
printed, because "17:00" alone is how reminders end up an hour off after a daylight-saving change.
"""

from __future__ import annotations

from datetime import datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from agent.domain.model import Participant


def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def local_time(instant: datetime, person: Participant, *, with_date: bool = True) -> str:
    """``Thursday 3 December 2026, 17:00 (Europe/Berlin)`` in the person's locale."""
    local = instant.astimezone(person.zone)
    locale = _locale(person.locale)
    clock = format_time(local, "HH:mm", locale=locale)
    if not with_date:
        return f"{clock} ({person.timezone})"
    day = format_date(local, "EEEE d MMMM y", locale=locale)
    return f"{day}, {clock} ({person.timezone})"


def dual_time(instant: datetime, reader: Participant, partner: Participant) -> str:
    """The reader's local time, then the partner's (with the date when it differs).

    ``Thursday 3 December 2026, 17:00 (Europe/Berlin) — for Katy: 08:00 (America/Los_Angeles)``
    """
    own = local_time(instant, reader)
    same_day = instant.astimezone(reader.zone).date() == instant.astimezone(partner.zone).date()
    theirs = local_time(instant, partner, with_date=not same_day)
    return f"{own} — for {partner.first_name}: {theirs}"
