"""The per-transaction read cache: bulk reads ahead, read again in bulk after a write empties it."""

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert

from agent.store import txcache

metadata = MetaData()
occurrences = Table("occurrences", metadata, Column("id", Integer, primary_key=True))


def engine():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    txcache.watch(engine)
    return engine


def test_keys_read_ahead_are_read_again_in_bulk_after_a_write():
    bulk, single = [], []

    def load_all():
        bulk.append(1)
        return {("meetings", "a"): len(bulk), ("meetings", "b"): len(bulk)}

    with engine().begin() as conn:
        txcache.read_ahead(conn, frozenset({("meetings", "a"), ("meetings", "b")}), load_all)
        assert txcache.cached(conn, ("meetings", "a"), lambda: single.append(1)) == 1
        assert txcache.cached(conn, ("meetings", "b"), lambda: single.append(1)) == 1
        conn.execute(insert(occurrences).values(id=1))  # a write to a watched table empties the cache
        assert txcache.cached(conn, ("meetings", "b"), lambda: single.append(1)) == 2
        assert txcache.cached(conn, ("meetings", "a"), lambda: single.append(1)) == 2
        assert txcache.cached(conn, ("meetings", "c"), lambda: "alone") == "alone"  # not covered: its own read
    assert bulk == [1, 1] and single == []


def test_the_bulk_reader_ends_with_the_transaction():
    db, calls = engine(), []
    with db.begin() as conn:
        txcache.read_ahead(conn, frozenset({("k",)}), lambda: calls.append(1) or {("k",): "bulk"})
    with db.begin() as conn:
        assert txcache.cached(conn, ("k",), lambda: "alone") == "alone"
    assert calls == [1]


def test_outside_a_watched_transaction_nothing_is_kept():
    plain = create_engine("sqlite://")
    with plain.connect() as conn:
        txcache.read_ahead(conn, frozenset({("k",)}), lambda: {("k",): "bulk"})
        assert txcache.cached(conn, ("k",), lambda: "alone") == "alone"
