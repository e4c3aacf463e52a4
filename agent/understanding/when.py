"""Times people write in scheduling mail ("Thursday 3pm my time", "15h CET", "morgen um 10 Uhr")
resolved in the writer's own zone, or marked ambiguous with the question to ask.

The policy is "never a guess": a time is resolved only when the day, the hour and the zone are each
unambiguous. These stay ambiguous and produce a clarifying question instead:

* a day without an hour ("Thursday"), an hour without a day ("at 4pm instead?"), a part of the day
  without an hour ("tomorrow morning");
* an hour that could be morning or afternoon ("at 3", "3:00" without am/pm or a 24-hour mark);
  hours 7:00-12:59 written with minutes, and any hour from 13, are read as written;
* "next Thursday" when the coming Thursday is still in the same week (it may mean either);
* several different times offered, a weekday that does not match the date beside it, an
  abbreviation that names several zones (IST, CST), "your time" when the partner's zone is unknown,
  no zone at all when the writer's zone is unknown, a time that has passed or does not exist (DST gap);
* "same time next week" when the next meeting is not known.

Times the writer says they cannot make ("I can't do Thursday 3pm") are not candidates. Pure: the
reference instant and the zones are arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.understanding import when_words as W
from agent.understanding.when_specs import _days, _Spec, _times, _zone


@dataclass(frozen=True)
class When:
    """What a scheduling message says about when: the phrase, and a resolution or a question."""

    text: str = ""
    resolved: datetime | None = None  # aware, in ``zone``
    zone: str | None = None
    day: date | None = None  # a day named without (or before) a time
    ambiguous: bool = False
    clarify: str | None = None
    has_time: bool = False  # an hour was named (even an ambiguous one)


def _fmt(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B}"


_BOUNDARY = re.compile(r"[.?!](?=\s+[A-ZÀ-Ý¿¡])|[?!]|\n")


def _sentence_of(text: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.end() <= pos:
            start = m.end()
        else:
            return start, m.start()
    return start, len(text)


def _day_date(spec: _Spec, today: date, text: str) -> tuple[date | None, str | None]:
    value = spec.value
    if value is None:
        return None, f'Do you mean "{spec.text}" as day/month or month/day?'
    if isinstance(value, date):
        return value, None
    if isinstance(value, tuple) and isinstance(value[0], date):
        d, wd = value
        return (d, None) if d.weekday() == wd else (None, f'{_fmt(d)} is not a {spec.text.split()[0]}; which day do you mean?')
    _, wd, nxt = value
    delta = (wd - today.weekday()) % 7
    s, e = _sentence_of(text, spec.start)
    if not nxt and W.NEXT_WEEK.search(text[s:e]):
        return today + timedelta(7 - today.weekday() + wd), None
    if delta == 0:
        return (today + timedelta(7), None) if nxt else (None, f"Do you mean today or {_fmt(today + timedelta(7))}?")
    d = today + timedelta(delta)
    if nxt and wd > today.weekday():
        return None, f"Do you mean {_fmt(d)} or {_fmt(d + timedelta(7))}?"
    return d, None


def _pair_day(t: _Spec, days: list[_Spec], text: str) -> _Spec | None:
    s, e = _sentence_of(text, t.start)
    near = [d for d in days if s <= d.start < e and (d.end <= t.start + 1 or d.start - t.end <= 40)]
    if near:
        return min(near, key=lambda d: abs(d.start - t.start))
    return days[0] if len(days) == 1 else None


def _instant(d: date, hm: tuple[int, int], zone: str, ref: datetime) -> tuple[datetime | None, str | None]:
    tz = ZoneInfo(zone)
    dt = datetime.combine(d, time(*hm), tz)
    back = dt.astimezone(ZoneInfo("UTC")).astimezone(tz)
    label = f"{_fmt(d)} at {hm[0]:02d}:{hm[1]:02d}"
    if back.replace(tzinfo=None) != dt.replace(tzinfo=None):
        return None, f"{label} does not exist in {zone} (the clocks change); which time do you mean?"
    if dt.replace(fold=1).utcoffset() != dt.utcoffset():
        return None, f"{label} happens twice in {zone} (the clocks change); which one do you mean?"
    if dt <= ref:
        return None, f"{label} has already passed; which day do you mean?"
    return dt, None


def find_when(text: str, *, ref: datetime, zone: str | None = None, partner_zone: str | None = None,
              next_meeting: datetime | None = None, need_time: bool = True) -> When:
    """What ``text`` says about when, resolved in ``zone`` (the writer's IANA zone) relative to ``ref``
    (an aware instant: when the mail was written). ``need_time`` is False for requests that only name a
    day or a meeting (skip, resume). See the module docstring for what stays ambiguous."""
    text = text[:3000]
    local_ref = ref.astimezone(ZoneInfo(zone)) if zone else ref
    today = local_ref.date()
    all_days = _days(text, today)
    days = [d for d in all_days if not d.old]
    times = [t for t in _times(text, all_days) if not t.old]
    phrase = " ".join(s.text for s in sorted(days + times, key=lambda s: s.start))
    if not need_time:  # the day of the meeting to skip is the one the writer "can't make"
        return _day_only(all_days, today, text, " ".join(d.text for d in all_days))
    if W.SAME_TIME.search(text) and (W.NEXT_WEEK.search(text) or not times):
        return _same_time(text, next_meeting, zone)
    if not times:
        pod = W.PART_OF_DAY.search(text)
        where = " ".join(x for x in (days[0].text if days else "", pod.group(0) if pod else "") if x)
        question = f'What time {where} would suit you?' if where else "Which day and time would suit you?"
        return When(phrase or (pod.group(0) if pod else ""), ambiguous=True, clarify=question.replace("  ", " "))
    zone_used, zone_phrase, zone_problem = _zone(text, zone, partner_zone)
    phrase = (phrase + " " + zone_phrase).strip()
    found: dict[datetime, str] = {}
    for t in times:
        if t.value is None:
            return When(phrase, ambiguous=True, has_time=True,
                        clarify=f"Do you mean {t.text} in the morning or in the afternoon?")
        day = _pair_day(t, days, text)
        if day is None:
            return When(phrase, ambiguous=True, has_time=True, clarify=f"On which day would {t.text} suit you?")
        d, problem = _day_date(day, today, text)
        if problem or zone_problem:
            return When(phrase, ambiguous=True, has_time=True, clarify=problem or zone_problem)
        dt, problem = _instant(d, t.value, zone_used, ref)
        if problem:
            return When(phrase, ambiguous=True, has_time=True, clarify=problem)
        found[dt] = f"{_fmt(d)} at {dt:%H:%M}"
    if len(found) > 1:
        return When(phrase, ambiguous=True, has_time=True,
                    clarify="Which would you prefer: " + " or ".join(found.values()) + "?")
    dt = next(iter(found))
    return When(phrase, resolved=dt, zone=zone_used, day=dt.date(), has_time=True)


def _day_only(days: list[_Spec], today: date, text: str, phrase: str) -> When:
    dates: dict[date, None] = {}
    for spec in days:
        d, problem = _day_date(spec, today, text)
        if problem:
            return When(phrase, ambiguous=True, clarify=problem)
        dates[d] = None
    if len(dates) > 1:
        return When(phrase, ambiguous=True,
                    clarify="Which meeting do you mean: " + " or ".join(_fmt(d) for d in dates) + "?")
    week = W.NEXT_WEEK.search(text) or W.THIS_WEEK.search(text)
    return When(phrase or (week.group(0) if week else ""), day=next(iter(dates), None))


def _same_time(text: str, next_meeting: datetime | None, zone: str | None) -> When:
    phrase = W.SAME_TIME.search(text).group(0) + (" " + m.group(0) if (m := W.NEXT_WEEK.search(text)) else "")
    if next_meeting is None:
        return When(phrase, ambiguous=True, has_time=True, clarify="Which meeting should move to the same time next week?")
    tz = ZoneInfo(zone) if zone else next_meeting.tzinfo
    local = next_meeting.astimezone(tz)
    moved = datetime.combine(local.date() + timedelta(7), local.time().replace(tzinfo=None), tz)
    return When(phrase, resolved=moved, zone=zone or str(tz), day=moved.date(), has_time=True)
