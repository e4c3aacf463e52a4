"""The next batch fetched in the background while the caller handles one (``ImapMailbox.pending``), real Dovecot.

Covered: messages across several batches arrive in order, each once, and batches after the first
are fetched by the background thread; a consumer that stops after the first batch leaves no thread
behind (also when the background fetch is backing off after a drop) and the next pass sees all
that was not moved; a connection dropped under a background fetch is survived with nothing lost
or doubled; a UIDVALIDITY change found by a background fetch ends the pass as before; and no other
use of the connection (``contains``, ``append``, ``release``, ``wait``, ``close``) runs while a
background fetch holds it (each goes through ``_run``, which waits for it, as does a move outside a listing).
"""

from __future__ import annotations

import socket
import threading

import pytest

from agent.mail.imap import ImapMailbox

from imap_support import folder_ids, message, new_box

pytestmark = pytest.mark.integration

FETCH_THREAD = "imap-fetch"


def ids(*numbers: int) -> list[str]:
    return sorted(f"<msg{n}@example.org>" for n in numbers)


def fetch_threads_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(FETCH_THREAD)]


def record_fetches(monkeypatch, before=None) -> list[tuple[str, tuple[int, ...]]]:
    """Wrap ImapMailbox._fetch to record (thread name, uids); ``before(box, client, chunk)`` runs first."""
    calls: list[tuple[str, tuple[int, ...]]] = []
    original = ImapMailbox._fetch

    def fetch(self, client, chunk, uidvalidity):
        calls.append((threading.current_thread().name, tuple(chunk)))
        if before is not None:
            before(self, client, chunk)
        return original(self, client, chunk, uidvalidity)

    monkeypatch.setattr(ImapMailbox, "_fetch", fetch)
    return calls


def test_several_batches_arrive_in_order_once_and_later_ones_are_fetched_ahead(account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(10)])
    calls = record_fetches(monkeypatch)
    box = new_box(acct, batch=3)
    try:
        got = []
        for item in box.pending():
            got.append(item)
            box.mark_processed(item.key)
        validity = client.folder_status("INBOX", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        assert [m.raw for m in got] == [message(n) for n in range(10)]
        assert [m.key for m in got] == [f"{validity}:{uid}" for uid in range(1, 11)]
        assert [uids for _, uids in calls] == [(1, 2, 3), (4, 5, 6), (7, 8, 9), (10,)]  # each batch once
        assert [name.startswith(FETCH_THREAD) for name, _ in calls] == [False, True, True, True]
        assert fetch_threads_alive() == []
        assert folder_ids(client, "Processed") == ids(*range(10)) and folder_ids(client, "INBOX") == []
    finally:
        box.close()


def test_a_single_batch_starts_no_thread(account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(3)])
    calls = record_fetches(monkeypatch)
    box = new_box(acct, batch=3)
    try:
        assert [m.raw for m in box.pending()] == [message(n) for n in range(3)]
        assert [name.startswith(FETCH_THREAD) for name, _ in calls] == [False]
    finally:
        box.close()


def test_consumer_stopping_after_the_first_batch_leaves_no_thread_and_the_rest_comes_next_pass(
        account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(7)])
    box = new_box(acct, batch=3)
    try:
        listing = box.pending()
        for _ in range(3):
            box.mark_processed(next(listing).key)
        listing.close()  # the runner stopping between two batches
        assert fetch_threads_alive() == []
        assert folder_ids(client, "Processed") == ids(0, 1, 2)
        assert [m.raw for m in box.pending()] == [message(n) for n in range(3, 7)]
    finally:
        box.close()


def test_consumer_stopping_while_the_background_fetch_backs_off_ends_it_at_once(account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(6)])
    dropped = threading.Event()

    def drop_in_background(box, c, chunk):
        if threading.current_thread().name.startswith(FETCH_THREAD) and not dropped.is_set():
            dropped.set()
            c.socket().shutdown(socket.SHUT_RDWR)

    record_fetches(monkeypatch, drop_in_background)
    # a backoff of minutes: closing the listing must cut it short, not sit it out
    box = new_box(acct, batch=3, backoff_base=600, backoff_cap=600, reconnect_within=3600)
    try:
        listing = box.pending()
        first = next(listing)
        assert dropped.wait(10)
        closer = threading.Thread(target=listing.close)
        closer.start()
        closer.join(30)
        assert not closer.is_alive() and fetch_threads_alive() == []
        got = [m.raw for m in box.pending()]  # reconnects; nothing was moved
        assert got == [message(n) for n in range(6)] and first.raw == message(0)
    finally:
        box.close()


