"""Finding day, hour and zone phrases in scheduling mail (used by ``when.py``, which resolves them).

Each finder returns ``_Spec`` values with their position, so that ``when.py`` can pair an hour with
the nearest day in the same sentence and leave out times the writer gives up ("I can't do 3pm").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from agent.understanding import when_words as W
from agent.understanding.dates import MONTH_BY_NAME, _MONTH_RE
from agent.understanding.places import zone_of_place


@dataclass(frozen=True)
class _Spec:
    start: int
    end: int
    text: str
    value: object  # date | ("weekday", wd, next?) | ("same",) | (h, m) | None (ambiguous hour)
    old: bool = False
    note: str = ""


_SHORT_DAYS = {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
_DAY_RE = re.compile(
    r"(?<![\w-])(?:(" + W.NEXT_BEFORE + r"|" + W.THIS_BEFORE + r")\s+)?(" + W.WEEKDAY_RE + r")(?![\w-])(?:'s)?"
    r"(?:\s+(" + W.NEXT_AFTER + r"))?", re.IGNORECASE)
_REL_RE = re.compile(r"(?<![\w-])(" + W.RELATIVE_RE + r")(?![\w-])", re.IGNORECASE)
_DATE_RES = (
    re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
    re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?(?![\d:])"),
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er|º)?\.?\s*(?:de\s+)?(" + _MONTH_RE + r")\b\.?", re.IGNORECASE),
    re.compile(r"\b(" + _MONTH_RE + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!:)", re.IGNORECASE),
    re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])"),
    re.compile(r"\b(?:the (\d{1,2})(?:st|nd|rd|th)|am (\d{1,2})\.|le (\d{1,2})(?:er)?|el (\d{1,2})|dia (\d{1,2})|"
               r"il (\d{1,2}))\b(?![:h.]\d|\s*(?:h|uhr|heures?|horas?)\b)", re.IGNORECASE),
)
_TIME_RES = (
    ("ampm", re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?!\w)", re.IGNORECASE)),
    ("h24", re.compile(r"\b(\d{1,2})(?:[:h.](\d{2}))?\s*(?:h|uhr|heures?|horas?|hrs|uur)(?!\w)", re.IGNORECASE)),
    ("hm", re.compile(r"\b(\d{1,2})[:h](\d{2})\b(?!\s*(?:am|pm|a\.m|p\.m))", re.IGNORECASE)),
    ("bare", re.compile(r"\b(?:at|um|à|a las|a la|às|as|alle|om|gegen|vers|around|por volta das|sobre las)\s+"
                        r"(\d{1,2})\b(?![:.h]\d|\s*(?:am|pm|a\.m|p\.m|uhr|h\b|heures?|horas?|uur|%|weeks?|days?))",
                        re.IGNORECASE)),
)


def _overlaps(spans: list[_Spec], start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


_TAKEN = re.compile(r"^\S*\s*(?:slot\s+|meeting\s+|call\s+)?(?:got|is|was|has been|just got) (?:taken|booked|blocked|moved)|"
                    r"^\S*\s*(?:doesn'?t|does not|won'?t) work|^\S*\s*(?:klappt|geht) (?:leider )?nicht|"
                    r"^\S*\s*ne (?:marche|convient) pas|^\S*\s*no me (?:va|viene)|^\S*\s*n[ãa]o (?:d[áa]|serve)", re.I)
_POSSESSIVE = re.compile(r"\b(?:my|our|mein(?:en)?|unser(?:en)?|mon|notre|mi|nuestr[ao]|meu|nosso|minha)\s+$", re.I)


def _is_old(text: str, start: int, end: int | None = None) -> bool:
    """A time the writer gives up: after "can't", "instead of", before "got taken", or "my 11am"."""
    if end is not None and (_TAKEN.match(text[end: end + 40]) or _POSSESSIVE.search(text[max(0, start - 12): start])):
        return True
    before = text[max(0, start - 60): start]
    before = re.split(r"[.?!\n;]|\b(?:but|aber|mais|pero|mas|instead|stattdessen|plutôt|mejor|maybe|vielleicht|"
                      r"how about|what about|could we|can we|can you do|would|wie wäre|ginge|geht|est-ce que|"
                      r"on peut|podemos|pode ser|podemos fazer)\b", before, flags=re.I)[-1]
    return W.OLD_MARKERS.search(before) is not None


def _days(text: str, ref: date) -> list[_Spec]:
    found: list[_Spec] = []
    for rx in _DATE_RES:
        for m in rx.finditer(text):
            if _overlaps(found, m.start(), m.end()):
                continue
            value = _explicit_date(rx, m, ref)
            if value is not False:
                found.append(_Spec(m.start(), m.end(), m.group(0), value, _is_old(text, m.start())))
    for m in _REL_RE.finditer(text):
        word = m.group(1).lower()
        before = text[max(0, m.start() - 9): m.start()].lower()
        if word == "morgen" and re.search(r"\b(am|guten|jeden|den)\s*$", before):
            continue  # "am Morgen": the morning, not tomorrow
        if word == "mañana" and re.search(r"\b(la|esta|cada)\s*$", before):
            continue  # "por la mañana": the morning
        if not _overlaps(found, m.start(), m.end()):
            found.append(_Spec(m.start(), m.end(), m.group(0), ref + timedelta(W.RELATIVE_DAYS.get(word, 0)),
                               _is_old(text, m.start())))
    for m in _DAY_RE.finditer(text):
        name = m.group(2)
        if name.lower() in _SHORT_DAYS and name[0].islower():
            continue  # "sat", "sun", "wed" in running text are not days
        if _overlaps(found, m.start(2), m.end(2)):
            found = [s if not (s.start <= m.end() and m.start() <= s.end and isinstance(s.value, date))
                     else _Spec(s.start, s.end, s.text, (s.value, W.WEEKDAY_BY_NAME[name.lower()]), s.old) for s in found]
            continue
        nxt = bool(m.group(3)) or bool(m.group(1) and re.match(W.NEXT_BEFORE, m.group(1), re.I))
        found.append(_Spec(m.start(), m.end(), m.group(0), ("weekday", W.WEEKDAY_BY_NAME[name.lower()], nxt),
                           _is_old(text, m.start())))
    return _merge_weekday_dates(sorted(found, key=lambda s: s.start), text)


def _merge_weekday_dates(found: list[_Spec], text: str) -> list[_Spec]:
    """"Friday 15 January", "15.01. (Freitag)": one day, checked for agreement."""
    out: list[_Spec] = []
    for spec in found:
        prev = out[-1] if out else None
        if prev is not None and re.fullmatch(r"[\s,(]{0,3}", text[prev.end: spec.start]):
            pair = (prev.value, spec.value)
            if isinstance(pair[0], tuple) and pair[0][0] == "weekday" and isinstance(pair[1], date):
                out[-1] = _Spec(prev.start, spec.end, text[prev.start: spec.end], (pair[1], pair[0][1]), prev.old)
                continue
            if isinstance(pair[0], date) and isinstance(pair[1], tuple) and pair[1][0] == "weekday":
                out[-1] = _Spec(prev.start, spec.end, text[prev.start: spec.end], (pair[0], pair[1][1]), prev.old)
                continue
        out.append(spec)
    return out


def _explicit_date(rx: re.Pattern, m: re.Match, ref: date) -> object:
    g = m.groups()
    try:
        if rx is _DATE_RES[0]:
            return date(int(g[0]), int(g[1]), int(g[2]))
        if rx is _DATE_RES[1]:
            return _next_date(int(g[0]), int(g[1]), g[2], ref)
        if rx is _DATE_RES[2]:
            return _next_date(int(g[0]), MONTH_BY_NAME[g[1].lower()], None, ref)
        if rx is _DATE_RES[3]:
            if len(g[0]) <= 3 and g[0][0].islower():
                return False  # "mar", "may" in running text
            return _next_date(int(g[1]), MONTH_BY_NAME[g[0].lower()], None, ref)
        if rx is _DATE_RES[5]:
            return _day_of_month(int(next(x for x in g if x)), ref)
        a, b = int(g[0]), int(g[1])
        if a <= 12 and b <= 12 and a != b:
            return None  # 3/4: March 4 or 3 April
        return _next_date(max(a, b) if min(a, b) <= 12 else a, min(a, b), None, ref) if max(a, b) <= 31 else False
    except (ValueError, KeyError):
        return False


def _day_of_month(day: int, ref: date) -> date:
    """"the 20th": the next 20th on or after ``ref``."""
    year, month = ref.year, ref.month
    for _ in range(3):
        try:
            found = date(year, month, day)
            if found >= ref:
                return found
        except ValueError:
            pass
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise ValueError(day)


def _next_date(day: int, month: int, year: str | None, ref: date) -> date:
    if year:
        y = int(year)
        return date(y + 2000 if y < 100 else y, month, day)
    found = date(ref.year, month, day)
    return found if found >= ref else date(ref.year + 1, month, day)


def _times(text: str, taken: list[_Spec]) -> list[_Spec]:
    found: list[_Spec] = []
    for kind, rx in _TIME_RES:
        for m in rx.finditer(text):
            if _overlaps(found + taken, m.start(), m.end()):
                continue
            after = text[m.end(): m.end() + 30]
            value = _hour(kind, m, after)
            note = "" if value is not None else f"{m.group(0).strip()} could be morning or afternoon"
            found.append(_Spec(m.start(), m.end(), m.group(0).strip(), value, _is_old(text, m.start(), m.end()), note))
    for m in W.NOON.finditer(text):
        if not _overlaps(found + taken, m.start(), m.end()):
            found.append(_Spec(m.start(), m.end(), m.group(0), (12, 0), _is_old(text, m.start())))
    return sorted(found, key=lambda s: s.start)


def _hour(kind: str, m: re.Match, after: str) -> tuple[int, int] | None:
    h = int(m.group(1))
    minute = int(m.group(2)) if kind != "bare" and m.group(2) else 0
    if h > 23 or minute > 59:
        return None
    if kind == "ampm":
        if h == 0 or h > 12:
            return None
        pm = m.group(3).lower().startswith("p")
        return (h % 12 + (12 if pm else 0), minute)
    if W.AFTERNOON.match(after) and h < 12:
        return (h + 12, minute)
    if W.MORNING.match(after) or kind == "h24" or h >= 13 or h == 0 or (kind == "hm" and h >= 7):
        return (h, minute)
    return None


def _zone(text: str, zone: str | None, partner_zone: str | None) -> tuple[str | None, str, str | None]:
    """(zone, phrase, problem) for the zone the text's times are in."""
    named: list[tuple[str | None, str]] = []
    for m in W.ZONE_RE.finditer(text):
        word = m.group(1)
        if len(word) <= 4 and not word.isupper():
            continue
        named.append((W.ZONE_ABBREVIATIONS[word.lower()] or None, m.group(0)))
    for m in W.CITY_TIME.finditer(text):
        city = next(g for g in m.groups() if g)
        if city.lower() in ("my", "your", "local", "same", "the", "that", "this", "any", "what", "which", "summer",
                            "winter", "standard", "daylight", "lunch", "free", "some", "meeting"):
            continue
        found = zone_of_place(city)
        if found:
            named.append((found, m.group(0)))
    if W.MY_TIME.search(text):
        named.append((zone, W.MY_TIME.search(text).group(0)))
    if W.YOUR_TIME.search(text):
        named.append((partner_zone, W.YOUR_TIME.search(text).group(0)))
    if not named:
        return zone, "", None if zone else "Which time zone is that in?"
    phrase = named[0][1]
    values = {z for z, _ in named}
    if None in values:
        return None, phrase, f'Which time zone do you mean by "{phrase}"?'
    if len(values) > 1:
        return None, phrase, "Which time zone do you mean: " + " or ".join(p for _, p in named) + "?"
    return named[0][0], phrase, None
