"""ImapMailbox against a real Dovecot: one fresh account per test."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from imapclient import IMAPClient

from agent.errors import AdapterError, TransientError
from agent.mail.imap import ImapMailbox

pytestmark = pytest.mark.integration


def message(n: int) -> bytes:
    return (f"From: mentee{n}@example.org\r\nTo: program@example.test\r\nSubject: agenda {n}\r\n"
            f"Message-ID: <msg{n}@example.org>\r\n\r\nbody {n}\r\n").encode()


@pytest.fixture
def account(imap_account):
    client = IMAPClient(imap_account.host, imap_account.port, ssl=False, timeout=10)
    client.login(imap_account.user, imap_account.password)
    yield imap_account, client
    client.logout()


@pytest.fixture
def mailbox(account):
    acct, _ = account
    box = ImapMailbox(acct.host, acct.port, "none", acct.user, acct.password, batch=2)
    yield box
    box.close()


def folder_count(client: IMAPClient, folder: str) -> int:
    if not client.folder_exists(folder):
        return 0
    return client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"]


def test_pending_yields_everything_oldest_first_in_batches(account, mailbox):
    _, client = account
    for n in range(5):
        client.append("INBOX", message(n))
    got = list(mailbox.pending())
    assert [m.raw for m in got] == [message(n) for n in range(5)]
    uidvalidity = client.folder_status("INBOX", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    assert [m.key for m in got] == [f"{uidvalidity}:{uid}" for uid in range(1, 6)]
    assert list(mailbox.pending()) == got  # peeking does not consume


def test_mark_processed_and_quarantine_move_the_mail_and_are_idempotent(account, mailbox):
    _, client = account
    for n in range(3):
        client.append("INBOX", message(n))
    first, second, third = mailbox.pending()
    mailbox.mark_processed(first.key)
    mailbox.mark_processed(first.key)  # already gone: no error, no second copy
    mailbox.quarantine(second.key)
    mailbox.quarantine(second.key)
    assert [m.key for m in mailbox.pending()] == [third.key]
    assert folder_count(client, "Processed") == 1
    assert folder_count(client, "Quarantine") == 1
    assert folder_count(client, "INBOX") == 1


def test_uidvalidity_change_loses_no_mail(dovecot, account, mailbox):
    acct, client = account
    client.append("INBOX", message(1))
    client.append("INBOX", message(2))
    first, second = mailbox.pending()
    dovecot.doveadm("mailbox", "update", "-u", acct.user, "--uid-validity", "4242", "INBOX")
    mailbox.mark_processed(first.key)  # stale key: found again by Message-ID
    (left,) = mailbox.pending()
    assert left.raw == second.raw and left.key.startswith("4242:")
    mailbox.mark_processed(left.key)
    assert list(mailbox.pending()) == []
    assert folder_count(client, "Processed") == 2


def test_wait_wakes_up_on_new_mail(account, mailbox):
    _, client = account
    assert list(mailbox.pending()) == []
    timer = threading.Timer(0.3, lambda: client.append("INBOX", message(7)))
    t0 = time.monotonic()
    timer.start()
    try:
        woke = mailbox.wait(10)
    finally:
        timer.join()
    assert woke and time.monotonic() - t0 < 3  # Dovecot adds a fixed 0.5 s before it notifies
    assert [m.raw for m in mailbox.pending()] == [message(7)]


def test_wait_times_out_without_mail(mailbox):
    t0 = time.monotonic()
    assert mailbox.wait(1.0) is False
    assert 0.9 < time.monotonic() - t0 < 3


def test_reconnects_once_after_a_dropped_connection(account, mailbox):
    _, client = account
    client.append("INBOX", message(1))
    assert len(list(mailbox.pending())) == 1
    mailbox._client.socket().close()  # simulate the server going away under us
    assert len(list(mailbox.pending())) == 1


def test_dovecot_restart_is_survived(dovecot, account, mailbox):
    _, client = account
    client.append("INBOX", message(1))
    (msg,) = mailbox.pending()
    dovecot.restart()
    mailbox.mark_processed(msg.key)
    assert list(mailbox.pending()) == []


def test_wrong_password_and_no_server(imap_account, caplog):
    caplog.set_level(logging.DEBUG)
    good = ImapMailbox(imap_account.host, imap_account.port, "none", imap_account.user, imap_account.password)
    list(good.pending())
    good.close()
    assert imap_account.password not in caplog.text + repr(good)
    box = ImapMailbox(imap_account.host, imap_account.port, "none", imap_account.user, "wrong-pw-123")
    with pytest.raises(AdapterError) as refused:
        list(box.pending())
    assert not isinstance(refused.value, TransientError)
    assert "wrong-pw-123" not in str(refused.value) + repr(box) + caplog.text
    closed = ImapMailbox("127.0.0.1", 1, "none", "x", "y")
    with pytest.raises(TransientError):
        list(closed.pending())
