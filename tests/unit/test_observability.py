"""Logs, metrics and health: the JSON formatter, the store collector and the /healthz verdict."""

from __future__ import annotations

import io
import json
import logging
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from agent import __version__
from agent.config import Secret
from agent.observability.health import check_health
from agent.observability.http import OperatorServer
from agent.observability.logs import JsonFormatter, TextFormatter, configure_logging, redact
from agent.observability.metrics import StoreCollector, build_registry, render
from agent.observability.state import ProcessState
from agent.store import tables as t
from agent.store.db import migrate, open_engine

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def record(message="hello %s", args=("world",), level=logging.INFO, exc=False, **extra) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            exc_info = sys.exc_info()
    rec = logging.LogRecord("agent.inbound", level, __file__, 1, message, args, exc_info)
    rec.created = datetime(2026, 12, 3, 12, 0, 1, 250000, tzinfo=UTC).timestamp()
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


# ---- the JSON formatter: one object per record --------------------------------------------------

@pytest.mark.parametrize("rec, expected", [
    (record(), {"ts": "2026-12-03T12:00:01.250Z", "level": "INFO", "logger": "agent.inbound",
                "message": "hello world", "worker": "host:42"}),
    (record("sent %d of %d", (3, 4), level=logging.WARNING), {"level": "WARNING", "message": "sent 3 of 4"}),
    (record(pair="rania@example.org", count=3), {"pair": "rania@example.org", "count": 3}),
    (record(password=Secret("hunter2")), {"password": "Secret('***')"}),
    (record("login with %s", (Secret("hunter2"),)), {"message": "login with Secret('***')"}),
    (record("store %s", ("postgresql+psycopg://agent:s3cret@db/mentor",)),
     {"message": "store postgresql+psycopg://agent:***@db/mentor"}),
    (record(tags=("a", Secret("x")), at=NOW), {"tags": ["a", "Secret('***')"], "at": "2026-12-03T12:00:00+00:00"}),
])
def test_json_formatter_fields(rec, expected):
    line = JsonFormatter(worker="host:42").format(rec)
    assert "\n" not in line
    parsed = json.loads(line)
    assert {key: parsed[key] for key in expected} == expected
    assert "hunter2" not in line and "s3cret" not in line


def test_json_formatter_carries_the_exception_text():
    parsed = json.loads(JsonFormatter().format(record("tick failed", (), exc=True)))
    assert parsed["exception"].startswith("Traceback") and "ValueError: boom" in parsed["exception"]
    assert parsed["worker"] == ""


@pytest.mark.parametrize("text, expected", [
    ("imap://user:pw@host:993/INBOX", "imap://user:***@host:993/INBOX"),
    ("sqlite:////var/lib/agent.db", "sqlite:////var/lib/agent.db"),
    ("https://host/path?a=b@c", "https://host/path?a=b@c"),
    ("no url here: a@b", "no url here: a@b"),
])
def test_redact_masks_passwords_in_urls_only(text, expected):
    assert redact(text) == expected


def test_text_formatter_keeps_todays_line_and_masks_urls():
    line = TextFormatter().format(record("to %s", ("smtp://u:pw@h",)))
    assert line.endswith(" INFO agent.inbound: to smtp://u:***@h")


def test_configure_logging_replaces_its_own_handler_and_switches_format():
    root, out = logging.Logger("probe-root"), io.StringIO()
    configure_logging(1, "text", stream=out, root=root)
    configure_logging(1, "json", worker="w1", stream=out, root=root)
    assert len(root.handlers) == 1 and root.level == logging.INFO
    root.info("started %s", "loop")
    assert json.loads(out.getvalue()) | {"ts": "-"} == {"ts": "-", "level": "INFO", "logger": "probe-root",
                                                       "message": "started loop", "worker": "w1"}


