"""Finding written dates in mail text ("back on 12 January", "zurück am 12.01.2027").

Only full calendar dates are resolved here; a date without a year is the next occurrence on or
after the reference day (the mail's Date header). Relative phrases ("next Friday") are left to the
runner, which knows the people's zones.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_MONTHS = {
    1: "january jan januar janv janvier enero ene janeiro januari gennaio gen",
    2: "february feb februar fevr févr fevrier février febrero febr fevereiro fev februari febbraio",
    3: "march mar märz maerz marz mars marzo março marco maart",
    4: "april apr avril abril abr aprile",
    5: "may mai mayo maio mei maggio mag",
    6: "june jun juni juin junio junho giugno giu",
    7: "july jul juli juillet juil julio julho luglio lug",
    8: "august aug août aout agosto ago augustus",
    9: "september sep sept septembre septiembre setiembre setembro set settembre",
    10: "october oct oktober okt octobre octubre outubro out ottobre ott",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember dez décembre decembre diciembre dic dezembro dicembre",
}
MONTH_BY_NAME = {name: num for num, names in _MONTHS.items() for name in names.split()}
_MONTH_RE = "|".join(sorted((re.escape(n) for n in MONTH_BY_NAME), key=len, reverse=True))

_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\b")
_DAY_MONTH = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th|er|º|°)?\.?\s*(?:de\s+)?(" + _MONTH_RE + r")\b\.?(?:,?\s*(?:de\s+)?(\d{4}))?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    r"\b(" + _MONTH_RE + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?", re.IGNORECASE
)

_RETURN_TRIGGER = re.compile(
    r"(\bback\b|\breturn(ing)?\b|\bzur[üu]ck\b|\bwieder\b|\bab dem\b|\bretour\b|\bvuelta\b|\bregreso\b|"
    r"\bregresar[ée]\b|\bvolta\b|\bvolto\b|\bretorno\b|\bterug\b|\britorno\b|\brientro\b|\brientrer[òo]\b)",
    re.IGNORECASE,
)
_UNTIL_TRIGGER = re.compile(
    r"(\buntil\b|\btill\b|\bthrough\b|\bbis\b|\bjusqu'(au|à)|\bhasta\b|\bat[ée]\b|\btot en met\b|\btot\b|"
    r"\bfino al\b)",
    re.IGNORECASE,
)


def _resolve(day: int, month: int, year: int | None, ref: date | None) -> date | None:
    if year is not None and year < 100:
        year += 2000
    try:
        if year is not None:
            return date(year, month, day)
        if ref is None:
            return None
        found = date(ref.year, month, day)
        return found if found >= ref else date(ref.year + 1, month, day)
    except ValueError:
        return None


def parse_date_at(text: str, ref: date | None) -> date | None:
    """The first full date written in ``text`` (ISO, 12.01.2027, 12 January, January 12th)."""
    text = text[:400]
    candidates = []
    if m := _ISO.search(text):
        candidates.append((m.start(), _resolve(int(m[3]), int(m[2]), int(m[1]), ref)))
    if m := _DAY_MONTH.search(text):
        candidates.append((m.start(), _resolve(int(m[1]), MONTH_BY_NAME[m[2].lower()], _int(m[3]), ref)))
    if m := _MONTH_DAY.search(text):
        candidates.append((m.start(), _resolve(int(m[2]), MONTH_BY_NAME[m[1].lower()], _int(m[3]), ref)))
    if m := _NUMERIC.search(text):
        if not (m[3] is None and m.group(0).count(".") == 0 and "/" not in m.group(0)):
            a, b = int(m[1]), int(m[2])
            day, month = (a, b) if b <= 12 else (b, a)
            if month <= 12 and (m[3] is not None or "." in m.group(0)):
                candidates.append((m.start(), _resolve(day, month, _int(m[3]), ref)))
    found = [c for c in candidates if c[1] is not None]
    return min(found, key=lambda c: c[0])[1] if found else None


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def find_return_date(text: str, sent: datetime | None) -> date | None:
    """The date an auto-reply says its writer is back, resolved against the mail's Date."""
    ref = sent.date() if sent else None
    text = text[:5000]
    for trigger in (_RETURN_TRIGGER, _UNTIL_TRIGGER):  # "back on" beats "away until"
        for m in trigger.finditer(text):
            found = parse_date_at(text[m.end(): m.end() + 80], ref)
            if found is not None:
                return found
    return None
