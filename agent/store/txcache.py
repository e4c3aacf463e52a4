"""Reads repeated inside one transaction, answered once: a pair's series and occurrences, bounces.

Handling one message reads a pair's meetings several times (the rules' facts, each reader's
template context, the meeting an agenda is filed under), and a batch of messages reads the same
pairs again. Inside one transaction those rows only change by that transaction's own writes, so
they are kept until the first write that could change them:

* any statement that is not a ``SELECT`` and names a watched table (``occurrences``, ``series``,
  ``participants``), whoever sends it (``repo``, ``series_repo``, raw SQL), empties the cache;
* so does every transaction boundary: begin, commit, rollback, and a rollback to a savepoint.

Only engines made by ``agent.store.db.open_engine`` are watched (``watch``); on any other engine
(or a transaction this module did not see begin) ``cached`` simply runs the query, so the cache can
make reads cheaper but never stale. The cache lives in the DBAPI connection's ``info``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, event

T = TypeVar("T")

WATCHED = ("occurrences", "series", "participants")
_KEY = "mentor_agent.txcache"
_BULK = "mentor_agent.txcache.bulk"  # the load_all of the transaction's read_ahead
_FILLED = ("read ahead",)  # in the cache while what read_ahead read is still there
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def watch(engine: Engine) -> None:
    """Keep per-transaction caches for connections of ``engine`` (idempotent)."""
    if engine in _ENGINES:
        return
    event.listen(engine, "begin", _open)
    event.listen(engine, "rollback_savepoint", _empty)
    event.listen(engine, "commit", _close)
    event.listen(engine, "rollback", _close)
    event.listen(engine, "before_cursor_execute", _on_statement)
    _ENGINES.add(engine)


def cached(conn: Connection, key: tuple, load: Callable[[], T]) -> T:
    """``load()`` once per transaction for ``key`` (a tuple naming the query and its arguments)."""
    store = conn.info.get(_KEY)
    if store is None:  # not a watched transaction: just run the query
        return load()
    if key not in store:
        value = load()
        store = conn.info.get(_KEY)  # the load may have written (and emptied the cache)
        if store is not None:
            store[key] = value
        return value
    return store[key]


def read_ahead(conn: Connection, load_all: Callable[[], dict[tuple, object]]) -> None:
    """Fill the cache with ``load_all()`` (values for many keys, read in bulk), and let ``refill`` read
    them again the same way after a write emptied the cache. Outside a watched transaction this does
    nothing."""
    if conn.info.get(_KEY) is None:
        return
    conn.info[_BULK] = load_all
    refill(conn)


def refill(conn: Connection) -> None:
    """Read the transaction's ``read_ahead`` values again if a write emptied the cache since (a caller
    calls this between units of work, e.g. messages: one bulk read instead of one query per key)."""
    store, load_all = conn.info.get(_KEY), conn.info.get(_BULK)
    if store is None or load_all is None or _FILLED in store:
        return
    for key, value in load_all().items():
        store.setdefault(key, value)
    store[_FILLED] = True


# The store exists only from a "begin" this module saw until the commit or rollback: a connection
# that does not run the engine's listeners (made with events off, or before ``watch``) never has one.


def _open(conn) -> None:
    conn.info[_KEY] = {}


def _close(conn) -> None:
    conn.info.pop(_KEY, None)
    conn.info.pop(_BULK, None)


def _empty(conn, *_args) -> None:
    store = conn.info.get(_KEY)
    if store:
        store.clear()


def _on_statement(conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    store = conn.info.get(_KEY)
    if not store:
        return
    if statement.lstrip()[:6].upper() == "SELECT":
        return
    lowered = statement.lower()
    if any(name in lowered for name in WATCHED):
        store.clear()
