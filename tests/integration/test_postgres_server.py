"""The throwaway PostgreSQL cluster: SQLAlchemy + psycopg 3, and the row claiming workers rely on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(postgres_url):
    engine = sa.create_engine(postgres_url)
    yield engine
    engine.dispose()


def test_skip_locked_claims_disjoint_rows(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE work (id serial PRIMARY KEY, claimed_by text)"))
        conn.execute(sa.text("INSERT INTO work (claimed_by) SELECT NULL FROM generate_series(1, 10)"))
    claim = sa.text("SELECT id FROM work WHERE claimed_by IS NULL ORDER BY id LIMIT 4 FOR UPDATE SKIP LOCKED")
    with engine.connect() as first, engine.connect() as second:
        a = first.execute(claim).scalars().all()   # both transactions stay open
        b = second.execute(claim).scalars().all()
        assert len(a) == len(b) == 4 and not set(a) & set(b)
        first.rollback()
        second.rollback()


def test_each_test_gets_a_fresh_database(postgres_url, postgres_server):
    assert postgres_url.startswith(f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/")
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT to_regclass('work')")).scalar() is None
        assert conn.execute(sa.text("SHOW listen_addresses")).scalar() == "127.0.0.1"
    engine.dispose()
