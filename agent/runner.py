"""The loop: sync the roster, book new pairs, handle mail, fire due actions, deliver the outbox.

``tick`` is one pass and is what ``run --once`` does. ``run_forever`` repeats it, waiting on the
mailbox in between: IMAP IDLE wakes it early for new mail, and an APScheduler timer (in memory
only; the durable due actions live in the store) shortens the wait to the next due action. The
durable state is the store, so a restart catches up on whatever it missed.

Several workers (``run`` processes sharing one PostgreSQL) may run this loop at once:

* the mailbox is read only by the holder of its lease (``agent.mailbox_lease``), renewed between
  messages and before each wait; the others skip it and wait without touching the mailbox;
* due actions and outbox rows are claimed a batch at a time under leases (``agent.store.claims``);
* a pair is booked by the one worker that locks its ``new`` row;
* a tick that fails (a dropped database connection, a restarting server) is retried after a short
  pause that doubles up to ``poll_seconds``; every step is a transaction, so nothing half-done stays;
* SIGTERM/SIGINT: the message, action or row in hand is finished (a wait on the mailbox notices
  within ``STOP_LATENCY``), then the mailbox lease and this worker's unfinished claims are given
  back so the other workers carry on at once, and ``run_forever`` returns (exit 0).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agent.app import App
from agent.booking import book_pair, renew_due
from agent.flows.overrides import load_into as load_overrides
from agent.inbound import handle_batches
from agent.mailbox_lease import MailboxLease
from agent.outbox import flush
from agent.rules.timer import WakeTimer
from agent.store import claims, repo, rule_queries
from agent.timed import derive_due, fire_due

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RENEWAL_CHECK_EVERY = timedelta(hours=1)


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    """``--now``: the agent's clock starts at ``at`` and runs on from there."""
    started = datetime.now(UTC)
    return lambda: at + (datetime.now(UTC) - started)


@dataclass
class TickReport:
    booked: int = 0
    renewed: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    fired: int = 0
    sent: int = 0

    def __str__(self) -> str:
        handled = ", ".join(f"{count} {status}" for status, count in sorted(self.messages.items())) or "no mail"
        renewed = f"; renewed {self.renewed} series" if self.renewed else ""
        return f"booked {self.booked} pair(s){renewed}; {handled}; {self.fired} timed action(s) fired; {self.sent} sent"


def tick(app: App, now: datetime, stop: Callable[[], bool] | None = None,
         lease: MailboxLease | None = None) -> TickReport:
    """One pass. ``stop()`` is asked between messages, actions and rows; ``lease`` is the mailbox lease
    kept across ticks by ``run_forever`` (a fresh one is taken otherwise)."""
    stopping = stop or (lambda: False)
    report = TickReport()
    if not app.roster_synced:
        file_roster = app.program.roster
        with app.engine.begin() as conn:
            repo.sync_roster(conn, file_roster.participants.values(), file_roster.pairs, now)
        app.roster_synced = True  # only after the commit: a failed sync is retried next tick
    with app.engine.begin() as conn:  # confirmed availability changes, read over the roster file
        load_overrides(app, conn)
    roster = app.roster
    with app.engine.begin() as conn:
        to_book = repo.pairs_to_book(conn, (now + timedelta(days=app.config.scheduling.book_days_ahead)).date())
    for key in to_book:
        if stopping():
            return report
        with app.engine.begin() as conn:  # the row lock keeps other workers off this pair until the commit
            if claims.lock_new_pair(conn, key) and book_pair(app, conn, roster.pair_of(key), now) is not None:
                report.booked += 1
    checked = app.renewals_checked_at
    if not stopping() and (checked is None or not checked <= now < checked + RENEWAL_CHECK_EVERY):
        report.renewed = renew_due(app, now)  # weeks ahead, so hourly is plenty (the query scans meetings)
        app.renewals_checked_at = now
    if not stopping():
        own = lease is None  # run --once: the lease is given back after this one pass
        lease = lease or MailboxLease(app)
        try:
            if lease.acquire():
                _read_mailbox(app, now, lease, stopping, report)
        finally:
            if own and lease.held:
                lease.release()
    if stopping():
        return report
    with app.engine.begin() as conn:
        derive_due(app, conn, now)
    report.fired = fire_due(app, now, stopping)
    report.sent = flush(app, now, stopping)
    return report


def _read_mailbox(app: App, now: datetime, lease: MailboxLease, stopping: Callable[[], bool],
                  report: TickReport) -> None:
    """Handle the waiting mail in batches (1, 2, 4 ... up to ``inbound.BATCH`` messages a transaction)
    while this worker holds the lease; a stop or a lost lease is noticed between batches."""
    for statuses in handle_batches(app, app.mailbox.pending(), now):
        for status in statuses:
            report.messages[status] = report.messages.get(status, 0) + 1
        if stopping() or not lease.keep():  # the rest waits for the next pass, or for the next holder
            return
    app.state.mailbox_synced(now)


STOP_LATENCY = 5.0  # seconds: a wait on the mailbox is cut into pieces this long, to notice SIGTERM


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
    if app.read_ahead is not None:
        app.read_ahead.start()  # a backlog at start-up does not wait for the helper process
    lease, failures = MailboxLease(app), 0
    try:
        while not stop.is_set():
            now = clock()
            try:
                report = tick(app, now, stop.is_set, lease)
                log.info("tick: %s", report)
                with app.engine.connect() as conn:
                    timer.wake_at(rule_queries.next_due_at(conn, now), now)
                failures = 0
            except Exception:  # keep running; the store holds the state and the next tick retries
                failures += 1
                log.exception("tick failed; retrying after the pause")
            app.state.tick_finished(now, failures == 0)
            if stop.is_set():
                break
            if failures:  # a dropped connection or a restarting server: retry soon, then less often
                stop.wait(min(poll_seconds, 0.5 * 2 ** min(failures, 10)))
            elif _renewed(lease):  # the holder waits on the mailbox, waking before the lease runs out
                _wait(app, min(timer.seconds_left(poll_seconds), lease.wait_limit()), stop)
            else:  # another worker reads the mailbox; ask for the lease again before it could expire
                stop.wait(min(timer.seconds_left(poll_seconds), lease.seconds / 2))
    finally:
        timer.shutdown()
        _let_go(app, lease, requested=stop.is_set())


def _renewed(lease: MailboxLease) -> bool:
    """Renew before waiting on the mailbox; False when not the holder (or the store is unreachable)."""
    try:
        return lease.held and lease.acquire()
    except Exception:  # noqa: BLE001 - the next tick reports it
        log.warning("could not renew the mailbox lease", exc_info=True)
        return False


def _wait(app: App, seconds: float, stop: threading.Event) -> None:
    """Wait on the mailbox (IMAP IDLE) until new mail, ``seconds``, or a stop request (within STOP_LATENCY)."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        if app.mailbox.wait(min(left, STOP_LATENCY)):
            return


def _let_go(app: App, lease: MailboxLease, *, requested: bool) -> None:
    """On the way out: give the mailbox lease and this worker's unfinished claims back (best effort)."""
    try:
        lease.release()
        with app.engine.begin() as conn:
            actions, rows = claims.release_claims(conn, app.worker)
        log.info("stopped%s: mailbox lease released, %d due action(s) and %d outbox row(s) given back",
                 " on request" if requested else "", actions, rows)
    except Exception:  # noqa: BLE001 - the store may be down; the leases expire on their own
        log.warning("could not give the leases back; they expire after %s s", app.config.store.lease_seconds,
                    exc_info=True)
