"""Prometheus metrics, read from the store at scrape time.

The store already holds every fact an operator asks about (the ledger, the outbox, the due actions,
the leases), so nothing is counted in memory: a custom collector runs a few short aggregate queries
on its own pooled connection each time ``/metrics`` is scraped, in the server's thread, never in the
loop's. A scrape is read-only: SQLite in WAL mode lets it read while the loop writes, and on
PostgreSQL each query is bounded by a statement timeout. When the store does not answer, the scrape
still succeeds with ``mentor_agent_store_up 0`` and the in-memory facts, so the alert says why.

Names (all prefixed ``mentor_agent_``) are listed in ``METRICS`` with their one-line meanings; the
README's "Operating it" section is written from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, select, text

from agent import __version__
from agent.observability.state import ProcessState
from agent.store import tables as t

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
STATEMENT_TIMEOUT_MS = 2000

METRICS: dict[str, str] = {
    "messages_total{status}": "inbound messages handled, by ledger status: processed, duplicate, quarantined",
    "quarantine_waiting": "quarantined messages not yet released (a person should look: `quarantine list`)",
    "outbox_pending": "outbound emails waiting to be sent (queue depth, retries included)",
    "outbox_failed": "outbound emails given up on (refused for good; the administrators were told)",
    "outbox_sent_total": "outbound emails accepted by the mail server",
    "outbox_oldest_pending_timestamp_seconds": "when the oldest waiting email was queued (0 when none)",
    "due_actions_pending": "timed rule actions waiting for their time",
    "due_actions_overdue": "timed rule actions whose time has come and that have not fired yet",
    "pairs{status}": "pairs by status: new, booked, unschedulable, paused, ended",
    "lease_held{name,holder}": "1 while the named lease (e.g. the mailbox) is held and not expired, else 0",
    "last_mailbox_sync_timestamp_seconds": "when this worker last read the mailbox successfully (0: never)",
    "last_tick_timestamp_seconds": "when this worker's loop last finished a pass (0: never)",
    "last_tick_ok": "1 when that pass went well, 0 when it failed",
    "store_up": "1 when the store answered this scrape, 0 when it did not",
    "worker_info{worker,version}": "this process: its worker name and the agent's version",
}


@dataclass
class StoreFacts:
    """What one scrape read from the store."""

    messages: dict[str, int] = field(default_factory=dict)
    quarantine_waiting: int = 0
    outbox: dict[str, int] = field(default_factory=dict)
    outbox_oldest_pending: datetime | None = None
    due_pending: int = 0
    due_overdue: int = 0
    pairs: dict[str, int] = field(default_factory=dict)
    leases: list[tuple[str, str, datetime]] = field(default_factory=list)


@contextmanager
def store_reader(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction on its own connection; bounded on PostgreSQL so a scrape never hangs."""
    with engine.connect() as conn:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
            yield conn


def _by_status(conn: Connection, table) -> dict[str, int]:
    rows = conn.execute(select(table.c.status, func.count()).group_by(table.c.status))
    return {status: count for status, count in rows}


def read_store(conn: Connection, now: datetime) -> StoreFacts:
    """The aggregate facts behind the metrics: a handful of indexed COUNTs and one tiny table."""
    pending_due = t.due_actions.c.status == "pending"
    return StoreFacts(
        messages=_by_status(conn, t.ledger),
        quarantine_waiting=conn.scalar(
            select(func.count()).select_from(t.quarantine).where(t.quarantine.c.released_at.is_(None))) or 0,
        outbox=_by_status(conn, t.outbox),
        outbox_oldest_pending=conn.scalar(select(func.min(t.outbox.c.created_at)).where(t.outbox.c.status == "pending")),
        due_pending=conn.scalar(select(func.count()).select_from(t.due_actions).where(pending_due)) or 0,
        due_overdue=conn.scalar(
            select(func.count()).select_from(t.due_actions).where(pending_due, t.due_actions.c.due_at <= now)) or 0,
        pairs=_by_status(conn, t.pairs),
        leases=[tuple(row) for row in conn.execute(
            select(t.leases.c.name, t.leases.c.holder, t.leases.c.until).order_by(t.leases.c.name))],
    )


