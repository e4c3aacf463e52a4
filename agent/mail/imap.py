"""IMAP mailbox (imapclient): the program's inbox on any IMAP4rev1 server.

See ``agent.ports.Mailbox`` for the contract. Specific to IMAP:

* Keys are ``UIDVALIDITY:UID`` (RFC 3501 §2.3.1.1). Processed and quarantined mail is moved out of
  the folder (RFC 6851 MOVE, or COPY + ``\\Deleted`` + UID EXPUNGE), never deleted, so ``pending()``
  is simply every message still in the folder: nothing can be missed, whatever happened meanwhile.
* When the folder's UIDVALIDITY changes, old keys no longer name messages by UID; a key handed
  out before the change is found again by its Message-ID. The same message offered again under
  its new key is recognised by the runner's ledger (Message-ID, content hash) as a duplicate.
* Fetches go in batches of ``batch`` UIDs. While the caller handles one batch, the next is fetched
  in the background on the same connection (one thread; one batch ahead, so at most two are held).
  Nothing else uses the connection meanwhile: every other use waits for that fetch first, and a
  listing that ends early cancels or awaits it before it returns. A failed fetch reconnects with
  backoff as below; its error, if any, is raised where the listing reaches that batch.
* Moves requested while ``pending()`` is being iterated are collected and sent as one MOVE per
  batch, in the background on a second connection (``agent.mail.imap_mover``) while the listing
  goes on; when the iteration ends, and before ``wait``, ``close``, ``release`` or a move outside a
  listing, every move handed over is finished first. A crash or a failed move only leaves handled
  mail in the folder, which the ledger recognises and moves next time.
* ``wait()`` uses IDLE (RFC 2177), re-issued every ``IDLE_RENEW_SECONDS`` (< 29 minutes); without
  IDLE it polls UIDNEXT every ``poll_interval`` seconds. It returns True after a reconnect, since
  mail may have come while the connection was down.
* A dropped connection or a server restart is survived: every operation reconnects with
  exponential backoff and jitter for up to ``reconnect_within`` seconds, then raises
  ``TransientError``. A refused login raises ``AdapterError`` (retrying cannot fix a password).
* ``release(key)`` moves a quarantined message back into the folder, found by Message-ID.
"""

from __future__ import annotations

import logging
import random
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import contextmanager
from typing import Literal, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from agent.errors import AdapterError, TransientError
from agent.mail.imap_mover import Move, Mover, log_out, send_moves, shut_down
from agent.ports import InboundMail, Mailbox

log = logging.getLogger(__name__)

T = TypeVar("T")
Security = Literal["tls", "starttls", "none"]

