"""The simulation clock: deliver simulated mail and run ``agent.runner.tick`` at every event.

The clock jumps from event to event instead of stepping: the next tick is the earliest of the next
simulated message, the next pending due action (read from the sandbox store) and the next heartbeat
(every 4 days, when every pair's timed rules are re-derived; see ``stepper``).
Between two ticks nothing can happen, so the result is the same as ticking every minute, only fast.

After each tick the driver reads the sandbox store: newly booked pairs get their people's traffic
planned (``World.plan_pair``), and every message the agent queued is shown to its recipients
(``World.answer``: out-of-office replies, invitation answers). What the agent would send is counted
from the ``audit`` rows, per week and per rule (or per template for mail no rule sent, such as
invitations).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, event, func, select

from agent.bootstrap import build_app
from agent.simulation.behaviour import Behaviour, Meeting, SimMail, World
from agent.simulation.sandbox import Sandbox
from agent.simulation.stepper import derive_everyone, step
from agent.store import repo
from agent.store import tables as t

WEEK = timedelta(weeks=1)
HEARTBEAT = timedelta(days=4)  # half the 8 days (agent.timed.LOOK_AHEAD) timed rules are derived ahead


@dataclass
class SimulationResult:
    """What the agent would have sent, and what the simulated people did, over ``weeks`` weeks."""

    start: datetime
    weeks: list[Counter] = field(default_factory=list)  # per week: label (rule or template) -> messages
    traffic: Counter = field(default_factory=Counter)  # what simulated people sent, by label
    understood: Counter = field(default_factory=Counter)  # "kind status" as the agent filed it
    fired: Counter = field(default_factory=Counter)  # rule -> occasions it fired on
    missed: Counter = field(default_factory=Counter)  # rule -> occasions its conditions were not met
    pending: Counter = field(default_factory=Counter)  # rule -> due actions still pending at the end
    pairs: Counter = field(default_factory=Counter)  # pair status -> count
    silent_pairs: int = 0
    away_people: int = 0
    ticks: int = 0
    seconds: float = 0.0

    @property
    def totals(self) -> Counter:
        total: Counter = Counter()
        for week in self.weeks:
            total.update(week)
        return total


def run_simulation(sandbox: Sandbox, weeks: int, behaviour: Behaviour, seed: int,
                   progress: Callable[[float], None] | None = None, *, exact: bool = False) -> SimulationResult:
    """Run ``weeks`` weeks from ``sandbox.start``; ``progress`` gets the share of time done (0..1).

    ``exact`` runs ``agent.runner.tick`` at every event rather than at the heartbeat only (slower,
    same counts; see ``agent.simulation.stepper``)."""
    began = time.perf_counter()
    program = sandbox.program
    start, end = sandbox.start, sandbox.start + weeks * WEEK
    app = build_app(program)
    _fast_sqlite(app.engine)
    world = World(behaviour, seed, dict(program.roster.participants), program.config.program.address, start, end)
    inbox = Path(program.config.mailbox.path) / "new"
    queue = _Queue()
    planned: set[str] = set()
    last_audit = 0
    result = SimulationResult(start, weeks=[Counter() for _ in range(weeks)])
    heartbeats, booking_days = _heartbeats(program, start, end)
    now = start
    try:
        while now < end:
            writers = set()
            while queue.due(now):
                writers.add(_deliver(inbox, queue.pop(), result))
            step(app, now, full=exact or now in booking_days, everyone=now in heartbeats, writers=writers)
            result.ticks += 1
            with app.engine.connect() as conn:
                queue.push(_new_traffic(app, conn, world, planned, now))
                last_audit = _count_sent(conn, world, last_audit, start, result, queue)
                next_due = conn.execute(select(func.min(t.due_actions.c.due_at))
                                        .where(t.due_actions.c.status == "pending")).scalar()
            candidates = [end, min((h for h in heartbeats if h > now), default=end)]
            candidates += ([queue.next_at()] if queue else []) + ([next_due] if next_due else [])
            now = max(min(candidates), now + timedelta(minutes=1))
            if progress is not None:
                progress(min((now - start) / (end - start), 1.0))
        derive_everyone(app, end)
        with app.engine.connect() as conn:
            _final_counts(conn, result)
    finally:
        app.close()
    result.silent_pairs, result.away_people = len(world.silent), len(world.away)
    result.seconds = time.perf_counter() - began
    return result


def _heartbeats(program, start: datetime, end: datetime) -> tuple[set[datetime], set[datetime]]:
    """When every pair is re-derived (the start and every ``HEARTBEAT``), and when the runner's full
    tick runs: the start and each midnight a pair becomes bookable (its start minus ``book_days_ahead``)."""
    ahead = timedelta(days=program.config.scheduling.book_days_ahead)
    booking = {start}
    for pair in program.roster.pairs:
        day = pair.start - ahead
        booking.add(max(start, datetime(day.year, day.month, day.day, tzinfo=UTC)))
    beats = {start + HEARTBEAT * n for n in range((end - start) // HEARTBEAT + 1)} | booking
    return {b for b in beats if b < end}, {b for b in booking if b < end}


class _Queue:
    """Simulated mail in time order (ties keep the order they were planned in)."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, SimMail]] = []
        self._order = itertools.count()

    def __bool__(self) -> bool:
        return bool(self._heap)

    def push(self, items) -> None:
        for item in items:
            heapq.heappush(self._heap, (item.at, next(self._order), item))

    def due(self, now: datetime) -> bool:
        return bool(self._heap) and self._heap[0][0] <= now

    def next_at(self) -> datetime:
        return self._heap[0][0]

    def pop(self) -> tuple[datetime, int, SimMail]:
        return heapq.heappop(self._heap)