def _stamp(at: datetime | None) -> float:
    return at.timestamp() if at is not None else 0.0


def _gauge(name: str, value: float, doc: str | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"mentor_agent_{name}", doc or METRICS[name], value=value)


def wall_clock() -> datetime:
    return datetime.now(UTC)


class StoreCollector(Collector):
    """Yields the metrics of ``METRICS`` at each scrape: the store's facts plus this process's state.

    ``clock`` is the agent's clock (``run --now`` moves it; due actions are due by it); leases expire
    by ``wall_clock``, as ``agent.store.claims`` writes them.
    """

    def __init__(self, engine: Engine, state: ProcessState, clock: Clock, worker: str = "",
                 wall_clock: Clock = wall_clock):
        self.engine, self.state, self.clock, self.wall_clock = engine, state, clock, wall_clock
        self.worker = worker or state.worker

    def collect(self) -> Iterator[Metric]:
        try:
            with store_reader(self.engine) as conn:
                facts = read_store(conn, self.clock())
        except Exception as exc:  # a scrape must say the store is down, not fail
            log.warning("metrics: the store did not answer (%s)", type(exc).__name__)
            facts = None
        if facts is not None:
            yield from self._store_metrics(facts, self.wall_clock())
        yield from self._process_metrics(store_up=facts is not None)

    def _store_metrics(self, facts: StoreFacts, wall_now: datetime) -> Iterator[Metric]:
        messages = CounterMetricFamily("mentor_agent_messages", METRICS["messages_total{status}"], labels=["status"])
        for status in sorted({"processed", "duplicate", "quarantined", *facts.messages}):
            messages.add_metric([status], facts.messages.get(status, 0))
        yield messages
        yield _gauge("quarantine_waiting", facts.quarantine_waiting)
        yield _gauge("outbox_pending", facts.outbox.get("pending", 0))
        yield _gauge("outbox_failed", facts.outbox.get("failed", 0))
        yield CounterMetricFamily("mentor_agent_outbox_sent", METRICS["outbox_sent_total"],
                                  value=facts.outbox.get("sent", 0))
        yield _gauge("outbox_oldest_pending_timestamp_seconds", _stamp(facts.outbox_oldest_pending))
        yield _gauge("due_actions_pending", facts.due_pending)
        yield _gauge("due_actions_overdue", facts.due_overdue)
        pairs = GaugeMetricFamily("mentor_agent_pairs", METRICS["pairs{status}"], labels=["status"])
        for status, count in sorted(facts.pairs.items()):
            pairs.add_metric([status], count)
        yield pairs
        leases = GaugeMetricFamily("mentor_agent_lease_held", METRICS["lease_held{name,holder}"],
                                   labels=["name", "holder"])
        for name, holder, until in facts.leases:
            leases.add_metric([name, holder], 1 if until > wall_now else 0)
        yield leases

    def _process_metrics(self, *, store_up: bool) -> Iterator[Metric]:
        state = self.state.snapshot()
        yield _gauge("last_mailbox_sync_timestamp_seconds", _stamp(state.last_mailbox_sync_at))
        yield _gauge("last_tick_timestamp_seconds", _stamp(state.last_tick_at))
        yield _gauge("last_tick_ok", 1 if state.last_tick_at is not None and state.last_tick_ok else 0)
        yield _gauge("store_up", 1 if store_up else 0)
        yield InfoMetricFamily("mentor_agent_worker", METRICS["worker_info{worker,version}"],
                               value={"worker": self.worker or state.worker, "version": __version__})


def build_registry(collector: Collector) -> CollectorRegistry:
    """An own registry (not the process-global one): only the agent's metrics, no import-time state."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The Prometheus text exposition of ``registry``."""
    return generate_latest(registry)