def test_configure_logging_leaves_a_host_configured_root_alone():
    root = logging.Logger("host-root")
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    assert configure_logging(2, "json", root=root) is None
    assert root.handlers == [foreign]
    with pytest.raises(ValueError, match="log format 'xml'"):
        configure_logging(0, "xml", root=logging.Logger("x"))


# ---- the collector over a real SQLite store -----------------------------------------------------

@pytest.fixture
def engine(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path}/store.db")
    migrate(engine)
    yield engine
    engine.dispose()


def fill(engine) -> None:
    """Literal rows: 3 processed + 1 duplicate + 2 quarantined messages, 1 released; an outbox of
    2 pending, 1 sent, 1 failed; 3 due actions (1 overdue, 1 later, 1 done); two leases."""
    ledger = [("processed", "p1"), ("processed", "p2"), ("processed", "p3"), ("duplicate", "d1"),
              ("quarantined", "q1"), ("quarantined", "q2")]
    outbox = [("pending", NOW - timedelta(hours=2)), ("pending", NOW - timedelta(minutes=5)),
              ("sent", NOW - timedelta(days=1)), ("failed", NOW - timedelta(days=1))]
    due = [("pending", NOW - timedelta(minutes=1)), ("pending", NOW + timedelta(hours=3)), ("done", NOW)]
    with engine.begin() as conn:
        conn.execute(t.ledger.insert(), [
            {"mailbox": "inbox", "mailbox_key": key, "message_id": f"<{key}@x>", "content_hash": key,
             "kind": "agenda", "status": status, "processed_at": NOW} for status, key in ledger])
        conn.execute(t.quarantine.insert(), [
            {"mailbox": "inbox", "mailbox_key": key, "reason": "stranger", "raw": b"x", "created_at": NOW,
             "released_at": released} for key, released in (("q1", None), ("q2", NOW))])
        conn.execute(t.outbox.insert(), [
            {"idem_key": f"k{i}", "message_id": f"<m{i}@x>", "recipients": ["a@x.org"], "subject": "s",
             "status": status, "next_attempt_at": created, "created_at": created}
            for i, (status, created) in enumerate(outbox)])
        conn.execute(t.due_actions.insert(), [
            {"idem_key": f"d{i}", "pair_key": "p@x.org", "rule": "r", "occasion": "o", "due_at": due_at,
             "expires_at": due_at + timedelta(days=1), "status": status} for i, (status, due_at) in enumerate(due)])
        conn.execute(t.leases.insert(), [
            {"name": "mailbox", "holder": "host-a:1", "until": NOW + timedelta(seconds=30)},
            {"name": "stale", "holder": "host-b:2", "until": NOW - timedelta(seconds=1)}])


def samples(engine, state: ProcessState, worker: str = "w1") -> dict[tuple, float]:
    collector = StoreCollector(engine, state, lambda: NOW, worker, wall_clock=lambda: NOW)
    text = render(build_registry(collector)).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_collector_reads_the_store_at_scrape_time(engine):
    fill(engine)
    state = ProcessState(worker="w1")
    state.mailbox_synced(NOW - timedelta(seconds=10))
    state.tick_finished(NOW - timedelta(seconds=5), ok=True)
    got = samples(engine, state)
    expected = {
        ("mentor_agent_messages_total", (("status", "processed"),)): 3,
        ("mentor_agent_messages_total", (("status", "duplicate"),)): 1,
        ("mentor_agent_messages_total", (("status", "quarantined"),)): 2,
        ("mentor_agent_quarantine_waiting", ()): 1,
        ("mentor_agent_outbox_pending", ()): 2,
        ("mentor_agent_outbox_failed", ()): 1,
        ("mentor_agent_outbox_sent_total", ()): 1,
        ("mentor_agent_outbox_oldest_pending_timestamp_seconds", ()): (NOW - timedelta(hours=2)).timestamp(),
        ("mentor_agent_due_actions_pending", ()): 2,
        ("mentor_agent_due_actions_overdue", ()): 1,
        ("mentor_agent_lease_held", (("holder", "host-a:1"), ("name", "mailbox"))): 1,
        ("mentor_agent_lease_held", (("holder", "host-b:2"), ("name", "stale"))): 0,
        ("mentor_agent_last_mailbox_sync_timestamp_seconds", ()): (NOW - timedelta(seconds=10)).timestamp(),
        ("mentor_agent_last_tick_timestamp_seconds", ()): (NOW - timedelta(seconds=5)).timestamp(),
        ("mentor_agent_last_tick_ok", ()): 1,
        ("mentor_agent_store_up", ()): 1,
        ("mentor_agent_worker_info", (("version", __version__), ("worker", "w1"))): 1,
    }
    assert {key: got.get(key) for key in expected} == expected


