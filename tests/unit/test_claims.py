"""Leases and claims that let several workers share one store, on SQLite and a real PostgreSQL.

Times are literal: ``AT`` is the wall clock leases expire by, ``NOW`` the agent's clock that
decides what is due. Two workers are two names; on PostgreSQL the concurrency cases use two open
transactions at once.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from agent.mailbox_lease import MailboxLease, gone_here, lease_name
from agent.store import claims, repo
from agent.store import tables as t
from agent.store.db import migrate, open_engine

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AT = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LEASE = 60


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    """One migrated store per dialect for the module (migrating per test would take most of the time)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('claims')}/store.db"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    engine = open_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


def emptied(engine):
    """``engine`` without the rows these tests write (the stores are shared by the module)."""
    with engine.begin() as conn:
        for table in (t.leases, t.due_actions, t.outbox, t.pairs):
            conn.execute(table.delete())
    return engine


@pytest.fixture
def engine(store):
    return emptied(store)


@pytest.fixture(scope="module")
def pg_store(postgres_server):
    engine = open_engine(postgres_server.create_database())
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_store):
    return emptied(pg_store)


def take(engine, holder, at, name="mailbox:x"):
    with engine.begin() as conn:
        return claims.take_lease(conn, name, holder, at, LEASE)


def holder_of(engine, name="mailbox:x"):
    with engine.connect() as conn:
        row = claims.lease_of(conn, name)
    return None if row is None else (row.holder, row.until)


# ------------------------------------------------------------------------------- the mailbox lease


def test_lease_is_held_by_one_worker_renewed_and_taken_over_only_after_expiry(engine):
    steps = [  # (worker, wall clock, has the lease afterwards, holder and until afterwards)
        ("w1", AT, True, ("w1", AT + timedelta(seconds=60))),
        ("w2", AT + timedelta(seconds=1), False, ("w1", AT + timedelta(seconds=60))),
        ("w1", AT + timedelta(seconds=30), True, ("w1", AT + timedelta(seconds=90))),  # renewed
        ("w2", AT + timedelta(seconds=89), False, ("w1", AT + timedelta(seconds=90))),
        ("w2", AT + timedelta(seconds=91), True, ("w2", AT + timedelta(seconds=151))),  # w1 died: taken over
        ("w1", AT + timedelta(seconds=92), False, ("w2", AT + timedelta(seconds=151))),  # w1 woke: lost it
    ]
    for worker, at, has, after in steps:
        assert take(engine, worker, at) is has, (worker, at)
        assert holder_of(engine) == after


def test_release_hands_the_lease_over_at_once_and_only_by_its_holder(engine):
    assert take(engine, "w1", AT)
    with engine.begin() as conn:
        claims.release_lease(conn, "mailbox:x", "w2")  # not w2's: no-op
    assert holder_of(engine)[0] == "w1"
    with engine.begin() as conn:
        claims.release_lease(conn, "mailbox:x", "w1")
    assert holder_of(engine) is None
    assert take(engine, "w2", AT + timedelta(seconds=1))


def test_take_over_only_from_the_named_dead_holder(engine):
    assert take(engine, "w1", AT)
    with engine.begin() as conn:
        assert not claims.take_over_lease(conn, "mailbox:x", "w3", "w2", AT, LEASE)
        assert claims.take_over_lease(conn, "mailbox:x", "w3", "w1", AT, LEASE)
    assert holder_of(engine)[0] == "w3"


def test_leases_of_different_mailboxes_are_independent(engine):
    assert take(engine, "w1", AT, name="mailbox:a")
    assert take(engine, "w2", AT, name="mailbox:b")
    assert not take(engine, "w2", AT, name="mailbox:a")


@pytest.mark.parametrize("identity, expected", [
    ("imap:program@127.0.0.1/INBOX", "mailbox:imap:program@127.0.0.1/INBOX"),
    ("maildir:/" + "x" * 300, "mailbox:sha256:"),
])
def test_lease_name(identity, expected):
    assert lease_name(identity).startswith(expected) and len(lease_name(identity)) <= 200


