"""One step of the simulated clock: the runner's tick, or its handlers for the pairs concerned.

``agent.runner.tick`` syncs the roster, books pairs and re-derives every pair's timed rules on each
pass, which is what a daemon should do. The simulation runs it whenever booking can happen (the
start, and each day a pair becomes bookable). Otherwise it ticks at every event (a message
arriving, a due action coming due), thousands of times over 12 weeks, and runs the runner's
handlers in the runner's order (``handle_inbound``, ``derive``, ``fire_due``, ``flush``) without the
roster sync (a simulation never edits its roster), re-deriving only the pairs something happens to:
those who just wrote and those with an action due now. The others cannot change until the next
heartbeat re-derives everyone, because their due actions were derived ``LOOK_AHEAD`` (8) days
ahead. ``run_simulation(exact=True)`` runs the full tick at every event instead; the tests check
that both give the same counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from agent.app import App
from agent.inbound import handle_inbound
from agent.outbox import flush
from agent.runner import tick
from agent.store import tables as t
from agent import timed
from agent.timed import fire_due


def step(app: App, now: datetime, *, full: bool, everyone: bool, writers: set[str]) -> None:
    """Advance the program to ``now``: the runner's tick when ``full``; else its handlers, re-deriving
    every pair when ``everyone`` (the heartbeat) or only the pairs concerned. ``writers`` are the
    addresses whose mail was just delivered."""
    if full:
        tick(app, now)
        return
    for item in app.mailbox.pending():
        handle_inbound(app, item, now)
    with app.engine.begin() as conn:
        if everyone:
            keys = None
        else:
            due = conn.execute(select(t.due_actions.c.pair_key).distinct()
                               .where(t.due_actions.c.status == "pending", t.due_actions.c.due_at <= now)).scalars()
            keys = {pair.key for email in writers for pair in app.roster.pairs_of(email)} | set(due)
        _derive(app, conn, now, keys)
    fire_due(app, now)
    flush(app, now)


def derive_everyone(app: App, now: datetime) -> None:
    """Re-derive every pair's timed rules without firing anything: the pending actions as of ``now``."""
    with app.engine.begin() as conn:
        _derive(app, conn, now, None)


def _derive(app: App, conn, now: datetime, keys: set[str] | None) -> None:
    """``agent.timed.derive`` for ``keys`` (None: every pair), in one batched pass when timed has one."""
    if keys is not None and not keys:
        return
    batched = getattr(timed, "derive_all", None)
    if batched is not None:
        batched(app, conn, now, keys=None if keys is None else sorted(keys))
        return
    for key in sorted(keys) if keys is not None else [pair.key for pair in app.roster.pairs]:
        timed.derive(app, conn, key, now)
