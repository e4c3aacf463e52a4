"""Turn what someone asks for into a change to confirm, a question, or alternatives. Nothing moves here.

The same planners serve a participant's email (through ``from_request``) and an administrator's
command line. Each result is one of:

- ``Change``: exactly what will happen (instants in UTC, ISO strings in ``payload``), checked against
  both people's hours, holidays and busy times (``scheduling.fit``);
- ``Question``: the request is ambiguous (no date, two readings, a time already past, no meeting
  where one is named) -- never a guess;
- ``NoFit``: the wanted time does not suit both people; up to three times that do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from agent.flows.context import CONFIRM_DAYS, Ctx, iso
from agent.scheduling.fit import alternatives, meeting_fits
from agent.store import series_repo

CADENCES = {"weekly": 1, "every week": 1, "every 2 weeks": 2, "every 3 weeks": 3, "every 4 weeks": 4}
_NEXT = re.compile(r"\b(next|this|upcoming|coming|n[äa]chste[nms]?|diese[nms]?|prochaine?|cette|ce|"
                   r"pr[óo]xim[ao]|est[ae])\b", re.I)


@dataclass(frozen=True)
class Change:
    kind: str  # reschedule | skip | pause | resume | cadence | end | availability
    payload: dict
    expires_at: datetime
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    text: str


@dataclass(frozen=True)
class NoFit:
    proposed: datetime
    reasons: tuple[str, ...]
    alternatives: list[datetime] = field(default_factory=list)


Plan = Change | Question | NoFit


def _expiry(ctx: Ctx, *starts: datetime) -> datetime:
    return min([ctx.now + timedelta(days=CONFIRM_DAYS), *starts])


def reschedule(ctx: Ctx, new: datetime, *, old: datetime | None = None) -> Plan:
    """Move one meeting (``old``, else the upcoming one nearest to ``new``) to ``new``."""
    upcoming = ctx.upcoming()
    if not upcoming:
        return Question("There is no upcoming meeting to move.")
    if old is not None:
        meeting = next((m for m in upcoming if m.starts_at == old), None)
        if meeting is None:
            return Question(f"There is no meeting at {old:%Y-%m-%d %H:%M} UTC to move.")
    else:
        meeting = min(upcoming, key=lambda m: abs(m.starts_at - new))
    if new <= ctx.now:
        return Question("That time has already passed. Which day and time would suit you?")
    minutes = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    busy = ctx.busy(exclude=meeting.starts_at)
    if new < ctx.notice:
        return NoFit(new, ("that is sooner than the program's minimum notice",),
                     alternatives(new, minutes, ctx.people, not_before=ctx.notice, busy=busy))
    fit = meeting_fits(new, minutes, ctx.people, busy=busy)
    if not fit.ok:
        return NoFit(new, fit.reasons, alternatives(new, minutes, ctx.people, not_before=ctx.notice, busy=busy))
    return Change("reschedule", dict(occurrence_id=meeting.id, series_uid=meeting.series_uid,
                                     old=iso(meeting.starts_at), new=iso(new), minutes=minutes),
                  _expiry(ctx, meeting.starts_at, new), fit.reasons)


def skip(ctx: Ctx, day: date | None, zone: str, *, next_named: bool = False) -> Plan:
    """Cancel the meeting on ``day`` (in ``zone``), or the next one when the writer said "next"."""
    upcoming = ctx.upcoming()
    if not upcoming:
        return Question("There is no upcoming meeting to cancel.")
    if day is None:
        if not next_named:
            return Question("Which meeting should be skipped? Please name its date.")
        meeting = upcoming[0]
    else:
        tz = ZoneInfo(zone)
        meeting = next((m for m in upcoming if m.starts_at.astimezone(tz).date() == day), None)
        if meeting is None:
            return Question(f"There is no meeting on {day.isoformat()}. Which meeting should be skipped?")
    return Change("skip", dict(occurrence_id=meeting.id, series_uid=meeting.series_uid, start=iso(meeting.starts_at)),
                  _expiry(ctx, meeting.starts_at))


def pause(ctx: Ctx, until: date, zone: str) -> Plan:
    """Cancel every meeting from now until ``until`` (exclusive: meetings resume that day, in ``zone``)."""
    tz = ZoneInfo(zone)
    if until <= ctx.now.astimezone(tz).date():
        return Question(f"{until.isoformat()} has already passed. Until when should the meetings pause?")
    span = [m for m in ctx.upcoming() if m.starts_at.astimezone(tz).date() < until]
    if not span:
        return Question(f"There are no meetings before {until.isoformat()}, so there is nothing to pause.")
    return Change("pause", dict(until=until.isoformat(), zone=zone, starts=[iso(m.starts_at) for m in span],
                                series=[m.series_uid for m in span]), _expiry(ctx, span[0].starts_at))


def resume(ctx: Ctx) -> Plan:
    """Bring back the future meetings that were cancelled (by a pause or a skip) and still fit both."""
    cancelled = series_repo.cancelled_after(ctx.conn, ctx.pair.key, ctx.notice)
    back = [m for m in cancelled
            if meeting_fits(m.starts_at, _minutes(m), ctx.people, busy=ctx.busy(exclude=None)).ok]
    if not back:
        return Question("There are no paused meetings to bring back.")
    return Change("resume", dict(starts=[iso(m.starts_at) for m in back], series=[m.series_uid for m in back]),
                  _expiry(ctx, back[0].starts_at))


def cadence(ctx: Ctx, value: str | None) -> Plan:
    """From the next meeting on, meet at the same local time every N weeks up to the series' horizon."""
    interval = CADENCES.get((value or "").strip().lower())
    if interval is None:
        return Question("How often would you like to meet: weekly, every 2 weeks or every 4 weeks?")
    upcoming = ctx.upcoming()
    if not upcoming:
        return Question("There are no upcoming meetings whose rhythm could change.")
    first, last = upcoming[0], upcoming[-1]
    series = series_repo.series_row(ctx.conn, first.series_uid)
    zone, step = ZoneInfo(series.tzid), timedelta(weeks=interval)
    local = first.starts_at.astimezone(zone).replace(tzinfo=None)
    starts, skipped, notes = [], [], []
    busy = [b for b in series_repo.busy_around(ctx.conn, ctx.pair.key, ctx.pair.mentor, exclude=None)
            if (b.start, b.end) not in {(m.starts_at, m.ends_at) for m in upcoming}]
    minutes = _minutes(first)
    while (moment := local.replace(tzinfo=zone)) <= last.starts_at or not (starts or skipped):
        fit = meeting_fits(moment, minutes, ctx.people, busy=busy)
        (starts if fit.ok else skipped).append(moment)
        if not fit.ok:
            notes.append(f"{moment.date().isoformat()}: " + "; ".join(fit.reasons))
        local += step
    if not starts:
        return Question("No meeting at the current time fits both of you in that rhythm.")
    return Change("cadence", dict(cadence=f"every {interval} weeks" if interval > 1 else "weekly", interval=interval,
                                  start=iso(first.starts_at), tzid=series.tzid, minutes=minutes,
                                  starts=[iso(s) for s in starts], skipped=[iso(s) for s in skipped]),
                  _expiry(ctx, first.starts_at), tuple(notes))


