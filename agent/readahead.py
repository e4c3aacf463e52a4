"""Reading the next batch of mail in a helper process while this one acts on the current batch.

Reading a message (parsing its MIME, taking the reply apart from the quoted history, finding the
agenda, notes, request or calendar answer in it) depends only on the message bytes, the roster and
"now", never on the store, so the next batch can be read before the batch ahead of it is
committed. With a backlog (batches of ``READ_AHEAD_MIN`` messages or more), ``inbound.handle_batches``
hands the next batch to one helper process and acts on the current one meanwhile: on two cores the
reading and the acting overlap, the way a mail server's parsing and delivery stages do.

The guarantees do not move. What comes back is only a value (``Read``); the ledger check, the
duplicate check and every effect still happen in the main process, in order, in one transaction
per batch. A batch read ahead but never acted on (a stop, a lost mailbox lease) is simply dropped:
its mail is still in the mailbox. If the helper fails (killed, out of memory, a bug) or takes longer
than ``READ_TIMEOUT``, the batch is read in the main process as before and a new helper is started
for the next batch; the parser's own limits on size and nesting (``understanding.mime``) apply in
both places.

The helper is started with ``spawn`` (no copy of this process's database connections or threads)
the first time a batch is big enough, and stopped by ``App.close``. ``[service] read_ahead = false``
turns it off.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import logging
import multiprocessing
import traceback
from collections.abc import Mapping
from concurrent.futures import Future
from datetime import datetime
from typing import NamedTuple

from agent.domain.model import Understanding
from agent.errors import MessageRejected
from agent.understanding.classify import understand
from agent.understanding.mime import ParsedMail

log = logging.getLogger(__name__)

READ_AHEAD_MIN = 16  # smaller batches are read in place: a helper would not pay for itself
READ_TIMEOUT = 120.0  # seconds for one batch (the parser bounds each message well below this)


class Read(NamedTuple):
    """One message read: its content hash and either (mail, understanding) or why it cannot be read."""

    content_hash: str
    mail: ParsedMail | None
    understanding: Understanding | None
    problem: str | None = None  # set when mail is None: the quarantine reason
    trace: str | None = None  # the traceback of an unexpected failure, for the log


def read_message(raw: bytes, now: datetime, *, participants: Mapping[str, str], names: Mapping[str, str],
                 zones: Mapping[str, str]) -> Read:
    """Read one message; never raises (a message that cannot be read carries the reason)."""
    content_hash = hashlib.sha256(raw).hexdigest()
    try:
        mail, understanding = understand(raw, participants=participants, now=now, names=names, zones=zones)
    except MessageRejected as exc:
        return Read(content_hash, None, None, str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the daemon: quarantine and carry on
        return Read(content_hash, None, None, f"could not be read ({type(exc).__name__}: {exc})",
                    traceback.format_exc())
    return Read(content_hash, mail, understanding)


# -- in the helper process ---------------------------------------------------------------------------

_ROSTER: dict[int, dict] = {}  # roster version -> the read context, sent once per version


def _read_batch(raws: list[bytes], now: datetime, version: int, context: dict | None) -> list[Read]:
    if context is not None:
        _ROSTER.clear()
        _ROSTER[version] = context
    return [read_message(raw, now, **_ROSTER[version]) for raw in raws]


# -- in the main process -----------------------------------------------------------------------------


class ReadAhead:
    """One helper process reading batches in order; ``submit`` now, ``result`` when the batch is due."""

    def __init__(self) -> None:
        self._pool: cf.ProcessPoolExecutor | None = None
        self._version_sent: int | None = None

    def start(self) -> None:
        """Start the helper now (the daemon does at start-up), so the first backlog does not wait for it."""
        future = self.submit([], datetime.now().astimezone(), -1, {})
        if future is not None:
            self.result(future, 0)

    def submit(self, raws: list[bytes], now: datetime, version: int, context: dict) -> Future | None:
        """Start reading ``raws``; None when no helper can be started (the batch is read in place)."""
        try:
            if self._pool is None:
                self._pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
                self._version_sent = None
            future = self._pool.submit(_read_batch, raws, now, version,
                                       context if version != self._version_sent else None)
        except Exception:  # noqa: BLE001 - no helper: the main process reads, as without read-ahead
            log.warning("could not start reading ahead; reading in place", exc_info=True)
            self.close()
            return None
        self._version_sent = version
        return future

    def result(self, future: Future, count: int) -> list[Read] | None:
        """The batch as read by the helper, or None (then it is read in place) when the helper failed."""
        try:
            reads = future.result(timeout=READ_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - killed, timed out, or a bug: read in place, start afresh
            log.warning("reading ahead failed; this batch is read in place", exc_info=True)
            self.close(stuck=isinstance(exc, cf.TimeoutError))
            return None
        return reads if len(reads) == count else None

    def close(self, *, stuck: bool = False) -> None:
        """Stop the helper (idempotent). A helper ``stuck`` on a batch is terminated, not waited for."""
        pool, self._pool, self._version_sent = self._pool, None, None
        if pool is None:
            return
        if stuck:  # the executor has no public way to stop a busy worker before Python 3.14
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