IDLE_RENEW_SECONDS = 24 * 60  # RFC 2177: servers may drop an IDLE after 30 minutes; renew well before 29
_REMEMBERED_IDS = 100_000  # key -> Message-ID, for keys that outlive a UIDVALIDITY change or a move
_DROPPED = (OSError, IMAPClientAbortError, socket.timeout)  # ssl.SSLError is an OSError
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def backoff_delays(base: float, cap: float, rng: random.Random | None = None) -> Iterator[float]:
    """Endless delays ``base``, ``2 base``, ``4 base`` ... at most ``cap``, each with equal jitter
    (between half and all of it), so that many agents do not reconnect in lockstep."""
    rng = rng or random.Random()
    step = base
    while True:
        yield step / 2 + rng.uniform(0, step / 2)
        step = min(step * 2, cap)


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header, read from the header block only (much cheaper than a parser)."""
    end = min((i for i in (raw.find(b"\r\n\r\n", 0, 262_144), raw.find(b"\n\n", 0, 262_144)) if i >= 0),
              default=min(len(raw), 262_144))
    match = _MESSAGE_ID.search(raw, 0, end)
    if match is None:
        return None
    value = b" ".join(match.group(1).split()).decode("ascii", "replace")
    return value or None


class ImapMailbox(Mailbox):
    """A folder on an IMAP server. ``security`` is ``tls`` (implicit, port 993), ``starttls`` or ``none``."""

    def __init__(self, host: str, port: int, security: Security, username: str, password: str,
                 folder: str = "INBOX", processed_folder: str = "Processed",
                 quarantine_folder: str = "Quarantine", ssl_context: ssl.SSLContext | None = None,
                 batch: int = 500, timeout: float = 60.0, *, idle: bool = True, poll_interval: float = 30.0,
                 reconnect_within: float = 60.0, backoff_base: float = 0.25, backoff_cap: float = 8.0,
                 create_folder: bool = False):
        if security not in ("tls", "starttls", "none"):
            raise ValueError(f"security must be tls, starttls or none, not {security!r}")
        self.host, self.port, self.security = host, port, security
        self.username, self._password = username, password
        self.folder, self.processed_folder, self.quarantine_folder = folder, processed_folder, quarantine_folder
        self.ssl_context = ssl_context
        self.batch, self.timeout = batch, timeout
        self.use_idle, self.poll_interval = idle, poll_interval
        self.reconnect_within, self.backoff_base, self.backoff_cap = reconnect_within, backoff_base, backoff_cap
        self.create_folder = create_folder
        self.identity = f"imap:{username}@{host}/{folder}"
        self.reconnects = 0  # how often a dropped connection was re-established (for tests and status)
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._uidnext = 0
        self._listed_uidnext: int | None = None
        self._had_connection = False
        self._known_folders: set[str] = set()
        self._message_ids: OrderedDict[str, str] = OrderedDict()
        self._iterating = 0
        self._moves: list[tuple[str, str]] = []  # (key, target folder), sent at the next flush
        self._mover: Mover | None = None  # sends the flushes of a listing in the background
        self._ahead: set[Future] = set()  # batches being fetched in the background (caller's thread only)
        self._fetching = threading.Lock()  # held by a background fetch while it uses the connection

    def __repr__(self) -> str:
        return f"ImapMailbox({self.identity!r}, port={self.port}, security={self.security!r})"

    # ------------------------------------------------------------------ connection

    def _open(self, setup: Callable[[IMAPClient], object]) -> IMAPClient:
        """A new logged-in connection, ``setup`` run on it; errors become AdapterError/TransientError."""
        try:
            client = IMAPClient(self.host, self.port, ssl=self.security == "tls",
                                ssl_context=self.ssl_context, timeout=self.timeout)
            _keepalive(client.socket())
            if self.security == "starttls":
                client.starttls(self.ssl_context or ssl.create_default_context())
            client.login(self.username, self._password)
            if self.create_folder and not client.folder_exists(self.folder):
                client.create_folder(self.folder)
            setup(client)
        except LoginError as exc:
            if "UNAVAILABLE" in str(exc).upper():  # RFC 5530: the server's auth is not ready yet
                raise TransientError(f"IMAP login at {self.host}:{self.port} temporarily unavailable") from None
            raise AdapterError(f"IMAP login refused for {self.username} at {self.host}:{self.port}") from None
        except _DROPPED as exc:
            raise TransientError(f"IMAP connection to {self.host}:{self.port} failed: {exc}") from exc
        except IMAPClientError as exc:
            raise AdapterError(f"IMAP {self.identity}: {exc}") from exc
        return client

    def _connect(self) -> IMAPClient:
        client = self._open(self._refresh)
        self._known_folders.clear()
        self._client = client
        if self._had_connection:
            self.reconnects += 1
        self._had_connection = True
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        shut_down(client)

    def _run(self, op: Callable[[IMAPClient], T]) -> T:
        """Run ``op`` on a live connection, reconnecting with backoff while the server is away;
        first waits for a background fetch (the connection is never used by two threads at once)."""
        self._await_ahead()
        return self._use(op)

    def _use(self, op: Callable[[IMAPClient], T], stop: threading.Event | None = None) -> T:
        return self._retry(lambda: op(self._client or self._connect()), self._drop, stop)

    def _await_ahead(self) -> None:
        """Wait until no batch is being fetched in the background (its result stays for the listing)."""
        if self._ahead:
            wait_for(list(self._ahead))

    def _retry(self, attempt: Callable[[], T], drop: Callable[[], None],
               stop: threading.Event | None = None) -> T:
        """``attempt()`` until it succeeds; after a dropped connection ``drop()``, back off and again,
        for up to ``reconnect_within`` seconds (the mover's connection is retried the same way).
        A set ``stop`` ends the backoff early (a listing that ended no longer wants the batch)."""
        delays = backoff_delays(self.backoff_base, self.backoff_cap)
        give_up_at = time.monotonic() + self.reconnect_within
        while True:
            try:
                return attempt()
            except (TransientError, *_DROPPED) as exc:
                drop()
                delay = next(delays)
                if time.monotonic() + delay > give_up_at:
                    raise TransientError(f"IMAP {self.identity}: server unreachable for "
                                         f"{self.reconnect_within:.0f} s: {exc}") from exc
                log.info("IMAP %s: connection lost (%s); reconnecting in %.2f s", self.identity, exc, delay)
                if stop is None:
                    time.sleep(delay)
                elif stop.wait(delay):
                    raise TransientError(f"IMAP {self.identity}: listing ended while reconnecting") from exc
            except IMAPClientError as exc:
                raise AdapterError(f"IMAP {self.identity}: {exc}") from exc

    def _refresh(self, client: IMAPClient) -> int:
        """Re-select the folder: picks up a UIDVALIDITY change before UIDs are trusted."""
        status = client.select_folder(self.folder)
        self._uidvalidity = int(status[b"UIDVALIDITY"])
        self._uidnext = int(status.get(b"UIDNEXT", 0) or 0)
        return self._uidvalidity

    # ------------------------------------------------------------------ Mailbox

    def pending(self) -> Iterator[InboundMail]:
        self._iterating += 1
        stop = threading.Event()
        executor: ThreadPoolExecutor | None = None
        ahead: Future | None = None  # the next chunk, being fetched while this one is handled
        try:
            uidvalidity, uids = self._run(lambda c: (self._refresh(c), sorted(c.search("ALL"))))
            self._listed_uidnext = self._uidnext
            chunks = [uids[i:i + self.batch] for i in range(0, len(uids), self.batch)]
            for n, chunk in enumerate(chunks):
                self._flush_moves()
                if ahead is None:
                    fetched = self._run(lambda c: self._fetch(c, chunk, uidvalidity))
                else:
                    self._ahead.discard(ahead)
                    fetched, ahead = ahead.result(), None  # its failure (after the backoff) is raised here
                if fetched is not None and n + 1 < len(chunks):
                    executor = executor or ThreadPoolExecutor(1, f"imap-fetch {self.identity}")
                    ahead = executor.submit(self._fetch_ahead, chunks[n + 1], uidvalidity, stop)
                    self._ahead.add(ahead)
                if fetched is None:  # reconnected to a folder with new UIDs: the next pass lists them
                    log.warning("IMAP %s: UIDVALIDITY changed while listing; the rest comes next pass",
                                self.identity)
                    return
                for uid in chunk:
                    data = fetched.get(uid)
                    if data is None:  # moved away since the search
                        continue
                    raw = data[b"BODY[]"]
                    key = f"{uidvalidity}:{uid}"
                    self._remember(key, raw)
                    yield InboundMail(key=key, raw=raw)
                del fetched  # at most two chunks held: the one being handled and the one arriving
        finally:
            stop.set()
            if ahead is not None:
                ahead.cancel()
                wait_for([ahead])
                self._ahead.discard(ahead)
            if executor is not None:
                executor.shutdown(wait=True)
            self._end_collecting()

    def _fetch(self, client: IMAPClient, chunk: list[int], uidvalidity: int) -> dict | None:
        """The chunk's messages; None when the folder (reconnected) no longer has ``uidvalidity``."""
        return client.fetch(chunk, ["BODY.PEEK[]"]) if self._uidvalidity == uidvalidity else None

    def _fetch_ahead(self, chunk: list[int], uidvalidity: int, stop: threading.Event) -> dict | None:
        """``_fetch`` in the background thread, reconnecting as ``_run`` does; the caller's thread
        touches the connection only after this is done (``_await_ahead``)."""
        with self._fetching:  # another listing's fetch, if two are open at once
            if stop.is_set():
                return None
            return self._use(lambda c: self._fetch(c, chunk, uidvalidity), stop)

    @contextmanager
    def moving(self) -> Iterator[None]:
        """Inside, moves are collected and sent in the background as during a listing (e.g. for a
        batch still being handled after its listing ended); all are finished when the block ends."""
        self._iterating += 1
        try:
            yield
        finally:
            self._end_collecting()

    def _end_collecting(self) -> None:
        self._iterating -= 1
        if not self._iterating:
            self._settle_moves_logged()

    def mark_processed(self, key: str) -> None:
        self._move(key, self.processed_folder)

    def quarantine(self, key: str) -> None:
        self._move(key, self.quarantine_folder)

    def release(self, key: str, message_id: str | None = None) -> bool:
        """Move a quarantined message back into the folder; False when it is not in quarantine.

        Keys change on every move, so the message is found by its Message-ID: ``message_id``, else
        the one remembered for ``key``, else ``key`` itself when it is a Message-ID.
        """
        self._settle_moves_logged()
        wanted = message_id or self._message_ids.get(key) or (key if "@" in key else None)
        if not wanted:
            log.warning("IMAP %s: cannot release %s: its Message-ID is unknown", self.identity, key)
            return False

        def op(client: IMAPClient) -> bool:
            if not client.folder_exists(self.quarantine_folder):
                return False
            try:
                client.select_folder(self.quarantine_folder)
                uids = sorted(client.search(["HEADER", "Message-ID", wanted]))
                if uids:
                    self._move_uids(client, uids, self.folder)
                return bool(uids)
            finally:
                self._refresh(client)

        return self._run(op)

    def append(self, raw: bytes, flags: tuple[bytes, ...] = (b"\\Seen",)) -> None:
        """Add a message to the folder (the Sent copy of ``agent.mail.smtp.SentFolderCheck``)."""
        self._run(lambda c: c.append(self.folder, raw, flags=flags))

    def contains(self, message_id: str) -> bool:
        """True when a message with this Message-ID header is in the folder."""
        return bool(self._run(lambda c: c.search(["HEADER", "Message-ID", message_id])))

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        self._await_ahead()
        try:
            self._settle_moves()
            client = self._run(lambda c: c)
            if not (self.use_idle and client.has_capability("IDLE")):
                return self._poll(deadline)
            while (left := deadline - time.monotonic()) > 0:
                if self._idle_once(client, min(left, IDLE_RENEW_SECONDS)):
                    return True
            return False
        except _DROPPED as exc:
            log.info("IMAP %s: connection lost while waiting (%s); reconnecting", self.identity, exc)
            self._drop()
        except AdapterError as exc:  # never raise from wait: the next tick reports the outage
            log.warning("IMAP %s: %s", self.identity, exc)
            time.sleep(max(0.0, deadline - time.monotonic()))
            return True
        try:
            self._run(lambda c: c)
        except AdapterError as exc:
            log.warning("IMAP %s: %s", self.identity, exc)
        return True  # mail may have come while the connection was down

    def close(self) -> None:
        self._await_ahead()
        self._settle_moves_logged()
        mover, self._mover = self._mover, None
        if mover is not None:
            try:
                mover.close()  # drained above: ends its thread and logs its connection out
            except AdapterError as exc:
                log.warning("IMAP %s: moving handled mail failed: %s", self.identity, exc)
        client, self._client = self._client, None
        log_out(client)

    # ------------------------------------------------------------------ helpers

    def _remember(self, key: str, raw: bytes) -> None:
        message_id = message_id_of(raw)
        if message_id:
            self._message_ids[key] = message_id
            while len(self._message_ids) > _REMEMBERED_IDS:
                self._message_ids.popitem(last=False)

    def _move(self, key: str, target: str) -> None:
        try:
            int(key.split(":", 1)[0]), int(key.split(":", 1)[1])
        except (ValueError, IndexError):
            raise AdapterError(f"IMAP {self.identity}: not an IMAP key: {key!r}") from None
        self._moves.append((key, target))
        if not self._iterating:
            self._settle_moves()
        elif len(self._moves) >= self.batch:
            self._flush_moves()

    def _take_moves(self) -> list[Move]:
        """The collected moves, each with its Message-ID (read here, in the caller's thread only)."""
        moves, self._moves = self._moves, []
        taken = [(key, target, self._message_ids.get(key)) for key, target in moves]
        for key, target in moves:
            if target != self.quarantine_folder:  # kept for release()
                self._message_ids.pop(key, None)
        return taken

    def _flush_moves(self) -> None:
        """While listing: hand the collected moves to the background mover (waits only if it is behind)."""
        if self._moves:
            self._mover = self._mover or Mover(self)
            self._mover.submit(self._take_moves())

    def _settle_moves(self) -> None:
        """Send the collected moves on this connection and finish those handed to the mover; the
        first failure is raised once both are done (a second one is logged)."""
        moves, failures = self._take_moves(), []
        try:
            if moves:
                self._run(lambda c: send_moves(self, c, moves, self._refresh(c), self._known_folders))
        except AdapterError as exc:
            failures.append(exc)
        finally:
            try:
                if self._mover is not None:
                    self._mover.drain()
            except AdapterError as exc:
                failures.append(exc)
        for exc in failures[1:]:
            log.warning("IMAP %s: moving handled mail failed: %s", self.identity, exc)
        if failures:
            raise failures[0]

    def _settle_moves_logged(self) -> None:
        try:
            self._settle_moves()
        except AdapterError as exc:  # the ledger moves them next pass
            log.warning("IMAP %s: moving handled mail failed: %s", self.identity, exc)

    @staticmethod
    def _move_uids(client: IMAPClient, uids: list[int], target: str) -> None:
        """MOVE, or COPY + \\Deleted + UID EXPUNGE. UIDs already gone are ignored by the server."""
        if client.has_capability("MOVE"):
            client.move(uids, target)
            return
        client.copy(uids, target)
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()

    def _idle_once(self, client: IMAPClient, seconds: float) -> bool:
        """One IDLE of at most ``seconds``; True when the server announced new mail (EXISTS).

        A BYE (server shutting down) or a closed socket raises one of ``_DROPPED``. imapclient
        returns an empty list at once on a closed socket, so an early empty answer ends the IDLE:
        DONE on a dead connection raises, on a live one the caller simply idles again.
        """
        client.idle()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            chunk = min(left, 30.0)
            started = time.monotonic()
            responses = client.idle_check(timeout=chunk)
            if any(len(r) > 1 and r[1] == b"EXISTS" for r in responses):
                client.idle_done()
                return True
            if any(r and r[0] == b"BYE" for r in responses):
                raise IMAPClientAbortError(f"server said BYE: {responses}")
            if not responses and time.monotonic() - started < chunk / 2:
                break
        client.idle_done()
        return False

    def _poll(self, deadline: float) -> bool:
        """No IDLE: re-select every ``poll_interval`` seconds; True once UIDNEXT or UIDVALIDITY moved.

        The baseline is what the last ``pending()`` listed, so mail that came in between is seen.
        (SELECT rather than STATUS: servers may answer STATUS on the selected folder from a stale view.)
        """
        if self._listed_uidnext is None:
            self._run(self._refresh)
            self._listed_uidnext = self._uidnext
        seen = (self._uidvalidity, self._listed_uidnext)
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, self.poll_interval))
            validity = self._run(self._refresh)
            if (validity, self._uidnext) != seen:
                return True
        return False


def _keepalive(sock: socket.socket) -> None:
    """TCP keepalive, so that a connection dropped without a FIN (NAT, cable) is noticed in ~2 minutes."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 15), ("TCP_KEEPCNT", 4)):
            if hasattr(socket, name):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    except OSError:
        pass
