"""Renew a pair's open-ended series before its horizon runs out.

A pair is booked ``horizon_weeks`` ahead. While it stays ``booked`` and its cadence's last phase is
open-ended, the tick extends that phase's series once fewer than ``RENEW_BEFORE`` remain before
the pair's last meeting: the RRULE continues (a higher COUNT, same UID, SEQUENCE + 1) for another
horizon, every new date is checked like a new booking (both people's hours in their own zones on
that date, holidays, the pair's and the mentor's other meetings, both people's own busy times from
the calendar server: ``agent.busy``), dates that do not fit become
EXDATEs with a note, and both people get the changed-series REQUEST once.

Idempotent across crashes and restarts: the series row, the new occurrences and the outbox rows
commit in one transaction, and a pair is only picked while its last meeting is near, so a pair
renewed and committed is not picked again; a crash before the commit leaves nothing behind but
the calendar copy, which is keyed by UID and overwritten by the retry.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from agent.app import App
from agent.busy import participant_busy
from agent.calendar.imip import series_exdates, series_update
from agent.calendar_mail import send_localised
from agent.domain.model import CadencePhase, Pair, SeriesPlan
from agent.mail.compose import CalendarPart
from agent.messenger import send_template
from agent.rules.freshness import mark_changed
from agent.scheduling.render import rhythm
from agent.scheduling.series_move import check_series
from agent.store import calendar_queries, claims, repo

log = logging.getLogger(__name__)

RENEW_BEFORE = timedelta(weeks=4)


def renew_due(app: App, now: datetime) -> int:
    """Renew every pair whose last meeting is less than ``RENEW_BEFORE`` away; one transaction each."""
    with app.engine.begin() as conn:
        keys = calendar_queries.booked_pairs_ending_before(conn, now + RENEW_BEFORE)
    renewed = 0
    for key in keys:
        pair = app.roster.pair_of(key)
        if pair is None or pair.key != key:
            continue
        with app.engine.begin() as conn:  # the row lock keeps other workers off this pair until the commit
            renewed += claims.lock_pair(conn, key) and renew_pair(app, conn, pair, now)
    return renewed


def renew_pair(app: App, conn: Connection, pair: Pair, now: datetime) -> bool:
    """Extend the pair's last series for another horizon; False when it is not due or cannot be."""
    row = repo.pair_row(conn, pair.key)
    last = calendar_queries.last_start(conn, pair.key)
    if row is None or row.status != "booked" or last is None or last >= now + RENEW_BEFORE:
        return False
    if pair.cadence[-1].count is not None:
        return False  # the cadence ends by count: the mentorship ends with its last meeting
    series = repo.series_of(conn, pair.key)[-1]
    settings = app.config.scheduling
    zone = ZoneInfo(series.tzid)
    interval, count = _rule(series.rrule)
    first = datetime.fromisoformat(series.dtstart).replace(tzinfo=zone)
    more = -(-settings.horizon_weeks // interval)
    dates = [datetime.combine(first.date() + timedelta(weeks=interval * k), first.time(), tzinfo=zone)
             for k in range(count, count + more)]
    people = (app.roster.participants[pair.mentee], app.roster.participants[pair.mentor])
    busy = participant_busy(app, conn, pair, dates[0] - timedelta(days=1), dates[-1] + timedelta(days=1),
                            except_series=series.uid)
    notice = now + timedelta(hours=settings.min_notice_hours)
    keep, skip, notes = [], [], []
    for local in dates:
        verdict = check_series(series.tzid, [local], series.minutes, people, interval_weeks=interval, busy=busy,
                               not_before=notice)
        if verdict.ok:
            keep.append(verdict.plan.occurrences[0])
        else:
            skip.append(local)
            notes.extend(verdict.problems)
    if len(keep) * 2 < len(dates):
        reason = (f"renewing {pair.key}'s meetings at {first:%A %H:%M} {series.tzid}: only {len(keep)} of the next "
                  f"{len(dates)} dates fit both people; {'; '.join(notes[:3])}")
        repo.audit(conn, at=now, action="renewal failed", reason=reason, pair_key=pair.key)
        send_template(app, conn, template="no_slot_admin", audience="admins", pair=pair,
                      occasion=f"renewal-failed:{series.uid}:{count}", now=now, reason=reason,
                      extra=dict(reason=reason))
        log.warning("%s", reason)
        return False
    plan = SeriesPlan(tzid=series.tzid, dtstart=first, minutes=series.minutes, interval_weeks=interval,
                      count=count + more, occurrences=tuple(keep),
                      exdates=series_exdates(series.ics.encode()) + tuple(skip), notes=tuple(notes))
    sequence = series.sequence + 1
    ics = series_update(series.ics.encode(), plan, sequence=sequence, dtstamp=now)
    calendar_queries.extend_series(conn, series.uid, pair.key, plan, keep, ics=ics, sequence=sequence, now=now)
    app.calendar.put(series.uid, ics)
    mark_changed(app, pair.key)
    send_localised(app, conn, template="series_extended", audience="both", pair=pair,
                   occasion=f"renew:{series.uid}:{sequence}", now=now,
                   reason=f"series renewal: {len(keep)} more meetings from {keep[0]:%Y-%m-%d}",
                   extra=dict(first_new=keep[0], last_new=keep[-1], count=len(keep), series_notes=list(notes),
                              rhythm=rhythm(CadencePhase(interval))),
                   calendar=lambda _reader: CalendarPart("REQUEST", ics))
    repo.audit(conn, at=now, action="renewed", reason=f"{len(keep)} more meetings, {len(skip)} dates skipped",
               pair_key=pair.key)
    log.info("renewed %s: %d more meetings", pair.key, len(keep))
    return True


def _rule(rrule: str) -> tuple[int, int]:
    """INTERVAL and COUNT of our own weekly RRULE."""
    parts = dict(part.split("=", 1) for part in rrule.upper().split(";") if "=" in part)
    return max(1, int(parts.get("INTERVAL", 1))), int(parts["COUNT"])
