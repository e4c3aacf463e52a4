"""Book a pair's recurring meetings: plan every occurrence, write the series, invite both people.

One transaction per pair: the series rows, the occurrences, the invitations in the outbox and the
pair's new status commit together. The calendar copy is written before the commit and is keyed by
the series UID, so a retry after a crash overwrites it rather than adding a second one.

Every occurrence avoids the mentor's other pairs and both people's own busy times from the
calendar server, asked once per booking for the whole horizon (``agent.busy``; a server that fails
is logged and the booking goes ahead with what is known).

``renew_due`` (in ``agent.renewal``) runs in the same step of the tick: a booked pair whose last
meeting is less than four weeks away gets its open-ended series extended for another horizon.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Connection

from agent.app import App
from agent.busy import participant_busy
from agent.calendar.imip import Attendee, build_request, series_uid
from agent.domain.model import NoSlot, Pair, SeriesPlan
from agent.calendar_mail import send_localised
from agent.mail.compose import CalendarPart
from agent.messenger import send_template
from agent.rules.actions import fire, pair_facts
from agent.renewal import renew_due  # noqa: F401  (the tick's renewal step, see the module docstring)
from agent.scheduling.overlap import plan_pair
from agent.scheduling.render import rhythm, slot_phrase
from agent.store import repo

log = logging.getLogger(__name__)


def horizon(pair: Pair, not_before: datetime, weeks: int) -> tuple[datetime, datetime]:
    """The window ``plan_pair`` may place meetings in (with a day's margin for time zones): from the
    pair's start, or ``not_before`` when later, for ``weeks`` weeks."""
    first = max(datetime.combine(pair.start, time(), tzinfo=UTC) - timedelta(days=1), not_before)
    last = datetime.combine(max(pair.start, not_before.date()), time(), tzinfo=UTC) + timedelta(weeks=weeks, days=2)
    return first, last


def book_pair(app: App, conn: Connection, pair: Pair, now: datetime) -> SeriesPlan | NoSlot | None:
    """Plan and book; returns the first series, NoSlot, or None when the pair is no longer new."""
    row = repo.pair_row(conn, pair.key)
    if row is None or row.status != "new":
        return None
    settings = app.config.scheduling
    mentor, mentee = app.roster.participants[pair.mentor], app.roster.participants[pair.mentee]
    not_before = now + timedelta(hours=settings.min_notice_hours)
    busy = participant_busy(app, conn, pair, *horizon(pair, not_before, settings.horizon_weeks))
    result = plan_pair(pair, mentor, mentee, minutes=settings.meeting_minutes, horizon_weeks=settings.horizon_weeks,
                       not_before=not_before, busy=busy, accommodate=settings.accommodate)
    if isinstance(result, NoSlot):
        repo.set_pair_status(conn, pair.key, "unschedulable", result.reason)
        repo.audit(conn, at=now, action="no slot", reason=result.reason, pair_key=pair.key)
        send_template(app, conn, template="no_slot_admin", audience="admins", pair=pair,
                      occasion=f"no-slot:{pair.key}", now=now, reason=result.reason,
                      extra=dict(reason=result.reason))
        log.warning("no slot for %s: %s", pair.key, result.reason)
        return result

    program = app.config.program
    attendees = [Attendee(mentee.email, mentee.name), Attendee(mentor.email, mentor.name)]
    summary = f"Mentoring: {mentor.first_name} & {mentee.first_name}"
    location = settings.video_link.format(pair=pair.key.split("@")[0]) if settings.video_link else None
    description = f"{program.name}: your regular mentoring meeting. " \
                  f"{mentee.first_name} sends an agenda before each meeting."
    for phase, plan in enumerate(result):
        uid = series_uid(pair.key, phase, app.domain)
        ics = build_request(plan, uid=uid, sequence=0, dtstamp=now, organizer_email=program.address,
                            organizer_name=program.name, attendees=attendees, summary=summary,
                            description=description, location=location)
        repo.save_series(conn, uid=uid, pair_key=pair.key, phase=phase, plan=plan, ics=ics, sequence=0, now=now)
        app.calendar.put(uid, ics)
        send_localised(app, conn, template="invitation", audience="both", pair=pair, occasion=f"invite:{uid}:0",
                       now=now, reason=f"pair start: {plan.rrule} in {plan.tzid}",
                       extra=dict(slot=slot_phrase([plan], mentee, mentor), series_notes=list(plan.notes),
                                  phase=phase + 1, phases=len(result), series_starts=list(plan.occurrences),
                                  rhythm=rhythm(pair.cadence[min(phase, len(pair.cadence) - 1)])),
                       calendar=lambda _reader, ics=ics: CalendarPart("REQUEST", ics))
    repo.set_pair_status(conn, pair.key, "booked")
    repo.touch_pair(conn, pair.key, now)
    for rule in app.program.rules.by_trigger("pair_start"):
        fire(app, conn, rule, pair, occasion="pair-start", facts=pair_facts(conn, pair, now), now=now)
    log.info("booked %s: %d series", pair.key, len(result))
    return result[0]
