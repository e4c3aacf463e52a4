"""Faults an operator meets, against real servers: the whole program over Dovecot IMAP and SMTP.

* UIDVALIDITY changes under handled-but-not-moved mail: nothing lost, nothing acted on twice.
* The SMTP server is down: the outbox retries and each message arrives once when it is back.
* A crash between the SMTP ``250`` and the commit: the IMAP Sent folder copy prevents a resend.
* ``test_sigkill``: the agent process (a subprocess running the real loop) is killed with SIGKILL
  at random moments while mail streams in, and restarted each time: every message is handled
  exactly once (ledger, effects) and every outbound mail arrives exactly once at the SMTP server.
  100 messages by default; 500 with ``MENTOR_AGENT_SLOW=1`` (marked slow).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from agent.bootstrap import build_app
from agent.check import check_program
from agent.mail.imap import message_id_of
from agent.mail.smtp import ImapSettings, SentFolderCheck
from agent.runner import tick
from agent.store import repo, tables
from tests.e2e import harness
from tests.e2e.harness import BOOKING_DAY, MAIL_DAY

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PW_ENV = "MENTOR_AGENT_TEST_IMAP_PASSWORD"
MENTEES = ("rania@example.org", "mia@example.org", "li@example.org", "priya@example.org", "omar@example.org")


def write_config(folder: Path, acct, smtp=None) -> Path:
    """The example program reading Dovecot over IMAP and sending through ``smtp`` (else a Maildir)."""
    outbound = (f'backend = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"' if smtp
                else f'path = "{folder}/outbox"')
    mailbox = (f'backend = "imap"\nhost = "{acct.host}"\nport = {acct.port}\nsecurity = "none"\n'
               f'username = "{acct.user}"\npassword_env = "{PW_ENV}"')
    return harness.write_config(folder, mailbox=mailbox, outbound=outbound)


def build(config: Path, acct=None):
    """A fresh App (a new process after a crash); with ``acct``, SMTP gets the Sent-folder check."""
    program, problems = check_program(config)
    assert program is not None, [str(p) for p in problems]
    app = build_app(program)
    if acct is not None:
        app.outbound = SentFolderCheck(app.outbound, ImapSettings(acct.host, acct.port, "none", acct.user,
                                                                  acct.password))
    return app


def agenda(i: int, sender: str | None = None) -> bytes:
    sender = sender or MENTEES[i % len(MENTEES)]
    return (f"From: {sender.split('@')[0].title()} <{sender}>\r\nTo: mentoring@program.example.org\r\n"
            f"Subject: Agenda for our next meeting ({i})\r\nDate: Thu, 03 Dec 2026 09:12:00 +0000\r\n"
            f"Message-ID: <agenda-{i}@mail.example.org>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nHi,\r\n\r\nAgenda for Thursday:\r\n\r\n"
            f"1. Career plan, question {i}: should I apply for the senior role now?\r\n"
            f"2. How do you prepare for system design interviews?\r\n\r\nProgress on goals:\r\n"
            f"- Portfolio website: {i % 100}%\r\n\r\nThanks\r\n").encode()


class Crash(BaseException):
    """The process dying: no handler in the agent catches a BaseException."""


def crash_once(monkeypatch, target, name):
    original, calls = getattr(target, name), []

    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise Crash(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, dying)


def sink_ids(sink) -> Counter:
    return Counter(m.message_id for m in sink.messages)


def outbox_rows(engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(tables.outbox)))


@pytest.fixture
def env(monkeypatch, imap_account, tmp_path):
    monkeypatch.setenv(PW_ENV, imap_account.password)
    return imap_account


# ---------------------------------------------------------------------------- in-process faults


def test_uidvalidity_change_end_to_end_nothing_lost_nothing_twice(env, dovecot, tmp_path, monkeypatch):
    acct = env
    config = write_config(tmp_path, acct)
    app = build(config)
    tick(app, BOOKING_DAY)
    for i in (1, 2):
        dovecot.append(agenda(i), user=acct.user, password=acct.password)
    from agent.mail.imap import ImapMailbox

    crash_once(monkeypatch, ImapMailbox, "mark_processed")  # message 1 committed, never moved
    with pytest.raises(Crash):
        tick(app, MAIL_DAY)
    app.close()
    monkeypatch.undo()
    monkeypatch.setenv(PW_ENV, acct.password)
    dovecot.doveadm("mailbox", "update", "-u", acct.user, "--uid-validity", "777", "INBOX")
    dovecot.append(agenda(3), user=acct.user, password=acct.password)

    app = build(config)  # a fresh process: no memory of the old keys
    report = tick(app, MAIL_DAY)
    app.close()
    assert report.messages == {"duplicate": 1, "processed": 2}
    with app.engine.connect() as conn:
        rows = conn.execute(select(tables.ledger.c.message_id, tables.ledger.c.status,
                                   tables.ledger.c.mailbox_key)).all()
        agendas = conn.execute(select(func.count()).select_from(tables.agendas)).scalar_one()
    by_id = Counter((r.message_id, r.status) for r in rows)
    assert by_id == {("agenda-1@mail.example.org", "processed"): 1, ("agenda-1@mail.example.org", "duplicate"): 1,
                     ("agenda-2@mail.example.org", "processed"): 1, ("agenda-3@mail.example.org", "processed"): 1}
    assert agendas == 3  # one per message: nothing acted on twice
    assert {r.mailbox_key.split(":")[0] for r in rows if r.status != "processed" or "3@" in r.message_id} == {"777"}
    with dovecot.client(acct.user, acct.password) as c:
        assert c.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"] == 0
        assert c.folder_status("Processed", [b"MESSAGES"])[b"MESSAGES"] == 3


def test_smtp_down_outbox_retries_and_delivers_once(env, tmp_path, smtp_sink):
    acct = env
    app = build(write_config(tmp_path, acct, smtp=smtp_sink))
    smtp_sink.stop()
    try:
        report = tick(app, BOOKING_DAY)
    finally:
        smtp_sink.start()
    assert report.sent == 0 and smtp_sink.messages == []
    rows = outbox_rows(app.engine)
    assert rows and {r.status for r in rows} == {"pending"} and {r.attempts for r in rows} == {1}
    assert tick(app, BOOKING_DAY + timedelta(seconds=30)).sent == 0  # backoff: not due yet
    assert tick(app, BOOKING_DAY + timedelta(minutes=3)).sent == len(rows)
    assert tick(app, BOOKING_DAY + timedelta(minutes=10)).sent == 0
    app.close()
    ids = sink_ids(smtp_sink)
    assert set(ids) == {r.message_id for r in rows} and set(ids.values()) == {1}


@pytest.mark.parametrize("sent_check", [True, False])
def test_crash_between_250_and_commit(env, tmp_path, smtp_sink, monkeypatch, sent_check):
    acct = env
    config = write_config(tmp_path, acct, smtp=smtp_sink)
    app = build(config, acct if sent_check else None)
    crash_once(monkeypatch, repo, "outbox_sent")  # the SMTP server said 250; the process dies
    with pytest.raises(Crash):
        tick(app, BOOKING_DAY)
    app.close()
    crashed = smtp_sink.wait_for(1)[0].message_id
    app = build(config, acct if sent_check else None)  # restart
    tick(app, BOOKING_DAY)
    app.close()
    ids = sink_ids(smtp_sink)
    assert {r.status for r in outbox_rows(app.engine)} == {"sent"}
    if sent_check:
        assert set(ids.values()) == {1}  # found in Sent: not sent again
    else:
        assert ids[crashed] == 2 and ids - Counter({crashed: 2}) == Counter({i: 1 for i in ids if i != crashed})


# ---------------------------------------------------------------------------- SIGKILL


DRIVER = """
import logging, os, sys
from datetime import datetime
from pathlib import Path
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(message)s")
logging.getLogger("alembic").setLevel(logging.WARNING)
from agent.bootstrap import build_app
from agent.check import check_program
from agent.mail.imap import message_id_of
from agent.mail.smtp import ImapSettings, SentFolderCheck
from agent.runner import fixed_clock, run_forever
program, problems = check_program(Path(sys.argv[1]))
app = build_app(program)
if not isinstance(app.outbound, SentFolderCheck):  # until bootstrap wires [outbound] sent_folder
    mb = program.config.mailbox
    app.outbound = SentFolderCheck(app.outbound, ImapSettings(mb.host, mb.port, mb.security, mb.username,
                                                              os.environ[sys.argv[2]]), append=sys.argv[4] == "append")
