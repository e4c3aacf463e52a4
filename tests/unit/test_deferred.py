"""Deferred writes: sent together at the end of the block, inside the caller's transaction; dropped
with a savepoint that rolls back, and with the whole block when it fails."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

from agent.store.deferred import defer, deferring, savepoint

metadata = MetaData()
log = Table("log", metadata, Column("id", Integer, primary_key=True), Column("text", String))
other = Table("other", metadata, Column("id", Integer, primary_key=True), Column("text", String))
ADD, ADD_OTHER = insert(log), insert(other)


@pytest.fixture
def engine():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    return engine


def texts(conn, table=log):
    return [row.text for row in conn.execute(select(table.c.text).order_by(table.c.id))]


def test_outside_a_block_a_write_goes_at_once(engine):
    with engine.begin() as conn:
        defer(conn, ADD, dict(text="a"))
        assert texts(conn) == ["a"]


def test_inside_a_block_writes_go_at_its_end_in_order_and_commit_with_the_transaction(engine):
    with engine.begin() as conn:
        with deferring(conn):
            for text in "abc":
                defer(conn, ADD, dict(text=text))
                defer(conn, ADD_OTHER, dict(text=text.upper()))
            assert texts(conn) == []
        assert texts(conn) == ["a", "b", "c"] and texts(conn, other) == ["A", "B", "C"]
    with engine.begin() as conn:
        assert texts(conn) == ["a", "b", "c"]


def test_a_savepoint_rolled_back_drops_its_deferred_writes_only(engine):
    with engine.begin() as conn, deferring(conn):
        defer(conn, ADD, dict(text="kept"))
        with pytest.raises(ValueError), savepoint(conn):
            defer(conn, ADD, dict(text="dropped"))
            raise ValueError("refused")
        with savepoint(conn):
            defer(conn, ADD, dict(text="released"))
    with engine.begin() as conn:
        assert texts(conn) == ["kept", "released"]


def test_a_failing_block_sends_nothing(engine):
    with pytest.raises(RuntimeError), engine.begin() as conn, deferring(conn):
        defer(conn, ADD, dict(text="a"))
        raise RuntimeError("crash")
    with engine.begin() as conn:
        assert texts(conn) == []


def test_an_inner_block_joins_the_outer_one(engine):
    with engine.begin() as conn, deferring(conn):
        with deferring(conn):
            defer(conn, ADD, dict(text="a"))
        assert texts(conn) == []
    with engine.begin() as conn:
        assert texts(conn) == ["a"]
