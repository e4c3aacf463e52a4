"""Moves of handled mail sent in the background (``agent.mail.imap_mover``) against a real Dovecot.

While ``pending()`` lists, each batch of moves goes to the mover's own connection; at the end of the
listing (and in ``close()``) everything handed over is finished. Covered: the moves really leave the
main thread and all land; the mover reconnects after its connection drops mid-move; with the server
gone the failure is logged and the mail stays in the folder to be offered again (never lost, never
twice in a pass); ``close()`` finishes queued moves and ends the thread; a UIDVALIDITY change while
moves wait moves the right messages (by Message-ID); the hand-over waits while the mover is behind.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time

import pytest
from imapclient import IMAPClient

from agent.mail import imap_mover
from agent.mail.imap import ImapMailbox

from imap_support import folder_ids, message, new_box

pytestmark = pytest.mark.integration


def ids(*numbers: int) -> list[str]:
    return sorted(f"<msg{n}@example.org>" for n in numbers)


def record_move_threads(monkeypatch) -> list[tuple[str, tuple[int, ...]]]:
    """Wrap ImapMailbox._move_uids to record (thread name, uids) of each MOVE."""
    calls: list[tuple[str, tuple[int, ...]]] = []
    original = ImapMailbox._move_uids
    monkeypatch.setattr(ImapMailbox, "_move_uids", staticmethod(
        lambda c, uids, target: (calls.append((threading.current_thread().name, tuple(uids))),
                                 original(c, uids, target))[1]))
    return calls


def gate_mover(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Hold the mover before each batch until ``release`` is set; ``entered`` tells it holds one."""
    entered, release = threading.Event(), threading.Event()
    original = imap_mover.Mover._send

    def gated(self, moves):
        entered.set()
        assert release.wait(30), "test never released the mover"
        return original(self, moves)

    monkeypatch.setattr(imap_mover.Mover, "_send", gated)
    return entered, release


def test_moves_during_listing_go_to_the_mover_and_all_land_when_the_listing_ends(account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(9)])
    calls = record_move_threads(monkeypatch)
    box = new_box(acct, batch=2)
    try:
        for n, item in enumerate(box.pending()):
            (box.quarantine if n == 4 else box.mark_processed)(item.key)
        # nothing else was called: the end of the listing finished every move
        assert folder_ids(client, "INBOX") == []
        assert folder_ids(client, "Processed") == ids(0, 1, 2, 3, 5, 6, 7, 8)
        assert folder_ids(client, "Quarantine") == ids(4)
        assert sorted(uid for _, uids in calls for uid in uids) == list(range(1, 10))
        assert any(name.startswith("imap-mover") for name, _ in calls)
        assert box.reconnects == 0 and box._mover.reconnects == 0
    finally:
        box.close()


def test_mover_connection_dropped_mid_move_reconnects_and_the_moves_land(account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(6)])
    original = ImapMailbox._move_uids
    dropped = []

    def drop_first(c, uids, target):
        if threading.current_thread().name.startswith("imap-mover") and not dropped:
            dropped.append(tuple(uids))
            c.socket().shutdown(socket.SHUT_RDWR)  # the connection dies under the MOVE
        return original(c, uids, target)

    monkeypatch.setattr(ImapMailbox, "_move_uids", staticmethod(drop_first))
    box = new_box(acct, batch=2, backoff_base=0.05)
    try:
        for item in box.pending():
            box.mark_processed(item.key)
        assert dropped and box._mover.reconnects == 1 and box.reconnects == 0
        assert folder_ids(client, "Processed") == ids(*range(6))
        assert folder_ids(client, "INBOX") == []
    finally:
        box.close()


