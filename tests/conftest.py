"""Real-server fixtures (classes in tests/servers.py, imported as ``servers``: pytest puts tests/ on
sys.path for this conftest) and the CI rule.

The CI rule: a server whose software is missing skips the tests that need it, except when the
environment variable CI is "true"; then it fails them, so CI never passes by skipping.
Servers are session-scoped, bound to free 127.0.0.1 ports, keep their state in one temp folder\n(``server_root``), and are stopped and removed at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple, TypeVar

import pytest

from servers import Dovecot, Postgres, Radicale, ServerUnavailable, SmtpSink


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (scale runs of minutes) run only with MENTOR_AGENT_SLOW=1; benchmarks cover them."""
    if os.environ.get("MENTOR_AGENT_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow scale test: set MENTOR_AGENT_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

S = TypeVar("S")


def start_or_skip(start: Callable[[], S]) -> S:
    """Start a server; if its software is missing, skip (locally) or fail (CI=true)."""
    try:
        return start()
    except ServerUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"server unavailable in CI: {exc}", pytrace=False)
        pytest.skip(f"server unavailable: {exc}")


@pytest.fixture(scope="session")
def server_root() -> Iterator[Path]:
    """A 0711 folder for the servers' state, outside pytest's basetemp: every pytest run resets
    /tmp/pytest-of-<user> to 0700, which would lock out Dovecot's and PostgreSQL's service users
    in the middle of a concurrent session."""
    root = Path(tempfile.mkdtemp(prefix="mentor-agent-servers-"))
    root.chmod(0o711)
    previous = _sigterm_runs_teardown()
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _sigterm_runs_teardown():
    """A SIGTERM (``timeout``, CI cancel) would kill pytest without its teardown and leave the
    servers running; as KeyboardInterrupt, pytest stops them first. Returns the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _workdir(root: Path, name: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root))
    path.chmod(0o711)
    return path


@pytest.fixture(scope="session")
def dovecot(server_root) -> Iterator[Dovecot]:
    server = start_or_skip(Dovecot(_workdir(server_root, "dovecot")).start)
    yield server
    server.stop()


class ImapAccount(NamedTuple):
    host: str
    port: int
    user: str
    password: str


@pytest.fixture
def imap_account(dovecot) -> ImapAccount:
    """A fresh Dovecot user with an empty mailbox, for this test only."""
    user, password = dovecot.new_account()
    return ImapAccount(dovecot.host, dovecot.imap_port, user, password)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    server = start_or_skip(SmtpSink(users={"agent@example.test": "secret"}).start)
    yield server
    server.stop()


@pytest.fixture
def smtp_sink(smtp_server) -> SmtpSink:
    """The session's SMTP sink, emptied (messages and pending faults) for this test."""
    smtp_server.clear()
    return smtp_server


@pytest.fixture(scope="session")
def radicale(server_root) -> Iterator[Radicale]:
    server = start_or_skip(Radicale(_workdir(server_root, "radicale")).start)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server(server_root) -> Iterator[Postgres]:
    server = Postgres(_workdir(server_root, "postgres"))
    try:
        start_or_skip(server.start)
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database for this test (SQLAlchemy URL, psycopg 3 driver)."""
    return postgres_server.create_database()


@pytest.fixture
def own_postgres(server_root) -> Iterator[Postgres]:
    """A private PostgreSQL cluster for this test alone, so that it may ``restart()`` it; ``url()`` or
    ``create_database()`` give SQLAlchemy URLs. Costs an initdb (about two seconds)."""
    server = Postgres(_workdir(server_root, "postgres-own"))
    try:
        start_or_skip(server.start)
        yield server
    finally:
        server.stop()
