"""IMAP mailbox (imapclient): the program's inbox on any IMAP4rev1 server.

See ``agent.ports.Mailbox`` for the contract. Specific to IMAP:

* Keys are ``UIDVALIDITY:UID`` (RFC 3501 §2.3.1.1). Processed and quarantined mail is moved out of
  the folder (RFC 6851 MOVE, or COPY + ``\\Deleted`` + UID EXPUNGE), never deleted, so ``pending()``
  is simply every message still in the folder.
* When the folder's UIDVALIDITY changes, old keys no longer name messages by UID; a key handed
  out before the change is found again by its Message-ID header.
* ``wait()`` uses IDLE (RFC 2177), re-issued well before the server's 30-minute limit.
* One reconnect is tried on a dropped connection; network failures become ``TransientError``.
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from email.parser import BytesHeaderParser
from typing import Literal, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from agent.errors import AdapterError, TransientError
from agent.ports import InboundMail, Mailbox

log = logging.getLogger(__name__)

T = TypeVar("T")
Security = Literal["tls", "starttls", "none"]

IDLE_RENEW_SECONDS = 24 * 60  # RFC 2177: servers may drop an IDLE after 30 minutes
NO_IDLE_POLL_SECONDS = 60.0
_REMEMBERED_IDS = 100_000  # key -> Message-ID, for keys that outlive a UIDVALIDITY change
_DROPPED = (OSError, IMAPClientAbortError, socket.timeout)  # ssl.SSLError is an OSError


class ImapMailbox(Mailbox):
    """A folder on an IMAP server. ``security`` is ``tls`` (implicit, port 993), ``starttls`` or ``none``."""

    def __init__(self, host: str, port: int, security: Security, username: str, password: str,
                 folder: str = "INBOX", processed_folder: str = "Processed",
                 quarantine_folder: str = "Quarantine", ssl_context: ssl.SSLContext | None = None,
                 batch: int = 500, timeout: float = 60.0):
        if security not in ("tls", "starttls", "none"):
            raise ValueError(f"security must be tls, starttls or none, not {security!r}")
        self.host, self.port, self.security = host, port, security
        self.username, self._password = username, password
        self.folder, self.processed_folder, self.quarantine_folder = folder, processed_folder, quarantine_folder
        self.ssl_context = ssl_context
        self.batch = batch
        self.timeout = timeout
        self.identity = f"imap:{username}@{host}/{folder}"
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._known_folders: set[str] = set()
        self._message_ids: OrderedDict[str, str] = OrderedDict()

    def __repr__(self) -> str:
        return f"ImapMailbox({self.identity!r}, port={self.port}, security={self.security!r})"

    # ------------------------------------------------------------------ connection

    def _connect(self) -> IMAPClient:
        try:
            client = IMAPClient(self.host, self.port, ssl=self.security == "tls",
                                ssl_context=self.ssl_context, timeout=self.timeout)
            if self.security == "starttls":
                client.starttls(self.ssl_context or ssl.create_default_context())
            client.login(self.username, self._password)
            self._uidvalidity = int(client.select_folder(self.folder)[b"UIDVALIDITY"])
        except LoginError:
            raise AdapterError(f"IMAP login refused for {self.username} at {self.host}:{self.port}") from None
        except _DROPPED as exc:
            raise TransientError(f"IMAP connection to {self.host}:{self.port} failed: {exc}") from exc
        except IMAPClientError as exc:
            raise AdapterError(f"IMAP {self.identity}: {exc}") from exc
        self._known_folders.clear()
        self._client = client
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001 - the connection is being thrown away
                pass

    def _run(self, op: Callable[[IMAPClient], T]) -> T:
        """Run ``op`` on a live connection; on a dropped connection reconnect once and retry."""
        for attempt in (1, 2):
            client = self._client or self._connect()
            try:
                return op(client)
            except _DROPPED as exc:
                self._drop()
                if attempt == 2:
                    raise TransientError(f"IMAP {self.identity}: connection lost: {exc}") from exc
                log.info("IMAP %s: connection lost (%s), reconnecting", self.identity, exc)
            except IMAPClientError as exc:
                raise AdapterError(f"IMAP {self.identity}: {exc}") from exc
        raise AssertionError("unreachable")

    def _refresh(self, client: IMAPClient) -> int:
        """Re-select the folder: picks up a UIDVALIDITY change before UIDs are trusted."""
        self._uidvalidity = int(client.select_folder(self.folder)[b"UIDVALIDITY"])
        return self._uidvalidity

    # ------------------------------------------------------------------ Mailbox

    def pending(self) -> Iterator[InboundMail]:
        uidvalidity, uids = self._run(lambda c: (self._refresh(c), sorted(c.search("ALL"))))
        for i in range(0, len(uids), self.batch):
            chunk = uids[i:i + self.batch]
            fetched = self._run(lambda c: c.fetch(chunk, ["BODY.PEEK[]"]))
            for uid in chunk:
                data = fetched.get(uid)
                if data is None:  # moved away since the search
                    continue
                raw = data[b"BODY[]"]
                key = f"{uidvalidity}:{uid}"
                self._remember(key, raw)
                yield InboundMail(key=key, raw=raw)

    def mark_processed(self, key: str) -> None:
        self._move(key, self.processed_folder)

    def quarantine(self, key: str) -> None:
        self._move(key, self.quarantine_folder)

    def wait(self, timeout: float) -> bool:
        client = self._client or self._run(lambda c: c)
        if not client.has_capability("IDLE"):
            time.sleep(min(timeout, NO_IDLE_POLL_SECONDS))
            return False
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if self._run(lambda c: self._idle_once(c, min(left, IDLE_RENEW_SECONDS))):
                return True
            if self._client is not client:  # reconnected: mail may have come while we were away
                return True
        return False

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - closing is best effort
                self._client = client
                self._drop()

    # ------------------------------------------------------------------ helpers

    def _remember(self, key: str, raw: bytes) -> None:
        message_id = BytesHeaderParser().parsebytes(raw).get("Message-ID")
        if message_id:
            self._message_ids[key] = message_id.strip()
            while len(self._message_ids) > _REMEMBERED_IDS:
                self._message_ids.popitem(last=False)

    def _move(self, key: str, target: str) -> None:
        try:
            key_validity, uid = (int(part) for part in key.split(":", 1))
        except ValueError:
            raise AdapterError(f"IMAP {self.identity}: not an IMAP key: {key!r}") from None

        def op(client: IMAPClient) -> None:
            if self._refresh(client) == key_validity:
                uids = [uid]
            else:
                uids = self._find_by_message_id(client, key)
            if uids:
                self._ensure_folder(client, target)
                self._move_uids(client, uids, target)

        self._run(op)
        self._message_ids.pop(key, None)

    def _find_by_message_id(self, client: IMAPClient, key: str) -> list[int]:
        message_id = self._message_ids.get(key)
        if message_id is None:
            log.warning("IMAP %s: UIDVALIDITY changed and the Message-ID of %s is unknown; "
                        "the message will be offered again under a new key", self.identity, key)
            return []
        return sorted(client.search(["HEADER", "Message-ID", message_id]))

    def _ensure_folder(self, client: IMAPClient, folder: str) -> None:
        if folder in self._known_folders:
            return
        if not client.folder_exists(folder):
            try:
                client.create_folder(folder)
            except IMAPClientError:
                if not client.folder_exists(folder):  # lost a race with another worker: fine
                    raise
        self._known_folders.add(folder)

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
        """One IDLE of at most ``seconds``; True when the server announced new mail (EXISTS)."""
        client.idle()
        try:
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                responses = client.idle_check(timeout=min(left, 30.0))
                if any(len(r) > 1 and r[1] == b"EXISTS" for r in responses):
                    return True
            return False
        finally:
            client.idle_done()