run_forever(app, fixed_clock(datetime.fromisoformat(sys.argv[3])), poll_seconds=1.0)
"""


def feed(dovecot, acct, n: int, done: threading.Event) -> None:
    """Mail streams in while the agent runs and dies: IMAP APPEND and LMTP deliveries, in bursts."""
    rng = random.Random(7)
    i = 0
    with dovecot.client(acct.user, acct.password) as client:
        while i < n:
            burst = list(range(i, min(n, i + rng.randint(5, 25))))
            if rng.random() < 0.5:
                client.multiappend("INBOX", [agenda(k) for k in burst])
            else:
                for k in burst:
                    dovecot.deliver(agenda(k), rcpt=acct.user)
            i = burst[-1] + 1
            time.sleep(rng.uniform(0.2, 1.0))
    done.set()


def run_with_kills(n: int, *, dovecot, acct, smtp_sink, tmp_path, seed: int, max_kills: int,
                   sent_copy: str = "append") -> dict:
    """Stream ``n`` agendas in while the agent is killed ``max_kills`` times; return the outcome.

    ``sent_copy``: "append" (the agent appends to Sent after the 250) or "server" (the SMTP server
    files the Sent copy before its 250, as Gmail and Exchange do).
    """
    config = write_config(tmp_path, acct, smtp=smtp_sink)
    # The store is created first: a kill inside the very first migration is a separate finding
    # (SQLite DDL is not transactional under pysqlite's default; see the report), not a mail fault.
    build(config).close()
    if sent_copy == "server":
        def file_sent_copy(data: bytes) -> None:
            with dovecot.client(acct.user, acct.password) as c:
                if not c.folder_exists("Sent"):
                    c.create_folder("Sent")
                c.append("Sent", data, flags=[b"\\Seen"])

        smtp_sink.on_accept = file_sent_copy
    engine = create_engine(f"sqlite:///{tmp_path}/store.db")
    env = {**os.environ, PW_ENV: acct.password, "PYTHONPATH": str(REPO)}
    log = open(tmp_path / "agent.log", "ab")
    fed = threading.Event()
    feeder = threading.Thread(target=feed, args=(dovecot, acct, n, fed), daemon=True)
    rng = random.Random(seed)
    kills, deadline = 0, time.monotonic() + 240 + n

    def settled() -> bool:
        if not fed.is_set() or not (tmp_path / "store.db").exists():
            return False
        try:
            with engine.connect() as conn:
                handled = conn.execute(select(func.count()).select_from(tables.ledger)).scalar_one()
                waiting = conn.execute(select(func.count()).select_from(tables.outbox)
                                       .where(tables.outbox.c.status == "pending")).scalar_one()
        except Exception:  # noqa: BLE001 - the schema may not exist yet
            return False
        return handled >= n and waiting == 0

    def start():
        return subprocess.Popen([sys.executable, "-c", DRIVER, str(config), PW_ENV, MAIL_DAY.isoformat(), sent_copy],
                                env=env, stdout=log, stderr=log, cwd=tmp_path)

    try:
        proc = start()
        feeder.start()
        while kills < max_kills and not settled():
            # a random moment: start-up (~1.5 s of imports and migrations), mid-tick, mid-send or idle
            time.sleep(rng.uniform(0.8, 3.5))
            proc.kill()
            proc.wait()
            kills += 1
            log.write(f"--- test: SIGKILL {kills} to {proc.pid} at {time.time():.3f}\n".encode())
            log.flush()
            proc = start()
        while not settled():
            assert time.monotonic() < deadline, f"not settled; see {tmp_path / 'agent.log'}"
            assert proc.poll() is None, f"agent exited with {proc.returncode}; see {tmp_path / 'agent.log'}"
            time.sleep(0.2)
        proc.terminate()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    with engine.connect() as conn:
        ledger = conn.execute(select(tables.ledger.c.message_id, tables.ledger.c.status)).all()
        agendas = conn.execute(select(func.count()).select_from(tables.agendas)).scalar_one()
        outbox = conn.execute(select(tables.outbox.c.message_id, tables.outbox.c.status)).all()
    engine.dispose()
    return dict(kills=kills, ledger=ledger, agendas=agendas, outbox=outbox)


def sent_copies(dovecot, acct) -> Counter:
    with dovecot.client(acct.user, acct.password) as c:
        c.select_folder("Sent", readonly=True)
        uids = c.search("ALL")
        fetched = c.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
    return Counter(message_id_of(data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"]) for data in fetched.values())


def check_exactly_once(n: int, result: dict, smtp_sink, dovecot, acct, sent_copy: str = "append") -> None:
    statuses = Counter(status for _, status in result["ledger"])
    per_message = Counter(mid for mid, _ in result["ledger"])
    assert set(per_message) == {f"agenda-{i}@mail.example.org" for i in range(n)}  # the ledger drops <>
    assert set(per_message.values()) == {1}, "a message was recorded twice"
    assert statuses == {"processed": n}, statuses
    assert result["agendas"] == n  # effects once per message
    assert {status for _, status in result["outbox"]} == {"sent"}
    received = sink_ids(smtp_sink)
    assert set(received) == {mid for mid, _ in result["outbox"]}, "an outbox row never arrived"
    twice = {mid: count for mid, count in received.items() if count > 1}
    if sent_copy == "server":
        assert not twice, f"received more than once after {result['kills']} kills: {twice}"
    else:
        # The one window SMTP leaves open: a kill after the server's 250 and before the Sent APPEND
        # finished. Such a message was sent twice and appended once (the first APPEND never
        # happened); at most one message is in that window per kill. Anything else is a bug.
        copies = sent_copies(dovecot, acct)
        assert all(copies[mid] >= 1 for mid in received), "a sent message has no Sent copy"
        assert len(twice) <= result["kills"], twice
        assert all(count == 2 and copies[mid] == 1 for mid, count in twice.items()), (twice, copies)
    with dovecot.client(acct.user, acct.password) as c:
        assert c.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"] == 0
        assert c.folder_status("Processed", [b"MESSAGES"])[b"MESSAGES"] == n


def test_sigkill_100(env, dovecot, smtp_sink, tmp_path):
    """The agent appends to Sent after each 250: exactly once, except a kill inside that window."""
    result = run_with_kills(100, dovecot=dovecot, acct=env, smtp_sink=smtp_sink, tmp_path=tmp_path, seed=100,
                            max_kills=5)
    assert result["kills"] > 0
    check_exactly_once(100, result, smtp_sink, dovecot, env)


def test_sigkill_40_server_files_sent_copy(env, dovecot, smtp_sink, tmp_path):
    """The server files the Sent copy at acceptance (Gmail, Exchange): strictly exactly once."""
    result = run_with_kills(40, dovecot=dovecot, acct=env, smtp_sink=smtp_sink, tmp_path=tmp_path, seed=40,
                            max_kills=3, sent_copy="server")
    assert result["kills"] > 0
    check_exactly_once(40, result, smtp_sink, dovecot, env, sent_copy="server")


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("MENTOR_AGENT_SLOW") != "1", reason="slow (~1 min): set MENTOR_AGENT_SLOW=1")
@pytest.mark.parametrize("sent_copy", ["append", "server"])
def test_sigkill_500(env, dovecot, smtp_sink, tmp_path, sent_copy):
    result = run_with_kills(500, dovecot=dovecot, acct=env, smtp_sink=smtp_sink, tmp_path=tmp_path, seed=500,
                            max_kills=25, sent_copy=sent_copy)
    assert result["kills"] > 0
    check_exactly_once(500, result, smtp_sink, dovecot, env, sent_copy=sent_copy)
