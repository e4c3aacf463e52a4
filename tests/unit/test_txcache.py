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


def test_values_read_ahead_are_read_again_in_bulk_only_after_a_write_emptied_the_cache():
    bulk, single = [], []

    def load_all():
        bulk.append(1)
        return {("meetings", "a"): len(bulk), ("meetings", "b"): len(bulk)}

    with engine().begin() as conn:
        txcache.read_ahead(conn, load_all)
        txcache.refill(conn)  # nothing was written: nothing read again
        assert txcache.cached(conn, ("meetings", "a"), lambda: single.append(1)) == 1
        assert txcache.cached(conn, ("meetings", "b"), lambda: single.append(1)) == 1
        conn.execute(insert(occurrences).values(id=1))  # a write to a watched table empties the cache
        assert txcache.cached(conn, ("meetings", "b"), lambda: "alone") == "alone"  # a miss reads just its key
        txcache.refill(conn)
        assert txcache.cached(conn, ("meetings", "a"), lambda: single.append(1)) == 2
        assert txcache.cached(conn, ("meetings", "b"), lambda: single.append(1)) == "alone"  # kept: as fresh
    assert bulk == [1, 1] and single == []


def test_the_bulk_reader_ends_with_the_transaction():
    db, calls = engine(), []
    with db.begin() as conn:
        txcache.read_ahead(conn, lambda: calls.append(1) or {("k",): "bulk"})
    with db.begin() as conn:
        txcache.refill(conn)
        assert txcache.cached(conn, ("k",), lambda: "alone") == "alone"
    assert calls == [1]


def test_outside_a_watched_transaction_nothing_is_kept():
    plain = create_engine("sqlite://")
    with plain.connect() as conn:
        txcache.read_ahead(conn, lambda: {("k",): "bulk"})
        txcache.refill(conn)
        assert txcache.cached(conn, ("k",), lambda: "alone") == "alone"