def test_gone_here_tells_a_dead_local_process_from_a_live_or_remote_one():
    import os
    import socket

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    host = socket.gethostname()
    assert gone_here(f"{host}:{finished.stdout.strip()}")
    assert not gone_here(f"{host}:{os.getpid()}")  # myself
    assert not gone_here(f"{host}:1")  # alive (init)
    assert not gone_here(f"another-{host}:{finished.stdout.strip()}")  # cannot tell: wait for expiry
    assert not gone_here("worker-a")


def test_mailbox_lease_takes_a_dead_local_holder_over_at_once_only_on_sqlite(engine):
    import socket

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    dead = f"{socket.gethostname()}:{finished.stdout.strip()}"
    app = SimpleNamespace(engine=engine, mailbox=SimpleNamespace(identity="maildir:/srv/mail"), worker="me",
                          config=SimpleNamespace(store=SimpleNamespace(lease_seconds=LEASE)))
    lease = MailboxLease(app, clock=lambda: AT)
    assert take(engine, dead, AT, name=lease.name)
    sqlite = engine.dialect.name == "sqlite"
    assert lease.acquire() is sqlite and lease.held is sqlite
    assert holder_of(engine, lease.name)[0] == ("me" if sqlite else dead)
    lease.clock = lambda: AT + timedelta(seconds=LEASE + 1)  # expired: PostgreSQL takes it over now
    assert lease.acquire() and lease.keep()
    lease.release()
    assert holder_of(engine, lease.name) is None and not lease.held


# ------------------------------------------------------------------------------- due actions


def schedule(engine, n: int, due_at=NOW) -> None:
    with engine.begin() as conn:
        for i in range(n):
            repo.schedule_due(conn, idem_key=f"r:p:{i}", pair_key="p@x", rule="r", occasion=str(i),
                              due_at=due_at - timedelta(minutes=i), expires_at=due_at + timedelta(days=1))
        repo.schedule_due(conn, idem_key="r:p:later", pair_key="p@x", rule="r", occasion="later",
                          due_at=NOW + timedelta(hours=1), expires_at=NOW + timedelta(days=1))


def claim_due(engine, worker, at, limit=50):
    with engine.begin() as conn:
        return sorted(r.occasion for r in claims.claim_due(conn, NOW, worker, at, LEASE, limit=limit))


def test_due_claims_expire_and_are_taken_over_and_fencing_stops_the_late_worker(engine):
    schedule(engine, 3)
    assert claim_due(engine, "w1", AT) == ["0", "1", "2"]  # "later" is not due
    assert claim_due(engine, "w2", AT + timedelta(seconds=59)) == []  # leased to w1
    assert claim_due(engine, "w1", AT + timedelta(seconds=1)) == ["0", "1", "2"]  # its own: a restart carries on
    assert claim_due(engine, "w2", AT + timedelta(seconds=62)) == ["0", "1", "2"]  # w1's lease ran out
    with engine.begin() as conn:
        ids = {r.occasion: r.id for r in conn.execute(select(t.due_actions))}
        assert not claims.fence_due(conn, ids["0"], "w1", AT + timedelta(seconds=63), LEASE)  # w1 late: hands off
        assert claims.fence_due(conn, ids["0"], "w2", AT + timedelta(seconds=63), LEASE)
        repo.finish_due(conn, ids["0"], "done", "fired", NOW)
        assert not claims.fence_due(conn, ids["0"], "w2", AT + timedelta(seconds=64), LEASE)  # done: never again
    with engine.begin() as conn:
        assert claims.release_claims(conn, "w2") == (2, 0)  # a graceful stop gives the rest back
    assert claim_due(engine, "w3", AT + timedelta(seconds=65)) == ["1", "2"]


def test_due_claims_come_in_batches_oldest_first(engine):
    schedule(engine, 5)
    assert claim_due(engine, "w1", AT, limit=2) == ["3", "4"]
    assert claim_due(engine, "w2", AT, limit=2) == ["1", "2"]
    assert claim_due(engine, "w3", AT, limit=2) == ["0"]


def test_concurrent_due_claims_skip_locked_rows_on_postgresql(pg_engine):
    schedule(pg_engine, 4)
    with pg_engine.connect() as one, pg_engine.connect() as two:
        with one.begin(), two.begin():
            first = claims.claim_due(one, NOW, "w1", AT, LEASE, limit=2)
            second = claims.claim_due(two, NOW, "w2", AT, LEASE, limit=10)  # does not wait for `one`
            assert {r.id for r in first}.isdisjoint(r.id for r in second)
            assert len(first) + len(second) == 4


