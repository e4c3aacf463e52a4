"""ImapMailbox against a real Dovecot: one fresh account per test.

Covers listing in batches, moves, UIDVALIDITY changes, IDLE push and its renewal, the polling
fallback, reconnecting with backoff after a dropped connection or a server restart (mail that came
during the outage is yielded once), quarantine release, and the Sent-folder helpers.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time

import pytest
from imapclient import IMAPClient

from agent.errors import AdapterError, TransientError
from agent.mail import imap as imap_module
from agent.mail.imap import ImapMailbox, backoff_delays, message_id_of

from imap_support import message

pytestmark = pytest.mark.integration


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
    mailbox._client.socket().shutdown(socket.SHUT_RDWR)  # the server going away under us
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
    closed = ImapMailbox("127.0.0.1", 1, "none", "x", "y", reconnect_within=0.5)
    with pytest.raises(TransientError):
        list(closed.pending())


def test_moves_during_listing_are_sent_in_batches_and_nothing_is_left(account, mailbox, monkeypatch):
    _, client = account
    client.multiappend("INBOX", [message(n) for n in range(7)])
    moves = []
    original = ImapMailbox._move_uids
    monkeypatch.setattr(ImapMailbox, "_move_uids", staticmethod(
        lambda c, uids, target: (moves.append((tuple(uids), target)), original(c, uids, target))))
    for n, item in enumerate(mailbox.pending()):  # batch=2
        (mailbox.quarantine if n == 3 else mailbox.mark_processed)(item.key)
    assert sorted(uid for uids, _ in moves for uid in uids) == list(range(1, 8))
    assert len(moves) < 7  # grouped, not one MOVE per message
    assert list(mailbox.pending()) == []
    assert folder_count(client, "Processed") == 6 and folder_count(client, "Quarantine") == 1


def test_dropped_connection_mid_listing_misses_nothing(account, mailbox):
    _, client = account
    client.multiappend("INBOX", [message(n) for n in range(5)])
    seen = []
    for item in mailbox.pending():  # batches of 2: the drop hits the next FETCH
        seen.append(item.raw)
        if len(seen) == 1:
            mailbox._client.socket().shutdown(socket.SHUT_RDWR)
    assert seen == [message(n) for n in range(5)]
    assert mailbox.reconnects == 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["shutdown", "crash"])
def test_dovecot_restarted_while_idling_reconnects_and_yields_outage_mail_once(dovecot, account, mailbox, sig):
    acct, client = account
    client.append("INBOX", message(1))
    (first,) = mailbox.pending()
    mailbox.mark_processed(first.key)
    woke = {}
    waiter = threading.Thread(target=lambda: woke.setdefault("result", mailbox.wait(120)))
    waiter.start()
    time.sleep(0.5)  # let it enter IDLE (if it has not yet, it reconnects all the same)
    dovecot.stop_all(sig)
    dovecot.drop_into_maildir(message(2), user=acct.user)  # arrives while the server is down
    dovecot.start()
    waiter.join(120)
    assert woke == {"result": True} and mailbox.reconnects >= 1
    got = list(mailbox.pending())
    assert [m.raw for m in got] == [message(2)]
    mailbox.mark_processed(got[0].key)
    assert list(mailbox.pending()) == []


def test_server_gone_for_good_raises_transient_and_wait_does_not_raise(imap_account):
    from servers import free_port

    box = ImapMailbox(imap_account.host, free_port(), "none", imap_account.user, imap_account.password,
                      reconnect_within=0.6, backoff_base=0.1)
    with pytest.raises(TransientError, match="unreachable"):
        list(box.pending())
    assert box.wait(0.2) is True  # "look again": the next tick reports the outage, the loop goes on
    box.close()


def test_idle_is_renewed(account, mailbox, monkeypatch):
    assert imap_module.IDLE_RENEW_SECONDS < 29 * 60
    monkeypatch.setattr(imap_module, "IDLE_RENEW_SECONDS", 0.3)
    list(mailbox.pending())
    issued = []
    original = mailbox._client.idle
    mailbox._client.idle = lambda: (issued.append(1), original())[1]
    assert mailbox.wait(1.5) is False
    assert len(issued) >= 3


def test_polling_without_idle_notices_new_mail(account):
    acct, client = account
    box = ImapMailbox(acct.host, acct.port, "none", acct.user, acct.password, idle=False, poll_interval=0.2)
    try:
        assert list(box.pending()) == []
        assert box.wait(0.5) is False
        timer = threading.Timer(0.3, lambda: client.append("INBOX", message(9)))
        timer.start()
        try:
            assert box.wait(10) is True
        finally:
            timer.join()
        assert [m.raw for m in box.pending()] == [message(9)]
    finally:
        box.close()


def test_release_moves_a_quarantined_message_back(account, mailbox):
    acct, client = account
    client.append("INBOX", message(1))
    client.append("INBOX", message(2))
    one, two = mailbox.pending()
    mailbox.quarantine(one.key)
    mailbox.quarantine(two.key)
    assert mailbox.release(one.key) is True  # the key given at quarantine time (Message-ID remembered)
    fresh = ImapMailbox(acct.host, acct.port, "none", acct.user, acct.password)  # e.g. the CLI
    try:
        assert fresh.release(two.key) is False  # a new process knows no Message-ID for the key...
        assert fresh.release(two.key, message_id="<msg2@example.org>") is True  # ...the store does
        assert fresh.release("<msg2@example.org>") is False  # already back
    finally:
        fresh.close()
    assert sorted(m.raw for m in mailbox.pending()) == [message(1), message(2)]
    assert folder_count(client, "Quarantine") == 0


def test_sent_folder_helpers(account):
    acct, _ = account
    sent = ImapMailbox(acct.host, acct.port, "none", acct.user, acct.password, folder="Sent", create_folder=True)
    try:
        assert sent.contains("<msg1@example.org>") is False
        sent.append(message(1))
        assert sent.contains("<msg1@example.org>") is True
        assert sent.contains("<msg2@example.org>") is False
    finally:
        sent.close()


@pytest.mark.parametrize("raw, expected", [
    (b"Subject: x\r\nMessage-ID: <a@b>\r\n\r\nbody", "<a@b>"),
    (b"message-id:\r\n <folded@b>\r\nX: y\r\n\r\n", "<folded@b>"),
    (b"Subject: x\r\n\r\nMessage-ID: <in-body@b>\r\n", None),
    (b"Subject: x\n\nMessage-ID: <in-body@b>\n", None),
    (b"", None),
])
def test_message_id_of(raw, expected):
    assert message_id_of(raw) == expected


def test_backoff_grows_to_the_cap_with_jitter():
    import random

    delays = backoff_delays(0.25, 8.0, random.Random(1))
    got = [next(delays) for _ in range(10)]
    bounds = [0.25, 0.5, 1, 2, 4, 8, 8, 8, 8, 8]
    assert all(b / 2 <= d <= b for d, b in zip(got, bounds))
