"""The times a pair's meeting must not overlap (PRODUCT.md §3: busy times come from real calendars
and from the mentor's other pairs; no double booking). Booking, renewal, calendar answers and the
request flows all ask ``participant_busy``.

Two sources, merged:

* the store: the mentor's meetings with other pairs, and the pair's own other meetings (all but
  the series or the meeting being moved);
* the calendar server's free/busy answer for the mentor and the mentee (``Calendar.free_busy``:
  EWS and Graph answer it, the other backends know nothing), asked once per transaction and
  window. A period lying inside one of the pair's own scheduled meetings is dropped: it is this
  pair's meeting in the person's calendar, which the store part already counts, or leaves out on
  purpose when that meeting is the one being moved (Outlook's Scheduling Assistant likewise
  ignores the meeting being edited).

A calendar server that fails holds nothing up: the failure is logged and the decision is taken
with what is known (the store part), as a person booking in Outlook goes ahead when the
Scheduling Assistant shows "no information". Waiting for the server instead could hold a pair's
booking back indefinitely, while an invitation that clashes can still be declined or countered.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Connection

from agent.app import App
from agent.domain.model import Pair
from agent.errors import AdapterError
from agent.ports import BusyTime
from agent.store import calendar_queries, repo, series_repo
from agent.store.txcache import cached

log = logging.getLogger(__name__)


def participant_busy(app: App, conn: Connection, pair: Pair, start: datetime, end: datetime, *,
                     except_series: str | None = None, except_start: datetime | None = None) -> list[BusyTime]:
    """Everything a meeting of ``pair`` between ``start`` and ``end`` must not overlap.

    ``except_series`` leaves that series of the pair out (it is being moved or extended);
    otherwise ``except_start`` leaves out the pair's meeting starting then (a meeting being moved).
    Busy times outside [start, end) may be included; none inside are missing.
    """
    if except_series is not None:
        stored = calendar_queries.busy_except_series(conn, pair.key, pair.mentor, except_series)
    else:
        stored = series_repo.busy_around(conn, pair.key, pair.mentor, exclude=except_start)
    return stored + calendar_busy(app, conn, pair, start, end)


def calendar_busy(app: App, conn: Connection, pair: Pair, start: datetime, end: datetime) -> list[BusyTime]:
    """The mentor's and mentee's own busy times from the calendar server, less the pair's meetings."""
    answer = cached(conn, ("free_busy", pair.mentor, pair.mentee, start, end),
                    lambda: _ask(app, pair, start, end))
    own = [(m.starts_at, m.ends_at) for m in repo.occurrences_of(conn, pair.key)]
    return [period for periods in answer.values() for period in periods
            if not any(a <= period.start and period.end <= b for a, b in own)]


def _ask(app: App, pair: Pair, start: datetime, end: datetime) -> dict[str, list[BusyTime]]:
    try:
        return app.calendar.free_busy([pair.mentor, pair.mentee], start, end)
    except AdapterError as exc:  # TransientError too: go on with what is known (see the module docstring)
        log.warning("free/busy of %s and %s from %s to %s unknown, using the store's busy times only: %s",
                    pair.mentor, pair.mentee, f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}", exc)
        return {}
