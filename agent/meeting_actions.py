"""Rule actions that change meetings: ``book``, ``skip`` and ``propose``.

- ``book``: book the pair now (even before ``book_days_ahead``), if it has no series yet.
- ``skip``: cancel one meeting — the meeting a timed rule is about, else the next one. Both people
  get a METHOD:CANCEL with its RECURRENCE-ID (their calendars remove only that meeting), the
  program's copy gets an EXDATE and a raised SEQUENCE, and the occurrence is marked cancelled.
- ``propose``: send times that fit both people near the next meeting; nothing changes until one of
  them proposes one from their calendar (an iTIP COUNTER, see ``calendar_answers``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from agent.app import App
from agent.calendar.imip import cancel_from_request, with_exdate
from agent.domain.model import Pair
from agent.mail.compose import CalendarPart
from agent.messenger import send_template
from agent.rules.freshness import mark_changed
from agent.rules.model import Rule
from agent.rules.occasions import parse_iso, parse_occasion
from agent.scheduling.fit import alternatives
from agent.store import repo, series_repo


def apply(app: App, conn: Connection, rule: Rule, pair: Pair, *, occasion: str, now: datetime,
          reason: str) -> str:
    """Carry out ``rule.action`` for the pair; returns what was done, for the audit trail."""
    if rule.action == "book":
        from agent.booking import book_pair  # booking fires rules itself, so it is imported late

        row = repo.pair_row(conn, pair.key)
        if row is None or row.status != "new":
            return f"not booked: the pair is {row.status if row else 'not started'}"
        return "booked" if book_pair(app, conn, pair, now) is not None else "not booked"
    meeting = _meeting(conn, pair, occasion, now)
    if meeting is None:
        return f"no meeting to {rule.action}"
    if rule.action == "skip":
        return _skip(app, conn, rule, pair, meeting, occasion=occasion, now=now, reason=reason)
    return _propose(app, conn, rule, pair, meeting, occasion=occasion, now=now, reason=reason)


def _meeting(conn: Connection, pair: Pair, occasion: str, now: datetime):
    """The occurrence a timed rule names ("meeting:<start>"), else the pair's next one."""
    upcoming = [m for m in repo.occurrences_of(conn, pair.key) if m.starts_at > now]
    kind, value, _role = parse_occasion(occasion)
    if kind == "meeting":
        named = parse_iso(value)
        return next((m for m in upcoming if m.starts_at == named), None)
    return upcoming[0] if upcoming else None


def _skip(app, conn, rule, pair, meeting, *, occasion, now, reason) -> str:
    series = series_repo.series_row(conn, meeting.series_uid)
    sequence = series.sequence + 1
    cancel = cancel_from_request(series.ics.encode(), sequence=sequence, dtstamp=now,
                                 recurrence_id=meeting.starts_at)
    stored = with_exdate(series.ics.encode(), meeting.starts_at, sequence)
    series_repo.save_series_object(conn, series.uid, ics=stored, sequence=sequence, now=now)
    series_repo.set_occurrence_status(conn, meeting.id, "cancelled")
    app.calendar.put(series.uid, stored)
    mark_changed(app, pair.key)
    send_template(app, conn, template=rule.template or "meeting_skipped", audience=rule.to or "both", pair=pair,
                  occasion=f"rule:{rule.name}:{pair.key}:{occasion}", now=now, reason=reason, rule=rule.name,
                  extra=dict(skipped=meeting.starts_at, reason=rule.description),
                  calendar=lambda _reader: CalendarPart("CANCEL", cancel))
    return f"skipped the meeting of {meeting.starts_at:%Y-%m-%d %H:%M}Z"


def _propose(app, conn, rule, pair, meeting, *, occasion, now, reason) -> str:
    people = (app.roster.participants[pair.mentee], app.roster.participants[pair.mentor])
    busy = series_repo.busy_around(conn, pair.key, pair.mentor, exclude=meeting.starts_at)
    notice = now + timedelta(hours=app.config.scheduling.min_notice_hours)
    options = alternatives(meeting.starts_at, meeting_minutes(meeting), people, not_before=notice, busy=busy)
    send_template(app, conn, template=rule.template or "meeting_options", audience=rule.to or "both", pair=pair,
                  occasion=f"rule:{rule.name}:{pair.key}:{occasion}", now=now, reason=reason, rule=rule.name,
                  extra=dict(alternatives=options))
    return f"proposed {len(options)} times near the meeting of {meeting.starts_at:%Y-%m-%d}"


def meeting_minutes(meeting) -> int:
    return int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