def end(ctx: Ctx, day: date | None = None, zone: str | None = None) -> Plan:
    """No more meetings from ``day`` (in ``zone``), else from the next meeting on."""
    upcoming = ctx.upcoming()
    if day is not None:
        tz = ZoneInfo(zone or "UTC")
        upcoming = [m for m in upcoming if m.starts_at.astimezone(tz).date() >= day]
    start = upcoming[0].starts_at if upcoming else None
    return Change("end", dict(start=iso(start) if start else None, starts=[iso(m.starts_at) for m in upcoming]),
                  _expiry(ctx, *([start] if start else [])))


def from_request(ctx: Ctx, request, *, zone: str, text: str) -> Plan:
    """The plan for a ``SchedulingRequest`` written in ``zone``; an ambiguous one is a question."""
    if request.ambiguous:
        return Question(request.clarify or "Could you say exactly which day and time you mean?")
    action = request.action
    if action == "reschedule":
        if not request.resolved:
            return Question("Which day and time would suit you? Please write both, for example Thursday 15:00.")
        new = datetime.fromisoformat(request.resolved)
        if new.tzinfo is None:
            new = new.replace(tzinfo=ZoneInfo(request.zone or zone))
        return reschedule(ctx, new)
    if action == "skip":
        day = date.fromisoformat(request.resolved[:10]) if request.resolved else None
        return skip(ctx, day, request.zone or zone, next_named=bool(_NEXT.search(text[:1000])))
    if action == "pause":
        if not request.resolved:
            return Question(request.clarify or "Until when should the meetings pause?")
        return pause(ctx, date.fromisoformat(request.resolved[:10]), request.zone or zone)
    if action == "resume":
        return resume(ctx)
    if action == "cadence":
        return cadence(ctx, request.cadence)
    if action == "end":
        return end(ctx)
    return Question("Could you say what you would like to change?")


def _minutes(occurrence) -> int:
    return int((occurrence.ends_at - occurrence.starts_at).total_seconds() // 60)
