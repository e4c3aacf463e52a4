"""Act on calendar answers from the pair (RFC 5546): REPLY, COUNTER ("propose new time"), REFRESH.

- REPLY is recorded per attendee and per occurrence. A decline is answered with three alternative
  times that fit both people, near the declined meeting, in each reader's own zone.
- COUNTER for one occurrence: if the proposed time fits both people (hours, holidays, their other
  meetings, their own busy times from the calendar server: ``agent.busy``), the occurrence moves:
  the series' SEQUENCE is raised and both get a REQUEST for that occurrence (RECURRENCE-ID).
  Otherwise the proposer gets a DECLINECOUNTER with alternatives.
- COUNTER for the whole series (no RECURRENCE-ID): every remaining meeting is placed at the
  proposed weekday and wall-clock time in the series' zone, same rhythm and count, and each one is
  checked in both people's zones (hours, holidays, busy times, the clock changes of both zones).
  All fit: the series moves (a changed-series REQUEST with SEQUENCE + 1 to both, the occurrences
  moved in the store, the calendar copy replaced). Otherwise a DECLINECOUNTER with the dates that
  fail and up to three weekly times that fit every remaining meeting.
- REFRESH re-sends the current invitation to the attendee who asked.

An answer is only taken from the attendee it speaks for, and only for a series of the sender's own
pair: nobody can answer for their partner or touch another pair's meetings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from agent.app import App
from agent.busy import participant_busy
from agent.calendar.imip import declinecounter, occurrence_request, series_update, with_override
from agent.calendar_mail import send_localised
from agent.domain.model import CalendarAnswer, Pair
from agent.errors import MessageRejected
from agent.mail.compose import CalendarPart
from agent.messenger import Thread
from agent.phrases import Phrase
from agent.ports import BusyTime
from agent.rules.freshness import mark_changed
from agent.scheduling.fit import alternatives, meeting_fits
from agent.scheduling.series_move import check_series, local_starts, series_alternatives
from agent.store import calendar_queries, repo, series_repo


def handle_calendar_answer(app: App, conn: Connection, pair: Pair, answer: CalendarAnswer, *, sender: str,
                           occasion: str, thread: Thread, now: datetime) -> str:
    """Record or act on one answer; returns what was done, for the ledger."""
    series = series_repo.series_row(conn, answer.uid)
    if series is None or series.pair_key != pair.key:
        raise MessageRejected(f"calendar answer for UID {answer.uid}, which is no series of this pair")
    if answer.attendee != sender:
        raise MessageRejected(f"{sender} answered for {answer.attendee}; only attendees answer for themselves")
    context = _Context(app, conn, pair, series, answer, occasion, thread, now)
    if answer.method == "REFRESH":
        return context.refresh()
    if answer.method == "COUNTER":
        return context.counter()
    return context.reply()


class _Context:
    def __init__(self, app, conn, pair, series, answer, occasion, thread, now):
        self.app, self.conn, self.pair, self.series, self.answer = app, conn, pair, series, answer
        self.occasion, self.thread, self.now = occasion, thread, now
        roster = app.roster
        self.people = (roster.participants[pair.mentee], roster.participants[pair.mentor])
        self.minutes = series.minutes

    def reply(self) -> str:
        answer = self.answer
        repo.record_attendance(self.conn, series_uid=answer.uid, attendee=answer.attendee,
                               recurrence_at=answer.recurrence_id, partstat=answer.partstat or "NEEDS-ACTION",
                               now=self.now)
        scope = f"the meeting of {answer.recurrence_id:%Y-%m-%d}" if answer.recurrence_id else "the series"
        done = f"{answer.attendee} answered {answer.partstat} for {scope}"
        if answer.partstat != "DECLINED":
            return done
        meeting = answer.recurrence_id or self._next_start()
        if meeting is None:
            return done + "; no meeting left to move"
        options = self._alternatives(meeting, exclude=meeting)
        self._send("calendar_declined", "both", dict(
            decliner=self._person(answer.attendee), declined=meeting, whole_series=answer.recurrence_id is None,
            alternatives=options))
        return done + f"; {len(options)} alternatives offered"

    def counter(self) -> str:
        answer = self.answer
        proposed = answer.proposed_start
        if answer.recurrence_id is None:
            return self.series_counter()
        occurrence = series_repo.occurrence_at(self.conn, answer.uid, answer.recurrence_id)
        if occurrence is None:
            raise MessageRejected(f"the COUNTER names a meeting at {answer.recurrence_id:%Y-%m-%d %H:%M}Z that "
                                  f"this series does not have")
        busy = self._busy(exclude=occurrence.starts_at)
        fit = meeting_fits(proposed, self.minutes, self.people, busy=busy)
        notice = self.now + timedelta(hours=self.app.config.scheduling.min_notice_hours)
        if proposed < notice:
            return self._decline_counter(Phrase("too_soon"), near=proposed)
        if not fit.ok:
            return self._decline_counter(Phrase("dated", date=f"{proposed:%Y-%m-%d}", reasons=fit.reasons),
                                         near=proposed)
        sequence = self.series.sequence + 1
        update = occurrence_request(self.series.ics.encode(), sequence=sequence, dtstamp=self.now,
                                    recurrence_id=answer.recurrence_id, new_start=proposed)
        stored = with_override(self.series.ics.encode(), update, sequence)
        series_repo.save_series_object(self.conn, answer.uid, ics=stored, sequence=sequence, now=self.now)
        series_repo.move_occurrence(self.conn, occurrence.id, proposed, self.minutes)
        mark_changed(self.app, self.pair.key)  # timed rules re-derive this pair's reminders
        self.app.calendar.put(answer.uid, stored)
        self._send("calendar_moved", "both", dict(proposer=self._person(answer.attendee), old=answer.recurrence_id,
                                                  new=proposed, notes=list(fit.reasons)),
                   calendar=CalendarPart("REQUEST", update), occasion=f"{self.occasion}:moved:{sequence}")
        return f"{answer.attendee}'s proposal accepted: the meeting of {answer.recurrence_id:%Y-%m-%d} moves"

    def series_counter(self) -> str:
        """A new weekday and time for every remaining meeting of the series (see the module docstring)."""
        answer, series, conn = self.answer, self.series, self.conn
        proposed = answer.proposed_start
        notice = self.now + timedelta(hours=self.app.config.scheduling.min_notice_hours)
        left = calendar_queries.remaining(conn, answer.uid, notice)
        if not left:
            return self._decline_counter(Phrase("nothing_left"), near=None)
        interval = _interval(series.rrule)
        zone = ZoneInfo(series.tzid)
        local = proposed.astimezone(zone)
        week_of = left[0].starts_at.astimezone(zone).date()
        day = max(week_of + timedelta(days=local.weekday() - week_of.weekday()), local.date())
        while datetime.combine(day, local.time(), tzinfo=zone) < notice:
            day += timedelta(weeks=1)
        starts = local_starts(series.tzid, day, local.time(), interval_weeks=interval, count=len(left))
        busy = participant_busy(self.app, conn, self.pair, starts[0] - timedelta(days=4),
                                starts[-1] + timedelta(days=4), except_series=answer.uid)
        verdict = check_series(series.tzid, starts, self.minutes, self.people, interval_weeks=interval, busy=busy,
                               not_before=notice)
        if not verdict.ok:
            reason = Phrase("series_misfit", failing=verdict.failing, count=len(starts), problems=verdict.problems)
            options = series_alternatives(series.tzid, starts[0], len(starts), self.minutes, self.people,
                                          interval_weeks=interval, busy=busy, not_before=notice)
            return self._decline_counter(reason, near=None, options=options)
        plan = verdict.plan
        sequence = series.sequence + 1
        update = series_update(series.ics.encode(), plan, sequence=sequence, dtstamp=self.now)
        calendar_queries.move_series(conn, answer.uid, left, plan, ics=update, sequence=sequence, now=self.now)
        mark_changed(self.app, self.pair.key)
        self.app.calendar.put(answer.uid, update)
        self._send("calendar_moved", "both", dict(proposer=self._person(answer.attendee), old=left[0].starts_at,
                                                  new=plan.occurrences[0], notes=[],
                                                  series_count=len(plan.occurrences)),
                   calendar=CalendarPart("REQUEST", update), occasion=f"{self.occasion}:series-moved:{sequence}")
        return (f"{answer.attendee}'s proposal accepted: {len(left)} meetings move to "
                f"{plan.dtstart:%A %H:%M} {plan.tzid}")

    def refresh(self) -> str:
        self._send("invitation_refresh", "sender", {}, calendar=CalendarPart("REQUEST", self.series.ics.encode()))
        return f"current invitation re-sent to {self.answer.attendee}"

    def _decline_counter(self, reason: Phrase, *, near: datetime | None, options: list[datetime] | None = None) -> str:
        answer = self.answer
        if options is None:
            options = self._alternatives(near, exclude=answer.recurrence_id) if near else []
        comment = f"This time does not work: {reason.say(self.app.roster.participants[answer.attendee].locale)}."
        ics = declinecounter(self.series.ics.encode(), sequence=self.series.sequence, dtstamp=self.now,
                             attendee=answer.attendee, recurrence_id=answer.recurrence_id, comment=comment)
        self._send("calendar_counter_declined", "sender",
                   dict(reason=reason, proposed=answer.proposed_start, alternatives=options),
                   calendar=CalendarPart("DECLINECOUNTER", ics))
        return f"{answer.attendee}'s proposal declined: {reason}"

    def _alternatives(self, near: datetime, *, exclude: datetime | None) -> list[datetime]:
        notice = self.now + timedelta(hours=self.app.config.scheduling.min_notice_hours)
        return alternatives(near, self.minutes, self.people, not_before=notice, busy=self._busy(exclude=exclude))

    def _busy(self, *, exclude: datetime | None) -> list[BusyTime]:
        """Busy times around this answer: a week and a day either side of the meetings it names (the
        alternatives search looks a week either side), one free/busy question per answer."""
        moments = [m for m in (self.answer.recurrence_id, self.answer.proposed_start, self._next_start()) if m]
        moments = moments or [self.now]
        return participant_busy(self.app, self.conn, self.pair, min(moments) - timedelta(days=8),
                                max(moments) + timedelta(days=8), except_start=exclude)

    def _next_start(self) -> datetime | None:
        row = series_repo.next_occurrence(self.conn, self.answer.uid, self.now)
        return row.starts_at if row else None

    def _person(self, email: str) -> dict:
        person = self.app.roster.participants[email]
        return dict(name=person.name, first_name=person.first_name)

    def _send(self, template: str, audience: str, extra: dict, *, calendar: CalendarPart | None = None,
              occasion: str | None = None) -> None:
        send_localised(self.app, self.conn, template=template, audience=audience, pair=self.pair,
                      occasion=occasion or f"{self.occasion}:{template}", now=self.now,
                      reason=f"calendar {self.answer.method} from {self.answer.attendee}", sender=self.answer.attendee,
                      extra=extra, thread=self.thread, calendar=(lambda _reader: calendar) if calendar else None)


def _interval(rrule: str) -> int:
    """INTERVAL of our own weekly RRULE (1 when absent)."""
    for part in rrule.upper().split(";"):
        if part.startswith("INTERVAL="):
            return max(1, int(part[9:]))
    return 1