# ------------------------------------------------------------------------------- outbox rows


def enqueue(engine, n: int) -> None:
    with engine.begin() as conn:
        for i in range(n):
            repo.enqueue(conn, idem_key=f"k{i}", message_id=f"<m{i}@x>", pair_key=None, recipients=["a@x"],
                         subject=f"s{i}", raw=b"raw", now=NOW)


def test_outbox_claims_expire_begin_send_marks_once_and_fences(engine):
    enqueue(engine, 2)
    with engine.begin() as conn:
        rows = claims.claim_outbox(conn, NOW, "w1", AT, LEASE)
        assert [r.subject for r in rows] == ["s0", "s1"]
        assert claims.claim_outbox(conn, NOW, "w2", AT + timedelta(seconds=30), LEASE) == []
        assert claims.begin_send(conn, rows[0].id, "w1", NOW, AT, LEASE)
        assert claims.begin_send(conn, rows[0].id, "w1", NOW + timedelta(hours=1), AT, LEASE)  # a retry
        row = conn.execute(select(t.outbox).where(t.outbox.c.id == rows[0].id)).one()
        assert row.sending_since == NOW and row.claimed_by == "w1"  # the first attempt's mark is kept
    with engine.begin() as conn:  # w1 died mid-send; w2 takes both over after the lease
        taken = claims.claim_outbox(conn, NOW, "w2", AT + timedelta(seconds=61), LEASE)
        assert [(r.subject, r.sending_since) for r in taken] == [("s0", NOW), ("s1", None)]
        assert not claims.begin_send(conn, rows[1].id, "w1", NOW, AT + timedelta(seconds=62), LEASE)
        repo.outbox_sent(conn, taken[0].id, NOW)
        claims.unclaim_outbox(conn, taken[0].id)
        assert claims.release_claims(conn, "w2") == (0, 1)
    with engine.begin() as conn:
        left = claims.claim_outbox(conn, NOW, "w3", AT + timedelta(seconds=63), LEASE)
        assert [(r.subject, r.claimed_by) for r in left] == [("s1", None)]  # as read, before this claim


def test_outbox_rows_wait_for_their_next_attempt(engine):
    enqueue(engine, 1)
    with engine.begin() as conn:
        row = claims.claim_outbox(conn, NOW, "w1", AT, LEASE)[0]
        repo.outbox_retry(conn, row.id, "421 try later", NOW + timedelta(minutes=2), give_up=False)
        claims.unclaim_outbox(conn, row.id)
        assert claims.claim_outbox(conn, NOW + timedelta(minutes=1), "w2", AT, LEASE) == []
        assert len(claims.claim_outbox(conn, NOW + timedelta(minutes=2), "w2", AT, LEASE)) == 1


# ------------------------------------------------------------------------------- booking


def test_a_new_pair_is_locked_by_one_booking_worker_on_postgresql(pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(t.pairs.insert().values(key="m@x", mentor="t@x", mentee="m@x", start=NOW.date(), status="new",
                                             status_reason="", flags=[], created_at=NOW))
    with pg_engine.connect() as one, pg_engine.connect() as two:
        with one.begin():
            assert claims.lock_new_pair(one, "m@x")
            with two.begin():
                assert not claims.lock_new_pair(two, "m@x")  # skipped, not waited for
            one.execute(t.pairs.update().values(status="booked"))
    with pg_engine.begin() as conn:
        assert not claims.lock_new_pair(conn, "m@x")  # booked since


# ------------------------------------------------------------------------------- the worker's name


@pytest.mark.parametrize("configured, expected", [("", None), ("worker-eu-1", "worker-eu-1")])
def test_worker_name_comes_from_service_worker_name_else_host_and_pid(tmp_path, configured, expected):
    import os
    import socket

    from agent.bootstrap import build_app
    from agent.check import check_program
    from tests.e2e.harness import write_config

    config = write_config(tmp_path)
    config.write_text(config.read_text() + f'\n[service]\nworker_name = "{configured}"\n')
    program, problems = check_program(config)
    assert program is not None, [str(p) for p in problems]
    app = build_app(program)
    app.close()
    assert app.worker == (expected or f"{socket.gethostname()}:{os.getpid()}") == app.state.worker
