"""Availability updates: new working hours or a new place, as a proposed roster change (en/de/fr/es/pt).

"I now work 08:00–16:00 Mon–Thu" -> hours ``["Mon-Thu 08:00-16:00"]`` (the roster's syntax);
"I've moved to Singapore" -> timezone ``"Asia/Singapore"``. Nothing is applied here: the runner
asks the sender to confirm and tells the administrators. Hours without days, or a place that spans
several zones ("the US"), come with a clarifying question instead of a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.domain.model import WEEKDAYS
from agent.understanding.places import zone_of_place
from agent.understanding.when_words import WEEKDAY_BY_NAME

_SIGNAL = re.compile(
    r"\b(i now work|i'?m now working|i work now|now i work|my new (hours|working hours|schedule|time ?zone)|"
    r"my (working )?hours (are|will be) now|(new|changed) (working )?hours|i'?ve (moved|relocated)|i have (moved|relocated)|"
    r"i (moved|relocated)|i'?m (now )?(based|living) in|i now live|moving to|relocating to|from now on i|"
    r"ich arbeite (jetzt|ab sofort|nun|neu)|meine (neuen )?arbeitszeiten|neue arbeitszeiten|bin .{0,30}umgezogen|"
    r"ziehe .{0,30}um|wohne (jetzt|nun) in|je travaille (d[ée]sormais|maintenant)|mes (nouveaux )?horaires|"
    r"bin .{0,30}gezogen|sind .{0,30}gezogen|nouveaux horaires|j'ai d[ée]m[ée]nag[ée]|je d[ée]m[ée]nage|je suis (d[ée]sormais|maintenant) (bas[ée]e? )?[àa]|"
    r"j'habite (d[ée]sormais|maintenant)|ahora trabajo|mi (nuevo )?horario|nuevo horario|me (he )?mud(ado|[ée])|"
    r"ahora vivo en|me traslad[ée]|agora trabalho|meu (novo )?hor[áa]rio|novo hor[áa]rio|(me )?mudei|agora moro|"
    r"estou morando em|vou me mudar)", re.I)
_DAY = r"(?:" + "|".join(sorted((re.escape(d) for d in WEEKDAY_BY_NAME), key=len, reverse=True)) + \
    r"|mo|di|mi|do|fr|sa|so|lu|ma|me|je|ve|seg|ter|qua|qui|sex|sáb|dom)\.?"
_SHORT = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6, "lu": 0, "ma": 1, "me": 2, "je": 3, "ve": 4,
          "seg": 0, "ter": 1, "qua": 2, "qui": 3, "sex": 4, "sáb": 5, "dom": 6}
_DAY_RANGE = re.compile(
    r"(?<![\w-])(?:from |von |du |de |del |da )?(" + _DAY + r")s?\s*(?:-|–|—|to|through|thru|till|until|bis|au|à|a|al|até)\s*("
    + _DAY + r")s?(?![\w-])", re.I)
_DAY_LIST = re.compile(r"(?<![\w-])(" + _DAY + r")s?((?:\s*(?:,|and|und|et|y|e|&)\s*(?:" + _DAY + r")s?)+)(?![\w-])", re.I)
_TIME_RANGE = re.compile(
    r"(?<![\d:])(?:from |von |de |das |des |dalle )?(\d{1,2})(?:[:h.](\d{2}))?\s*(am|pm|h|uhr)?\s*"
    r"(?:-|–|—|to|until|till|bis|à|a|às|as|alle)\s*(\d{1,2})(?:[:h.](\d{2}))?\s*(am|pm|h|uhr|horas)?(?![\d:])", re.I)
_PLACE_DE = re.compile(r"\bnach ([A-ZÄÖÜ][\w'-]+(?: [A-Z][\w'-]+)?) (?:umgezogen|gezogen)")
_PLACE = re.compile(
    r"\b(?:()moved to|relocated to|moving to|relocating to|(?:based|living|live) in|umgezogen nach|ziehe nach|"
    r"wohne (?:jetzt |nun )?in|"
    r"d[ée]m[ée]nag[ée]e? (?:[àa]|en|au|aux)|d[ée]m[ée]nage (?:[àa]|en|au)|(?:suis|habite) (?:d[ée]sormais |maintenant )?(?:[àa]|en|au)|"
    r"mud(?:ado|[ée]|ei)(?:-me)? (?:a|para|pra)|vivo en|moro em|morando em|traslad[ée] a|me mudar para)"
    r"\s+(?:the |la |le |l'|a |o )?([A-ZÄÖÜÉÁÍÓÚ][\w'.-]+(?:[ -](?:[A-ZÄÖÜÉÁÍÓÚ][\w'-]+|de|do|da|del|di)){0,3})")
_IANA = re.compile(r"\b((?:Europe|America|Asia|Africa|Australia|Pacific|Atlantic|Indian)/[A-Za-z_]+(?:/[A-Za-z_]+)?)\b")


@dataclass(frozen=True)
class AvailabilityUpdate:
    """A proposed roster change: ``hours`` entries in the roster's syntax and/or an IANA ``timezone``."""

    hours: tuple[str, ...] = ()
    timezone: str | None = None
    text: str = ""
    clarify: str | None = None