def _fast_sqlite(engine: Engine) -> None:
    """The sandbox store is thrown away, so it need not survive a power cut: no syncing to disk."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_sync(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    engine.dispose()  # connections opened by the migration reconnect with the pragma


def _deliver(inbox: Path, entry: tuple[datetime, int, SimMail], result: SimulationResult) -> str:
    at, order, item = entry
    (inbox / f"{at:%Y%m%dT%H%M%S}-{order:012d}.eml").write_bytes(item.raw)
    result.traffic[item.label] += 1
    return item.sender


def _new_traffic(app, conn: Connection, world: World, planned: set[str], now: datetime) -> list[SimMail]:
    """Plan the traffic of pairs booked since the last tick."""
    out: list[SimMail] = []
    for pair in app.roster.pairs:
        if pair.key in planned:
            continue
        row = repo.pair_row(conn, pair.key)
        if row is None or row.status == "new":
            continue
        planned.add(pair.key)
        if row.status == "booked":
            meetings = [Meeting(m.starts_at, m.ends_at, m.series_uid) for m in repo.occurrences_of(conn, pair.key)]
            out += world.plan_pair(pair, meetings, now)
    return out


def _count_sent(conn: Connection, world: World, last: int, start: datetime, result: SimulationResult,
                queue: _Queue) -> int:
    """Count the messages queued since audit row ``last`` and let their recipients answer."""
    rows = conn.execute(select(t.audit).where(t.audit.c.id > last, t.audit.c.action.like("send %"))
                        .order_by(t.audit.c.id))
    for row in rows:
        last = row.id
        template = row.action.removeprefix("send ")
        week = (row.at - start) // WEEK
        if 0 <= week < len(result.weeks):
            result.weeks[week][row.rule or template] += len(row.recipients)
        queue.push(world.answer(row.at, row.recipients, template, row.outbox_key or ""))
    return last


def _final_counts(conn: Connection, result: SimulationResult) -> None:
    for rule, fired, count in conn.execute(select(t.rule_firings.c.rule, t.rule_firings.c.fired, func.count())
                                           .group_by(t.rule_firings.c.rule, t.rule_firings.c.fired)):
        (result.fired if fired else result.missed)[rule] += count
    for rule, count in conn.execute(select(t.due_actions.c.rule, func.count())
                                    .where(t.due_actions.c.status == "pending").group_by(t.due_actions.c.rule)):
        result.pending[rule] += count
    for kind, status, count in conn.execute(select(t.ledger.c.kind, t.ledger.c.status, func.count())
                                            .group_by(t.ledger.c.kind, t.ledger.c.status)):
        result.understood[kind if status == "processed" else f"{kind} ({status})"] += count
    for status, count in conn.execute(select(t.pairs.c.status, func.count()).group_by(t.pairs.c.status)):
        result.pairs[status] += count
