"""Moving or extending a whole series: check every occurrence of the changed series, or find weekly
times that fit all of them. Pure: instants and people in, answers out; "now" is an argument.

Used for an attendee's "propose new time" for the whole series (iTIP COUNTER without RECURRENCE-ID)
and for renewals. The series keeps its zone (``tzid``, the anchor whose wall clock stays fixed) and
its rhythm; each occurrence is placed on the anchor's wall clock and then checked in both people's
own zones with ``fit.meeting_fits`` (hours or stretch hours, public holidays, busy times, midnight),
so every daylight-saving change in either zone is seen on the date it happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.domain.model import Participant, SeriesPlan
from agent.phrases import Phrase
from agent.ports import BusyTime
from agent.scheduling.fit import meeting_fits


@dataclass(frozen=True)
class SeriesCheck:
    """The verdict on a changed series: ``plan`` when every occurrence fits, else the ``problems``
    (one phrase per failing date, the first few only) and how many dates failed."""

    plan: SeriesPlan | None
    problems: tuple[Phrase, ...] = ()
    failing: int = 0

    @property
    def ok(self) -> bool:
        return self.plan is not None


def local_starts(tzid: str, first: date, at: time, *, interval_weeks: int, count: int) -> list[datetime]:
    """``count`` wall-clock starts in ``tzid`` every ``interval_weeks`` weeks from ``first``."""
    zone = ZoneInfo(tzid)
    return [datetime.combine(first + timedelta(weeks=interval_weeks * k), at, tzinfo=zone) for k in range(count)]


def check_series(tzid: str, local: Sequence[datetime], minutes: int, people: Sequence[Participant], *,
                 interval_weeks: int, busy: Sequence[BusyTime] = (), not_before: datetime,
                 shown: int = 3) -> SeriesCheck:
    """Check every local start of a proposed series (see the module docstring)."""
    problems: list[Phrase] = []
    failing = 0
    starts = []
    for moment in local:
        utc = moment.astimezone(UTC)
        reasons: list[Phrase] = []
        if utc.astimezone(moment.tzinfo).replace(tzinfo=None) != moment.replace(tzinfo=None):
            reasons.append(Phrase("no_such_time", time=f"{moment:%H:%M}", zone=tzid))
        elif utc < not_before:
            reasons.append(Phrase("too_soon"))
        else:
            fit = meeting_fits(utc, minutes, people, busy=busy)
            if not fit.ok:
                reasons.extend(fit.reasons)
        if reasons:
            failing += 1
            if len(problems) < shown:
                problems.append(Phrase("dated", date=f"{moment:%Y-%m-%d}", reasons=tuple(reasons)))
        starts.append(utc)
    if failing or not local:
        return SeriesCheck(None, tuple(problems), failing)
    plan = SeriesPlan(tzid=tzid, dtstart=local[0], minutes=minutes, interval_weeks=interval_weeks,
                      count=len(local), occurrences=tuple(starts))
    return SeriesCheck(plan)


def series_alternatives(tzid: str, near: datetime, count: int, minutes: int, people: Sequence[Participant], *,
                        interval_weeks: int, busy: Sequence[BusyTime] = (), not_before: datetime,
                        wanted: int = 3, days: int = 3, step_minutes: int = 15) -> list[datetime]:
    """Up to ``wanted`` first starts of series (same zone, rhythm and length) in which every one of
    the ``count`` occurrences fits both people, closest to ``near`` first, on different weekdays.

    Candidates lie within ``days`` days of ``near`` on a ``step_minutes`` grid; each is checked on
    its first occurrence before the rest, so most fail cheaply.
    """
    zone = ZoneInfo(tzid)
    local_near = near.astimezone(zone)
    candidates = []
    for day in range(-days, days + 1):
        base = datetime.combine(local_near.date() + timedelta(days=day), time(0), tzinfo=zone)
        for minute in range(0, 24 * 60, step_minutes):
            start = base.replace(hour=minute // 60, minute=minute % 60)
            if start.astimezone(UTC) >= not_before:
                candidates.append(start)
    candidates.sort(key=lambda s: (abs(s.astimezone(UTC) - near), s))
    chosen: list[datetime] = []
    for allow_stretch in (False, True):
        for start in candidates:
            if len(chosen) == wanted:
                return sorted(chosen)
            if any(start.weekday() == c.astimezone(zone).weekday() for c in chosen):
                continue
            if not meeting_fits(start.astimezone(UTC), minutes, people, busy=busy, allow_stretch=allow_stretch).ok:
                continue
            local = local_starts(tzid, start.date(), start.timetz().replace(tzinfo=None),
                                 interval_weeks=interval_weeks, count=count)
            if all(_fits(s, minutes, people, busy, allow_stretch) for s in local[1:]):
                chosen.append(start.astimezone(UTC))
    return sorted(chosen)


def _fits(local: datetime, minutes: int, people, busy, allow_stretch: bool) -> bool:
    utc = local.astimezone(UTC)
    if utc.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        return False
    return meeting_fits(utc, minutes, people, busy=busy, allow_stretch=allow_stretch).ok