def test_server_gone_during_a_background_move_is_logged_and_the_mail_is_offered_again(
        dovecot, account, monkeypatch, caplog):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(4)])
    original = ImapMailbox._move_uids

    def server_dies(c, uids, target):
        if threading.current_thread().name.startswith("imap-mover"):
            dovecot.stop_all(signal.SIGKILL)
        return original(c, uids, target)

    monkeypatch.setattr(ImapMailbox, "_move_uids", staticmethod(server_dies))
    box = new_box(acct, batch=4, reconnect_within=0.5, backoff_base=0.05)  # one FETCH; 4 moves = a batch
    try:
        with caplog.at_level(logging.WARNING, logger="agent.mail.imap"):
            first = []
            for item in box.pending():
                box.mark_processed(item.key)
                first.append(item.raw)
        assert first == [message(n) for n in range(4)]  # the failure did not cut the listing short
        assert "moving handled mail failed" in caplog.text and "4 moves left" in caplog.text
        dovecot.start()
        monkeypatch.setattr(ImapMailbox, "_move_uids", staticmethod(original))
        again = [item.raw for item in box.pending()]
        assert again == [message(n) for n in range(4)]  # all still there, each once
    finally:
        if dovecot.proc is None:
            dovecot.start()
        box.close()
    fresh = IMAPClient(acct.host, acct.port, ssl=False, timeout=10)
    fresh.login(acct.user, acct.password)
    assert folder_ids(fresh, "INBOX") == ids(*range(4)) and folder_ids(fresh, "Processed") == []
    fresh.logout()


def test_close_with_moves_queued_finishes_them_and_ends_the_thread(account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(5)])
    entered, release = gate_mover(monkeypatch)
    box = new_box(acct, batch=2)
    listing = box.pending()
    first = [next(listing) for _ in range(4)]  # still listing: moves go to the mover
    for item in first[:2]:
        box.mark_processed(item.key)  # batch 1: taken by the mover, held at the gate
    assert entered.wait(10)
    for item in first[2:]:
        box.mark_processed(item.key)  # batch 2: queued
    thread = box._mover._thread
    release.set()
    box.close()
    assert not thread.is_alive()
    assert folder_ids(client, "Processed") == ids(0, 1, 2, 3)
    assert folder_ids(client, "INBOX") == ids(4)
    listing.close()  # the listing's own end finds nothing left to do
    box.close()


def test_uidvalidity_change_while_moves_wait_moves_the_right_messages(dovecot, account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(4)])
    entered, release = gate_mover(monkeypatch)
    box = new_box(acct, batch=2)
    try:
        listing = box.pending()
        one, two = next(listing), next(listing)
        box.mark_processed(one.key)
        box.mark_processed(two.key)  # handed over with keys of the old UIDVALIDITY
        assert entered.wait(10)
        dovecot.doveadm("mailbox", "update", "-u", acct.user, "--uid-validity", "4343", "INBOX")
        release.set()
        list(listing)  # the end of the listing drains the mover
        assert folder_ids(client, "Processed") == ids(0, 1)
        assert folder_ids(client, "INBOX") == ids(2, 3)
        for _ in range(3):  # the rest, under new keys (a pass may stop at the change)
            for item in box.pending():
                box.mark_processed(item.key)
        assert folder_ids(client, "Processed") == ids(0, 1, 2, 3)
        assert folder_ids(client, "INBOX") == []
    finally:
        box.close()


def test_hand_over_waits_while_one_batch_is_in_flight_and_one_queued(account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(4)])
    entered, release = gate_mover(monkeypatch)
    box = new_box(acct, batch=1)  # every move is a batch
    handed = []

    def consume():
        for item in box.pending():
            box.mark_processed(item.key)
            handed.append(item.key)

    worker = threading.Thread(target=consume)
    worker.start()
    try:
        assert entered.wait(10)
        deadline = time.monotonic() + 10
        while len(handed) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # a third hand-over now would mean an unbounded queue (this cannot fail spuriously)
        assert len(handed) == 2
    finally:
        release.set()
        worker.join(30)
    assert len(handed) == 4
    assert folder_ids(client, "Processed") == ids(*range(4)) and folder_ids(client, "INBOX") == []
    box.close()


def test_moves_inside_moving_after_the_listing_go_to_the_mover_and_land_when_the_block_ends(
        account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(5)])
    calls = record_move_threads(monkeypatch)
    box = new_box(acct, batch=2)
    try:
        with box.moving():
            listed = list(box.pending())  # the listing ended, the batch is handled after it
            for item in listed:
                box.mark_processed(item.key)
        assert folder_ids(client, "Processed") == ids(*range(5)) and folder_ids(client, "INBOX") == []
        # 2 + 2 handed to the mover; the last one sent at the end of the block, meanwhile
        assert sorted(name.startswith("imap-mover") for name, _ in calls) == [False, True, True]
    finally:
        box.close()
