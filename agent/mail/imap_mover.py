"""Moving handled IMAP mail out of the folder, in the background while ``ImapMailbox.pending()`` lists.

Sending a batch of moves (a SELECT for UIDVALIDITY, then one MOVE per target folder) is a wait on
the server, while the agent's main thread has work to do (acting on the mail, writing the store). So
during a listing the mailbox hands each batch to a ``Mover``: one daemon thread with its own
connection (same settings, same reconnect-with-backoff as the main one) that sends it, while the
main connection goes on with SEARCH, FETCH and IDLE. Guarantees:

* Bounded: one batch in flight and one queued; ``submit`` waits while the mover is behind.
* ``drain()`` returns once everything handed over is sent (or has failed), and raises the failure:
  the mailbox drains at the end of every listing and before ``wait``, ``close``, ``release`` and any
  move outside a listing, so callers see the same state at every pass boundary as with synchronous moves.
* A failed batch only leaves handled mail in the folder, where the next pass offers it again and the
  ledger ("already handled") moves it: nothing vanishes. After the server stayed unreachable for the
  whole reconnect window, the rest of the pass's batches are not tried (each would wait as long).
* The mover shares no mutable state with the main connection: a move carries its key's Message-ID
  (for a key outdated by a UIDVALIDITY change), read by the main thread when it hands the batch over.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from agent.errors import AdapterError, TransientError

if TYPE_CHECKING:
    from agent.mail.imap import ImapMailbox

log = logging.getLogger(__name__)

Move = tuple[str, str, "str | None"]  # (key, target folder, Message-ID of the message, if known)


def send_moves(box: ImapMailbox, client: IMAPClient, moves: list[Move], validity: int,
               known_folders: set[str]) -> None:
    """One MOVE per target folder on ``client`` (the folder selected, with UIDVALIDITY ``validity``).

    A key of another UIDVALIDITY is found again by its Message-ID; without one the message stays
    and is offered again under its new key (the ledger recognises it).
    """
    by_target: dict[str, list[int]] = {}
    for key, target, message_id in moves:
        key_validity, uid = (int(part) for part in key.split(":", 1))
        if key_validity == validity:
            uids = [uid]
        elif message_id:
            uids = list(client.search(["HEADER", "Message-ID", message_id]))
        else:
            log.warning("IMAP %s: UIDVALIDITY changed and the Message-ID of %s is unknown; "
                        "the message will be offered again under a new key", box.identity, key)
            uids = []
        by_target.setdefault(target, []).extend(uids)
    for target, uids in by_target.items():
        if uids:
            ensure_folder(client, target, known_folders)
            box._move_uids(client, sorted(set(uids)), target)


def shut_down(client: IMAPClient | None) -> None:
    """Close a connection that is being thrown away (it may be dead already)."""
    if client is not None:
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001 - the connection is being thrown away
            pass


def log_out(client: IMAPClient | None) -> None:
    """LOGOUT, best effort: a connection that cannot say goodbye is shut down."""
    if client is not None:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - closing is best effort
            shut_down(client)


def ensure_folder(client: IMAPClient, folder: str, known_folders: set[str]) -> None:
    """Create ``folder`` unless it exists (checked once per connection, remembered in ``known_folders``)."""
    if folder in known_folders:
        return
    if not client.folder_exists(folder):
        try:
            client.create_folder(folder)
        except IMAPClientError:
            if not client.folder_exists(folder):  # lost a race with another worker: fine
                raise
    known_folders.add(folder)


class Mover:
    """Sends batches of moves for ``box`` on its own connection, in one daemon thread (started on first use)."""

    def __init__(self, box: ImapMailbox):
        self._box = box
        self._queue: queue.Queue[list[Move] | None] = queue.Queue(maxsize=1)  # + the one in flight
        self._thread: threading.Thread | None = None
        self._client: IMAPClient | None = None
        self._known_folders: set[str] = set()
        self._had_connection = False
        self.reconnects = 0  # for tests and status, like ImapMailbox.reconnects
        # written by the mover thread, read by the caller after queue.join() (which orders the two)
        self._failure: AdapterError | None = None
        self._unsent = 0  # moves of failed or skipped batches since the last drain

    def submit(self, moves: list[Move]) -> None:
        """Hand over a batch; returns at once, unless a batch is in flight and another waits."""
        if not moves:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=f"imap-mover {self._box.identity}",
                                             daemon=True)
            self._thread.start()
        self._queue.put(moves)

    def drain(self) -> None:
        """Wait until every batch handed over is sent; raise ``AdapterError`` if any failed."""
        if self._thread is None:
            return
        self._queue.join()
        failure, unsent = self._failure, self._unsent
        self._failure, self._unsent = None, 0
        if failure is not None:
            kind = TransientError if isinstance(failure, TransientError) else AdapterError
            raise kind(f"{failure} ({unsent} moves left in {self._box.folder})") from failure

    def close(self) -> None:
        """Drain (raising its failure), then end the thread and log its connection out; always joins."""
        try:
            self.drain()
        finally:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()
                self._thread = None

    # ------------------------------------------------------------------ the thread

    def _serve(self) -> None:
        while True:
            moves = self._queue.get()
            try:
                if moves is None:
                    self._logout()
                    return
                if isinstance(self._failure, TransientError):  # unreachable for the whole window
                    self._unsent += len(moves)
                    continue
                self._box._retry(lambda: self._send(moves), self._drop)
            except AdapterError as exc:
                self._failure = self._failure or exc
                self._unsent += len(moves)
            except Exception as exc:  # noqa: BLE001 - a bug must not kill the thread nor go unnoticed
                log.exception("IMAP %s: the background mover failed", self._box.identity)
                self._failure = self._failure or AdapterError(f"IMAP {self._box.identity}: mover failed: {exc!r}")
                self._unsent += len(moves or ())
            finally:
                self._queue.task_done()

    def _send(self, moves: list[Move]) -> None:
        client = self._client or self._connect()
        validity = int(client.select_folder(self._box.folder)[b"UIDVALIDITY"])
        send_moves(self._box, client, moves, validity, self._known_folders)

    def _connect(self) -> IMAPClient:
        self._client = self._box._open(lambda client: None)
        self._known_folders.clear()
        if self._had_connection:
            self.reconnects += 1
        self._had_connection = True
        return self._client

    def _drop(self) -> None:
        client, self._client = self._client, None
        shut_down(client)

    def _logout(self) -> None:
        client, self._client = self._client, None
        log_out(client)
