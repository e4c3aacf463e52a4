"""Show instants to people: always in the reader's own zone and locale, with the partner's time beside it.

Pure functions over aware datetimes; babel does the localisation. The IANA zone name is always
printed, because "17:00" alone is how reminders end up an hour off after a daylight-saving change.
The words around the times ("for Katy") come from ``LABELS`` in the reader's language.

Formatting is memoised on (instant, zone, locale): every template shows a pair's next meetings, and
babel takes tens of microseconds for each date.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from agent.domain.model import Participant

# the date as people of that language write it; babel supplies the day and month names
DATE_PATTERNS = {
    "en": "EEEE d MMMM y",
    "de": "EEEE, d. MMMM y",
    "fr": "EEEE d MMMM y",
    "es": "EEEE, d 'de' MMMM 'de' y",
    "pt": "EEEE, d 'de' MMMM 'de' y",
}
LABELS = {"en": "for {name}:", "de": "für {name}:", "fr": "pour {name}\u00a0:", "es": "para {name}:",
          "pt": "para {name}:"}  # French sets a (non-breaking) space before the colon


@lru_cache(maxsize=256)
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def local_time(instant: datetime, person: Participant, *, with_date: bool = True, locale: str | None = None) -> str:
    """``Thursday 3 December 2026, 17:00 (Europe/Berlin)`` in the person's zone and ``locale`` (theirs by default)."""
    return _local_time(instant, person.timezone, locale or person.locale, with_date)


@lru_cache(maxsize=8192)
def _local_time(instant: datetime, timezone: str, locale: str, with_date: bool) -> str:
    local = instant.astimezone(ZoneInfo(timezone))
    language = _locale(locale)
    clock = format_time(local, "HH:mm", locale=language)
    if not with_date:
        return f"{clock} ({timezone})"
    day = format_date(local, DATE_PATTERNS.get(language.language, DATE_PATTERNS["en"]), locale=language)
    return f"{day}, {clock} ({timezone})"


def dual_time(instant: datetime, reader: Participant, partner: Participant) -> str:
    """The reader's local time, then the partner's (with the date when it differs), in the reader's language.

    ``Thursday 3 December 2026, 17:00 (Europe/Berlin) — for Katy: 08:00 (America/Los_Angeles)``
    ``Donnerstag, 3. Dezember 2026, 17:00 (Europe/Berlin) — für Katy: 08:00 (America/Los_Angeles)``
    """
    own = local_time(instant, reader)
    same_day = instant.astimezone(reader.zone).date() == instant.astimezone(partner.zone).date()
    theirs = local_time(instant, partner, with_date=not same_day, locale=reader.locale)
    label = LABELS.get(_locale(reader.locale).language, LABELS["en"]).format(name=partner.first_name)
    return f"{own} — {label} {theirs}"