def availability_signal(text: str) -> bool:
    return _SIGNAL.search(text[:3000]) is not None


def _day_index(word: str) -> int | None:
    w = word.lower().rstrip(".")
    return WEEKDAY_BY_NAME.get(w, _SHORT.get(w))


def _clock(h: str, m: str | None, mark: str | None, other_mark: str | None) -> int | None:
    hour, minute = int(h), int(m) if m else 0
    mark = (mark or other_mark or "").lower()
    if mark == "pm" and hour < 12:
        hour += 12
    if mark == "am" and hour == 12:
        hour = 0
    return hour * 60 + minute if hour <= 24 and minute < 60 else None


def _window(m: re.Match) -> tuple[int, int] | None:
    start = _clock(m.group(1), m.group(2), m.group(3) if m.group(3) in ("am", "pm") else None, None)
    end = _clock(m.group(4), m.group(5), m.group(6) if (m.group(6) or "").lower() in ("am", "pm") else None, None)
    if start is None or end is None:
        return None
    if end <= start and end <= 12 * 60 and not m.group(6):
        end += 12 * 60  # "8-4": eight to four in the afternoon
    if not (0 <= start < end <= 24 * 60) or end - start < 60:
        return None
    return start, end


def _days_of(segment: str) -> str | None:
    if m := _DAY_RANGE.search(segment):
        a, b = _day_index(m.group(1)), _day_index(m.group(2))
        if a is not None and b is not None:
            return f"{WEEKDAYS[a]}-{WEEKDAYS[b]}"
    if m := _DAY_LIST.search(segment):
        names = re.findall(_DAY, m.group(0), re.I)
        idx = [i for i in (_day_index(n) for n in names) if i is not None]
        if len(idx) >= 2:
            return ",".join(WEEKDAYS[i] for i in dict.fromkeys(idx))
    return None


def find_availability(text: str) -> AvailabilityUpdate | None:
    """The proposed hours and zone in ``text``, or None when it proposes neither."""
    head = text[:3000]
    if not availability_signal(head):
        return None
    hours: list[str] = []
    phrases: list[str] = []
    clarify = None
    for sentence in re.split(r"(?<=[.!?;])\s+|\n", head):
        for m in _TIME_RANGE.finditer(sentence):
            window = _window(m)
            if window is None:
                continue
            days = _days_of(sentence)
            span = f"{window[0] // 60:02d}:{window[0] % 60:02d}-{window[1] // 60:02d}:{window[1] % 60:02d}"
            if days is None:
                clarify = clarify or f"Which days do the hours {span} apply to?"
                continue
            hours.append(f"{days} {span}")
            phrases.append(sentence.strip()[:120])
    zone, zclarify = _zone(head)
    if zone:
        phrases.append(zone)
    if not hours and not zone and not (clarify or zclarify):
        return None
    return AvailabilityUpdate(tuple(dict.fromkeys(hours)), zone, " | ".join(dict.fromkeys(phrases)),
                              None if (hours or zone) and not zclarify else (zclarify or clarify))


def _zone(text: str) -> tuple[str | None, str | None]:
    if m := _IANA.search(text):
        return m.group(1), None
    for m in [*_PLACE_DE.finditer(text), *_PLACE.finditer(text)]:
        place = m.group(1) or m.group(2)
        words = place.split()
        for n in range(len(words), 0, -1):  # "Singapore last week" -> "Singapore"
            found = zone_of_place(" ".join(words[:n]))
            if found:
                return found, None
            if found == "":
                return None, f"{' '.join(words[:n])} has several time zones; which city are you in?"
    return None, None
