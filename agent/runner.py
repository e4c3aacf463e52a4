"""The loop: sync the roster, book new pairs, handle mail, fire due actions, deliver the outbox.

``tick`` is one pass and is what ``run --once`` does. ``run_forever`` repeats it, waiting on the
mailbox in between: IMAP IDLE wakes it early for new mail, and an APScheduler timer (in memory
only; the durable due actions live in the store) shortens the wait to the next due action. The
durable state is the store, so a restart catches up on whatever it missed.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agent.app import App
from agent.booking import book_pair
from agent.inbound import handle_inbound
from agent.outbox import flush
from agent.rules.timer import WakeTimer
from agent.store import repo, rule_queries
from agent.timed import derive_due, fire_due

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    """``--now``: the agent's clock starts at ``at`` and runs on from there."""
    started = datetime.now(UTC)
    return lambda: at + (datetime.now(UTC) - started)


@dataclass
class TickReport:
    booked: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    fired: int = 0
    sent: int = 0

    def __str__(self) -> str:
        handled = ", ".join(f"{count} {status}" for status, count in sorted(self.messages.items())) or "no mail"
        return f"booked {self.booked} pair(s); {handled}; {self.fired} timed action(s) fired; {self.sent} sent"


def tick(app: App, now: datetime) -> TickReport:
    report = TickReport()
    roster = app.roster
    if not app.roster_synced:
        with app.engine.begin() as conn:
            repo.sync_roster(conn, roster.participants.values(), roster.pairs, now)
        app.roster_synced = True  # only after the commit: a failed sync is retried next tick
    with app.engine.begin() as conn:
        to_book = repo.pairs_to_book(conn, (now + timedelta(days=app.config.scheduling.book_days_ahead)).date())
    for key in to_book:
        with app.engine.begin() as conn:
            if book_pair(app, conn, roster.pair_of(key), now) is not None:
                report.booked += 1
    for item in app.mailbox.pending():
        status = handle_inbound(app, item, now)
        report.messages[status] = report.messages.get(status, 0) + 1
    with app.engine.begin() as conn:
        derive_due(app, conn, now)
    report.fired = fire_due(app, now)
    report.sent = flush(app, now)
    return report


def run_forever(app: App, clock: Clock, *, poll_seconds: float = 30.0) -> None:
    """Tick until SIGTERM or SIGINT; the message in hand is finished before stopping."""
    stop = threading.Event()

    def request_stop(signum, _frame):
        log.info("received %s, stopping after the current step", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    timer = WakeTimer()  # APScheduler, in memory: wakes the loop when the next due action falls due
    timer.start()
    try:
        while not stop.is_set():
            try:
                now = clock()
                report = tick(app, now)
                log.info("tick: %s", report)
                with app.engine.connect() as conn:
                    timer.wake_at(rule_queries.next_due_at(conn, now), now)
            except Exception:  # keep running; the store holds the state and the next tick retries
                log.exception("tick failed; retrying after the pause")
            if not stop.is_set():
                app.mailbox.wait(timer.seconds_left(poll_seconds))
    finally:
        timer.shutdown()