def test_an_empty_store_reads_as_zeros_and_a_fresh_process_as_never(engine):
    got = samples(engine, ProcessState())
    assert got[("mentor_agent_messages_total", (("status", "processed"),))] == 0
    assert got[("mentor_agent_outbox_pending", ())] == 0
    assert got[("mentor_agent_outbox_oldest_pending_timestamp_seconds", ())] == 0
    assert got[("mentor_agent_last_tick_timestamp_seconds", ())] == 0
    assert got[("mentor_agent_last_tick_ok", ())] == 0


@pytest.fixture
def broken_engine(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path}/store.db")  # never migrated, then made unreadable
    (tmp_path / "store.db").mkdir()  # a folder where the database file should be: every connect fails
    yield engine
    engine.dispose()


def test_a_scrape_of_an_unreachable_store_still_answers_with_store_up_0(broken_engine):
    got = samples(broken_engine, ProcessState(worker="w1"))
    assert got[("mentor_agent_store_up", ())] == 0
    assert ("mentor_agent_outbox_pending", ()) not in got
    assert ("mentor_agent_last_tick_ok", ()) in got


# ---- /healthz -------------------------------------------------------------------------------

def state_with(last_ok_ago: float | None = None, last_failed_ago: float | None = None) -> ProcessState:
    state = ProcessState(worker="w1")
    if last_ok_ago is not None:
        state.tick_finished(NOW - timedelta(seconds=last_ok_ago), ok=True)
    if last_failed_ago is not None:
        state.tick_finished(NOW - timedelta(seconds=last_failed_ago), ok=False)
    return state


@pytest.mark.parametrize("state, ok, reason", [
    (state_with(last_ok_ago=20), True, None),
    (state_with(last_ok_ago=60, last_failed_ago=10), True, None),  # one failed pass is not an outage
    (state_with(), False, "starting: no pass of the loop has finished well yet"),
    (state_with(last_failed_ago=10), False, "no pass of the loop has finished well yet"),
    (state_with(last_ok_ago=301), False, "no pass of the loop has finished well in the last 300 s"),
])
def test_healthz_verdict(engine, state, ok, reason):
    health = check_health(engine, state, NOW)
    assert (health.ok, health.body.get("reason"), health.status_code) == (ok, reason, 200 if ok else 503)
    assert health.body["store"] == "ok" and health.body["worker"] == "w1"


def test_healthz_is_503_when_the_store_is_unreachable(broken_engine):
    health = check_health(broken_engine, state_with(last_ok_ago=1), NOW)
    assert health.status_code == 503
    assert health.body["reason"] == "the store does not answer"
    assert health.body["store"] == "unreachable (OperationalError)"


def test_server_serves_metrics_healthz_and_404(engine):
    state = state_with(last_ok_ago=1)
    with OperatorServer(engine, state, lambda: NOW, port=0, worker="w1") as server:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as reply:
            assert reply.status == 200 and json.load(reply)["status"] == "ok"
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as reply:
            assert reply.headers["Content-Type"].startswith("text/plain; version=")
            assert b"mentor_agent_store_up 1.0" in reply.read()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{server.url}/nothing", timeout=10)
        assert missing.value.code == 404
