"""Opening the store: engine creation, SQLite pragmas, and migrations to the newest schema.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so the CLI's read-only commands can
look while ``run`` writes (``synchronous=NORMAL``: a commit survives a crash of the process; only a
power loss may drop the last commits, never corrupt the file). On PostgreSQL, migrations take an advisory lock so that several workers
starting together migrate once.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from agent.store import txcache

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x6D656E746F72  # "mentor": the advisory lock id every worker agrees on


def open_engine(url: str) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite commits before DDL on its own; take over BEGIN so a migration is one transaction
        # (a crash in the first migration otherwise leaves tables without alembic_version)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        txcache.watch(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    txcache.watch(engine)  # a pair's meetings are read once per transaction
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    dbapi_connection.isolation_level = None  # see open_engine: SQLAlchemy emits BEGIN itself


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already."""
    config = _alembic_config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
        if _current_revision(connection) == _head_revision(config):
            return
        config.attributes["connection"] = connection
        log.info("migrating the store to the newest schema")
        command.upgrade(config, "head")


def is_current(engine: Engine) -> bool:
    """True when the store exists and is at the newest revision (read-only commands check this)."""
    with engine.connect() as connection:
        return _current_revision(connection) == _head_revision(_alembic_config())


def _current_revision(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _head_revision(config: AlembicConfig) -> str | None:
    return ScriptDirectory.from_config(config).get_current_head()
