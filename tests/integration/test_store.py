"""The store on SQLite and on a real PostgreSQL: same schema, same code, same answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy
from sqlalchemy import select

from agent.store import repo
from agent.store import tables as t
from agent.store.db import is_current, migrate, open_engine

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/store.db"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = open_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_migrations_are_idempotent_and_current(engine):
    migrate(engine)
    assert is_current(engine)


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path}/deep/folder/store.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_datetimes_come_back_aware_in_utc(engine):
    berlin = datetime(2027, 3, 28, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    with engine.begin() as conn:
        repo.audit(conn, at=berlin, action="probe", reason="round trip")
        stored = conn.execute(select(t.audit.c.at)).scalar_one()
    assert stored.tzinfo is not None
    assert stored == berlin and stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(engine):
    with pytest.raises(sqlalchemy.exc.StatementError, match="naive datetime"):
        with engine.begin() as conn:
            repo.audit(conn, at=datetime(2026, 1, 1), action="probe", reason="naive")


def test_outbox_enqueue_is_idempotent(engine):
    with engine.begin() as conn:
        first = repo.enqueue(conn, idem_key="k1", message_id="<a@x>", pair_key=None, recipients=["a@x.org"],
                             subject="s", raw=b"raw", now=NOW)
        second = repo.enqueue(conn, idem_key="k1", message_id="<a@x>", pair_key=None, recipients=["a@x.org"],
                              subject="s", raw=b"raw", now=NOW)
        rows = repo.outbox_due(conn, NOW)
    assert (first, second) == (True, False)
    assert [r.idem_key for r in rows] == ["k1"]


def test_ledger_rejects_the_same_mailbox_key_twice(engine):
    values = dict(mailbox="maildir:/x", mailbox_key="k", message_id="m@x", content_hash="h", sender="a@x",
                  subject="s", kind="other", status="processed", detail="", processed_at=NOW)
    with engine.begin() as conn:
        repo.add_ledger(conn, **values)
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        with engine.begin() as conn:
            repo.add_ledger(conn, **values)
    with engine.begin() as conn:
        assert repo.seen_message(conn, "m@x", "other-hash")
        assert repo.seen_message(conn, "other@x", "h")
        assert not repo.seen_message(conn, "other@x", "other-hash")


def test_due_actions_are_claimed_once_under_a_lease(engine):
    with engine.begin() as conn:
        repo.sync_roster(conn, [], [], NOW)
        for n in range(3):
            repo.schedule_due(conn, idem_key=f"r:p:{n}", pair_key="p@x", rule="r", occasion=str(n),
                              due_at=NOW - timedelta(minutes=n), expires_at=NOW + timedelta(days=1))
        repo.schedule_due(conn, idem_key="r:p:later", pair_key="p@x", rule="r", occasion="later",
                          due_at=NOW + timedelta(hours=1), expires_at=NOW + timedelta(days=1))
    with engine.begin() as conn:
        claimed = repo.due_now(conn, NOW, "worker-1", timedelta(minutes=5))
    with engine.begin() as conn:
        again = repo.due_now(conn, NOW, "worker-2", timedelta(minutes=5))
    assert sorted(r.occasion for r in claimed) == ["0", "1", "2"]
    assert again == []  # leased to worker-1
    with engine.begin() as conn:
        after_lease = repo.due_now(conn, NOW + timedelta(minutes=6), "worker-2", timedelta(minutes=5))
    assert len(after_lease) == 3  # a dead worker's work is picked up


def test_rescheduling_a_pending_action_moves_it_and_cancel_keeps_only_wanted(engine):
    with engine.begin() as conn:
        repo.schedule_due(conn, idem_key="a", pair_key="p@x", rule="r", occasion="o", due_at=NOW,
                          expires_at=NOW + timedelta(days=1))
        repo.schedule_due(conn, idem_key="a", pair_key="p@x", rule="r", occasion="o",
                          due_at=NOW + timedelta(hours=2), expires_at=NOW + timedelta(days=1))
        repo.schedule_due(conn, idem_key="b", pair_key="p@x", rule="r", occasion="o2", due_at=NOW,
                          expires_at=NOW + timedelta(days=1))
        repo.cancel_due_except(conn, "p@x", {"a"}, "gone")
        rows = {r.idem_key: r for r in conn.execute(select(t.due_actions))}
    assert rows["a"].due_at == NOW + timedelta(hours=2) and rows["a"].status == "pending"
    assert rows["b"].status == "cancelled"


def test_rule_firings_are_recorded_once(engine):
    with engine.begin() as conn:
        assert repo.record_firing(conn, rule="r", pair_key="p", occasion="o", fired=True, reason="x", now=NOW)
        assert not repo.record_firing(conn, rule="r", pair_key="p", occasion="o", fired=False, reason="y",
                                      now=NOW)


def test_roster_sync_keeps_pair_state(engine):
    from agent.domain.model import CadencePhase, Pair

    pair = Pair("m@x.org", "e@x.org", date(2026, 12, 1), (CadencePhase(1),))
    with engine.begin() as conn:
        repo.sync_roster(conn, [], [pair], NOW)
        repo.set_pair_status(conn, pair.key, "booked")
        repo.sync_roster(conn, [], [pair], NOW)
        assert repo.pair_row(conn, pair.key).status == "booked"
        assert repo.pairs_to_book(conn, date(2026, 12, 31)) == []