def test_connection_dropped_under_a_background_fetch_loses_and_doubles_nothing(account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(8)])
    dropped = []

    def drop_second_batch(box, c, chunk):
        if threading.current_thread().name.startswith(FETCH_THREAD) and not dropped:
            dropped.append(tuple(chunk))
            c.socket().shutdown(socket.SHUT_RDWR)  # the connection dies under the FETCH

    calls = record_fetches(monkeypatch, drop_second_batch)
    box = new_box(acct, batch=3, backoff_base=0.05)
    try:
        got = []
        for item in box.pending():
            got.append(item.raw)
            box.mark_processed(item.key)
        assert dropped == [(4, 5, 6)] and box.reconnects == 1
        assert got == [message(n) for n in range(8)]
        assert [uids for _, uids in calls] == [(1, 2, 3), (4, 5, 6), (4, 5, 6), (7, 8)]  # retried once
        assert folder_ids(client, "Processed") == ids(*range(8)) and folder_ids(client, "INBOX") == []
    finally:
        box.close()


def test_uidvalidity_change_found_by_a_background_fetch_ends_the_pass_and_the_rest_comes_next(
        dovecot, account, monkeypatch):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(6)])

    def change_and_drop(box, c, chunk):
        if threading.current_thread().name.startswith(FETCH_THREAD) and box._uidvalidity != 4545:
            dovecot.doveadm("mailbox", "update", "-u", acct.user, "--uid-validity", "4545", "INBOX")
            c.socket().shutdown(socket.SHUT_RDWR)  # the reconnect SELECTs the new UIDVALIDITY

    record_fetches(monkeypatch, change_and_drop)
    box = new_box(acct, batch=3, backoff_base=0.05)
    try:
        first = [m.raw for m in box.pending()]
        assert first == [message(n) for n in range(3)]  # the pass stopped at the change
        second = list(box.pending())
        assert [m.raw for m in second] == [message(n) for n in range(6)]  # all, under new keys
        assert all(m.key.startswith("4545:") for m in second)
    finally:
        box.close()


OTHER_USES = {
    "contains": lambda box: box.contains("<msg1@example.org>"),
    "append": lambda box: box.append(message(99)),
    "release": lambda box: box.release("x", message_id="<msg1@example.org>"),
    "wait": lambda box: box.wait(0.2),
    "close": lambda box: box.close(),
}


@pytest.mark.parametrize("use", OTHER_USES.values(), ids=OTHER_USES.keys())
def test_no_other_use_of_the_connection_runs_during_a_background_fetch(account, monkeypatch, use):
    acct, client = account
    client.multiappend("INBOX", [message(n) for n in range(4)])
    entered, release = threading.Event(), threading.Event()
    events: list[str] = []

    def hold(box, c, chunk):
        if threading.current_thread().name.startswith(FETCH_THREAD):
            entered.set()
            assert release.wait(30), "test never released the fetch"
            events.append("fetch ends")

    record_fetches(monkeypatch, hold)
    original_use = ImapMailbox._use
    monkeypatch.setattr(ImapMailbox, "_use", lambda self, op, stop=None: (
        events.append(f"use in {threading.current_thread().name}"), original_use(self, op, stop))[1])
    box = new_box(acct, batch=2)
    try:
        listing = box.pending()
        first = next(listing)
        assert entered.wait(10)
        events.clear()
        timer = threading.Timer(0.3, release.set)  # if the use did not wait, it would run before this
        timer.start()
        use(box)
        timer.join()
        assert events[0] == "fetch ends"
        rest = [first.raw, *(m.raw for m in listing)]
        assert rest == [message(n) for n in range(4)]
        assert fetch_threads_alive() == []
    finally:
        release.set()
        box.close()

