"""Writes nothing reads back in the same transaction, sent together at its end (one executemany each).

Acting on a batch of inbound mail writes an audit row for every email queued and fills in every
ledger row's outcome: ~2.5 statements a message that no later step of the transaction reads.
Inside ``deferring(conn)`` those writes (``defer``) are collected and sent when the block ends,
grouped by statement and in the order they came, still inside the caller's transaction, so they
commit or roll back with everything else. A write deferred inside a ``savepoint`` that rolls back is
dropped with it. Outside ``deferring``, ``defer`` simply executes.

Only statements whose rows are never read before the commit may be deferred: the audit trail and
the ledger's detail. Anything a later step decides on (rule firings, outbox keys) is written at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.sql import Executable

_KEY = "mentor_agent.deferred"


def defer(conn: Connection, statement: Executable, parameters: Mapping) -> None:
    """Execute ``statement`` now, or at the end of the enclosing ``deferring`` block."""
    pending = conn.info.get(_KEY)
    if pending is None:
        conn.execute(statement, dict(parameters))
    else:
        pending.append((statement, dict(parameters)))


@contextmanager
def deferring(conn: Connection) -> Iterator[None]:
    """Collect ``defer``red writes; send them (one executemany per statement) when the block ends
    without an exception. Not reentrant: an inner block joins the outer one."""
    if _KEY in conn.info:
        yield
        return
    pending: list[tuple[Executable, dict]] = []
    conn.info[_KEY] = pending
    try:
        yield
    finally:
        del conn.info[_KEY]
    groups: dict[tuple, tuple[Executable, list[dict]]] = {}
    for statement, parameters in pending:  # an executemany needs the same parameter names in every row
        groups.setdefault((id(statement), *sorted(parameters)), (statement, []))[1].append(parameters)
    for statement, rows in groups.values():
        conn.execute(statement, rows)


@contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """``conn.begin_nested()``; writes deferred inside it are dropped when it rolls back."""
    pending = conn.info.get(_KEY)
    mark = len(pending) if pending is not None else 0
    try:
        with conn.begin_nested():
            yield
    except BaseException:
        if pending is not None:
            del pending[mark:]
        raise
