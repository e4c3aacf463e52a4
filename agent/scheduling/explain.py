"""Plain-English explanations: why an occurrence is skipped, when a local time differs, why no slot.

Every exception in a series gets one line naming the date and the reason, so the pair and the
administrator never meet a silent drift or a silently missing meeting.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from agent.domain.model import WEEKDAYS, Participant
from agent.phrases import Day, Phrase
from agent.scheduling.engine import Entry, Kinds, Person
from agent.scheduling.tzminutes import MONDAY0, WEEK, minute_of


def person_summary(who: Participant) -> str:
    """``Katy (America/Los_Angeles, Mon-Fri 09:00-17:00; stretch Mon-Fri 07:00-09:00)``."""
    stretch = f"; stretch {hours_text(who.stretch)}" if who.stretch and not who.stretch.is_empty() else ""
    return f"{who.first_name} ({who.timezone}, {hours_text(who.hours)}{stretch})"


def hours_text(hours) -> str:
    """Weekly hours with runs of identical days folded: ``Mon-Fri 09:00-17:00; Sat 10:00-12:00``."""
    parts, day = [], 0
    while day < 7:
        windows, last = hours.days[day], day
        while windows and last + 1 < 7 and hours.days[last + 1] == windows:
            last += 1
        if windows:
            label = WEEKDAYS[day] if last == day else f"{WEEKDAYS[day]}-{WEEKDAYS[last]}"
            parts.append(f"{label} " + ", ".join(str(w) for w in windows))
        day = last + 1
    return "; ".join(parts) or "no hours"


def clock(moment: datetime, zone) -> str:
    local = moment.astimezone(zone)
    return f"{WEEKDAYS[local.weekday()]} {local:%H:%M}"


def exdate_note(local: datetime, entry: Entry, minute: int, kinds: Kinds, people, anchor: int,
                reference: datetime | None, minutes: int) -> Phrase:
    """``2027-03-23: would be Tue 07:00-07:45 for Katy in America/Los_Angeles, outside Katy's hours (...)``."""
    start = local.astimezone(UTC)
    reasons = []
    if start.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        reasons.append(Phrase("no_such_time", time=f"{local:%H:%M}", zone=str(local.tzinfo)))
    for j, person in enumerate(people):
        if not (entry.hours[j, kinds[j]] >> minute) & 1:
            zone, name = person.who.zone, person.who.first_name
            begin, end = start.astimezone(zone), (start + timedelta(minutes=minutes)).astimezone(zone)
            when = Phrase("clock", day=Day(begin.weekday(), short=True), time=f"{begin:%H:%M}-{end:%H:%M}")
            reasons.append(Phrase("would_be" if kinds[j] == "core" else "would_be_stretch", when=when, name=name,
                                  zone=person.who.timezone, why=_why_moved(start, reference, people[anchor], person)))
    for j, person in enumerate(people):
        if (entry.holiday[j] >> minute) & 1:
            names = _overlapping(person.holidays, start, minutes)
            reasons.append(Phrase("public_holiday", names=" / ".join(names) if names else Phrase("a_holiday"),
                                  name=person.who.first_name, country=person.who.country))
    if (entry.busy >> minute) & 1:
        reasons.append(Phrase("busy_clash"))
    return Phrase("dated", date=f"{local:%Y-%m-%d}", reasons=tuple(reasons or [Phrase("skipped")]))


def _why_moved(start: datetime, reference: datetime | None, anchor: Person, person: Person) -> Phrase | str:
    if reference is None or anchor is person:
        return ""
    moved_anchor = anchor.line.offset(minute_of(start)) != anchor.line.offset(minute_of(reference))
    moved_person = person.line.offset(minute_of(start)) != person.line.offset(minute_of(reference))
    if moved_anchor and not moved_person:
        return Phrase("changed_one", a=anchor.who.timezone, b=person.who.timezone)
    if moved_person and not moved_anchor:
        return Phrase("changed_one", a=person.who.timezone, b=anchor.who.timezone)
    if moved_person and moved_anchor:
        return Phrase("changed_both", a=anchor.who.timezone, b=person.who.timezone)
    return ""


def _overlapping(spans, start: datetime, minutes: int) -> list[str]:
    low = minute_of(start)
    return [name for a, b, name in spans if a < low + minutes and b > low]


def drift_notes(starts: list[datetime], people, anchor: int, usual_from: list[datetime]) -> list[str]:
    """One line per person and unusual local time among ``starts``; "usual" is the most common
    local time over ``usual_from`` (the whole series, so every phase says the same)."""
    notes = []
    for j, person in enumerate(people):
        if j == anchor or person.who.timezone == people[anchor].who.timezone or not starts:
            continue
        usual = _week_minutes(usual_from, person)
        typical = Counter(usual).most_common(1)[0][0] if len(set(usual)) > 1 else usual[0]
        times = usual if starts is usual_from else _week_minutes(starts, person)
        for odd in sorted(set(times) - {typical}, key=times.index):
            days = [start.astimezone(people[anchor].who.zone).date() for start, t in zip(starts, times) if t == odd]
            when = ", ".join(map(str, days)) if len(days) <= 4 else \
                Phrase("date_range", first=days[0], last=days[-1], n=len(days))
            notes.append(Phrase("drift", dates=when, clock=_text(odd), name=person.who.first_name,
                                zone=person.who.timezone, usual=_text(typical), anchor=people[anchor].who.timezone))
    return notes


def _week_minutes(starts: list[datetime], person: Person) -> list[int]:
    """Each start as minutes after Monday 00:00 on the person's clock (cheap to compare)."""
    line = person.line
    return [(u + line.offset(u) - MONDAY0) % WEEK for u in map(minute_of, starts)]


def _text(week_minute: int) -> Phrase:
    day, minute = divmod(week_minute, 1440)
    return Phrase("clock", day=Day(day, short=True), time=f"{minute // 60:02d}:{minute % 60:02d}")


def no_slot_reason(people, minutes: int, dates: int, first, end, *, any_hours: bool, half_hours: bool) -> str:
    """A sentence an administrator can act on."""
    mentee, mentor = (person.who for person in people)
    who = f"{person_summary(mentee)} and {person_summary(mentor)}"
    span = f"between {first} and {end}"
    has_stretch = any(p.who.stretch and not p.who.stretch.is_empty() for p in people)
    hours = "in core or stretch hours" if has_stretch else "in their working hours (no stretch hours are set)"
    if dates == 0:
        return f"No meeting date falls {span}; start the pair later or lengthen the horizon."
    if not any_hours:
        return (
            f"{who} have no {minutes}-minute overlap {hours} on any weekday {span}; add stretch hours for "
            f"the mentee or the mentor, widen their hours, or shorten the meeting."
        )
    if not half_hours:
        return (
            f"{who} share {minutes} minutes {hours} on fewer than half of the dates {span} (their clocks change "
            f"on different dates); add stretch hours for the mentee or the mentor, or shorten the meeting."
        )
    return (
        f"{who} share {minutes} minutes {hours}, but busy times or public holidays block more than half of the "
        f"dates {span} at every such time; free calendar time, adjust busy calendars, or start the pair later."
    )


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

