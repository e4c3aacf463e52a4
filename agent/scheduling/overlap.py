"""Plan recurring meetings in both people's hours, checked for every occurrence (PRODUCT.md §3).

A series is written as ``DTSTART;TZID=<anchor zone>`` plus a weekly RRULE, so the anchor's wall
clock stays fixed and the other person's local time may move when only one zone changes clocks.
Every candidate (anchor zone, weekday, local start) is checked against both people's hours in
their own zones on every date of the horizon, with public holidays, busy times and the minimum
notice; the bitmask work lives in ``engine``, the choice in ``choose``, the wording in ``explain``.

Pure: no I/O, no clock. ``not_before`` is the caller's "now + minimum notice".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from agent.domain.model import CadencePhase, NoSlot, Pair, Participant, SeriesPlan
from agent.ports import BusyTime
from agent.scheduling import explain
from agent.scheduling.cadence import first_on_weekday, phase_dates, phase_ordinals
from agent.scheduling.choose import Choice, best_partial, choose, levels
from agent.scheduling.engine import Group, Person, Scanner
from agent.scheduling.holidays import holiday_spans
from agent.scheduling.render import describe_slot, slots_json  # noqa: F401  (public API)
from agent.scheduling.tzminutes import DAY, day_start, minute_ceil, minute_of, timeline
from agent.scheduling.weekmask import DAY_BITS, span


def plan_series(first: Participant, second: Participant, *, minutes: int, first_day: date, weeks: int,
                interval_weeks: int = 1, busy: Sequence[BusyTime] = (), accommodate: str = "mentee",
                not_before: datetime | None = None) -> SeriesPlan | NoSlot:
    """One series every ``interval_weeks`` weeks from ``first_day`` (or the first date at or after
    ``not_before``) over ``weeks`` weeks counted from that start. ``first`` is the mentee, ``second`` the mentor;
    ``accommodate`` says who uses stretch hours first: "mentee", "mentor" or "alternate" (either,
    the least inconvenient slot wins)."""
    result = _plan(first, second, (CadencePhase(interval_weeks, None),), minutes, first_day, weeks,
                   busy, accommodate, not_before)
    return result if isinstance(result, NoSlot) else result[0]


def plan_pair(pair: Pair, mentor: Participant, mentee: Participant, *, minutes: int, horizon_weeks: int,
              not_before: datetime, busy: Sequence[BusyTime] = (),
              accommodate: str = "mentee") -> tuple[SeriesPlan, ...] | NoSlot:
    """Every phase of the pair's cadence from ``pair.start`` (or ``not_before``, whichever is later)
    to ``horizon_weeks`` after that start: one weekday and local time for all phases, one
    ``SeriesPlan`` per phase; the open-ended last phase runs to the end of the horizon."""
    return _plan(mentee, mentor, pair.cadence, minutes, pair.start, horizon_weeks, busy, accommodate, not_before)


def _plan(mentee, mentor, phases, minutes, start, weeks, busy, accommodate, not_before):
    _check_arguments(minutes, weeks, phases, not_before)
    who = (mentee, mentor)
    starts = {a: max(start, not_before.astimezone(who[a].zone).date()) if not_before else start for a in (0, 1)}
    first, last = min(starts.values()), max(starts.values()) + timedelta(weeks=weeks)
    lines = [timeline(p.timezone, (first - timedelta(days=7)).year, (last + timedelta(days=7)).year) for p in who]
    anchors = (0,) if mentee.timezone == mentor.timezone else (0, 1)
    people = tuple(
        Person.build(p, line, minutes, holiday_spans(p, line, first - timedelta(days=2), last + timedelta(days=2)))
        for p, line in zip(who, lines)
    )
    scanner = Scanner(people, minutes, (day_start(first) - DAY, day_start(last) + DAY), _merge(busy))
    groups, most = [], 0
    for anchor in anchors:
        end = starts[anchor] + timedelta(weeks=weeks)
        for weekday in range(7):
            day = first_on_weekday(starts[anchor], weekday)
            for begin, allowed in _variants(day, people[anchor], not_before):
                ordinals = phase_ordinals(begin, phases, end)
                most = max(most, len(ordinals) if allowed else 0)
                group = scanner.scan(anchor, weekday, ordinals, allowed) if ordinals and allowed else None
                if group is not None:
                    groups.append(group)
    choice = choose(groups, people, minutes, accommodate) if groups else None
    if choice is None:
        return NoSlot(_no_slot(groups, people, minutes, accommodate, start, weeks, most))
    end = starts[choice.group.anchor] + timedelta(weeks=weeks)
    return _build(choice, people, phases, minutes, end)


def _check_arguments(minutes, weeks, phases, not_before) -> None:
    if not 0 < minutes <= 12 * 60:
        raise ValueError(f"a meeting must last 1 to 720 minutes, not {minutes}")
    if not 0 < weeks <= 520:
        raise ValueError(f"the horizon must be 1 to 520 weeks, not {weeks}")
    if not phases or any(p.interval_weeks < 1 for p in phases):
        raise ValueError("the cadence needs at least one phase with an interval of 1 week or more")
    if not_before is not None and not_before.tzinfo is None:
        raise ValueError("not_before must be an aware datetime")


def _variants(day: date, anchor: Person, not_before: datetime | None):
    """The first date kept (starts at or after ``not_before``), or skipped (starts before it)."""
    if not_before is None:
        return [(day, DAY_BITS)]
    midnight = day_start(day)
    u0 = midnight - anchor.line.offset(midnight - anchor.line.offset(midnight))
    keep = span(max(0, minute_ceil(not_before) - u0), DAY)
    return [(day, keep), (day + timedelta(weeks=1), DAY_BITS & ~keep)]


def _merge(busy: Sequence[BusyTime]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted((minute_of(b.start), minute_ceil(b.end)) for b in busy):
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _build(choice: Choice, people, phases, minutes: int, end: date) -> tuple[SeriesPlan, ...]:
    """One SeriesPlan per phase for the chosen (anchor, weekday, minute), with a note per exception."""
    group, minute = choice.group, choice.minute
    anchor = people[group.anchor]
    at = time(minute // 60, minute % 60)
    dated = phase_dates(date.fromordinal(group.ordinals[0]), phases, end)
    flat = [datetime.combine(d, at, tzinfo=anchor.who.zone) for dates in dated for d in dates]
    utcs = [local.astimezone(UTC) for local in flat]
    valid = [(group.entry_for(i).valid(choice.kinds) >> minute) & 1 == 1 for i in range(len(flat))]
    taking = [u for u, ok in zip(utcs, valid) if ok]
    reference = taking[0] if taking else None
    plans, index = [], 0
    for phase, dates in zip(phases, dated):
        span_ = range(index, index + len(dates))
        occurrences = taking if len(dated) == 1 else [utcs[i] for i in span_ if valid[i]]
        notes = [
            explain.exdate_note(flat[i], group.entry_for(i), minute, choice.kinds, people, group.anchor, reference, minutes)
            for i in span_ if not valid[i]
        ]
        notes += explain.drift_notes(occurrences, people, group.anchor, usual_from=taking)
        plans.append(SeriesPlan(
            tzid=anchor.who.timezone, dtstart=flat[index], minutes=minutes, interval_weeks=phase.interval_weeks,
            count=len(dates), occurrences=tuple(occurrences),
            exdates=tuple(flat[i] for i in span_ if not valid[i]), notes=tuple(notes),
        ))
        index += len(dates)
    return tuple(plans)


def _no_slot(groups: list[Group], people, minutes, accommodate, start, weeks, dates: int) -> str:
    ladder = levels(accommodate, people)
    widest = ladder[-1][1]
    any_hours = any(entry.valid(widest, busy=False, holidays=False) & g.allowed for g in groups for entry in g.entries)
    half = best_partial(groups, people, minutes, ladder, busy=False, holidays=False) is not None
    return explain.no_slot_reason(people, minutes, dates, start, start + timedelta(weeks=weeks),
                                  any_hours=any_hours, half_hours=half)
