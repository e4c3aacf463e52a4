"""The small ports the runner talks to. Adapters implement them; tests use fakes that subclass them.

Each method is documented here once; implementations refer back to this module.

Mailbox     where inbound mail waits: Maildir (default), IMAP, EWS, Graph.
Outbound    how mail leaves: Maildir (default), SMTP, EWS, Graph. Only the outbox calls it.
Calendar    the program's own copy of every series: a folder of .ics files (default), CalDAV, EWS, Graph;
            with EWS and Graph also the participants' own free/busy times.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InboundMail:
    """One message waiting in a mailbox.

    ``key`` identifies it inside that mailbox (a Maildir file name, ``UIDVALIDITY:UID`` for IMAP,
    an item id for EWS or Graph); together with ``Mailbox.identity`` it is the ledger's mailbox key.
    """

    key: str
    raw: bytes


class Mailbox(abc.ABC):
    """Inbound mail. Processed mail is moved or flagged, never deleted (PRODUCT.md §1)."""

    identity: str
    """A stable name for this mailbox in the ledger, e.g. ``maildir:/srv/mail`` or ``imap:host/user/INBOX``."""

    @abc.abstractmethod
    def pending(self) -> Iterator[InboundMail]:
        """Yield the messages not yet marked processed or quarantined, oldest first."""

    @abc.abstractmethod
    def mark_processed(self, key: str) -> None:
        """Move or flag the message so ``pending()`` no longer yields it. Idempotent."""

    @abc.abstractmethod
    def quarantine(self, key: str) -> None:
        """Move the message to the quarantine folder. Idempotent."""

    def moving(self) -> contextlib.AbstractContextManager[None]:
        """A block whose moves (``mark_processed``, ``quarantine``) a backend may collect and send
        together; all are done when it ends. Default: each move is done at once."""
        return contextlib.nullcontext()

    def release(self, key: str, message_id: str | None = None) -> bool:
        """Move a quarantined message back to the inbox so it is handled again; False if it is gone.

        ``key`` is the key it was quarantined under; backends whose keys change on a move also get
        its ``message_id`` to find it.
        """
        return False

    def wait(self, timeout: float) -> bool:
        """Block until new mail may have arrived or ``timeout`` seconds pass; True if woken early.

        The default just sleeps; IMAP overrides it with IDLE.
        """
        import time

        time.sleep(timeout)
        return False

    def close(self) -> None:
        """Release connections. Safe to call twice."""


class Outbound(abc.ABC):
    """Outgoing mail. ``message_id`` is the outbox row's stable idempotency key as a Message-ID."""

    @abc.abstractmethod
    def send(self, message_id: str, raw: bytes, recipients: Sequence[str]) -> None:
        """Deliver one message. Raise ``TransientError`` to be retried, ``AdapterError`` to give up."""

    def already_sent(self, message_id: str) -> bool:
        """True when this backend can prove the message left already (a copy in Sent, a file).

        Checked before re-sending a row whose previous attempt may have succeeded just before a
        crash. The default cannot tell and answers False.
        """
        return False

    def close(self) -> None:
        """Release connections. Safe to call twice."""


@dataclass(frozen=True)
class BusyTime:
    start: datetime  # aware, UTC
    end: datetime


class Calendar(abc.ABC):
    """The program's calendar. Objects are whole iCalendar documents keyed by their UID."""

    @abc.abstractmethod
    def put(self, uid: str, ics: bytes) -> None:
        """Create or replace the object with this UID."""

    @abc.abstractmethod
    def get(self, uid: str) -> bytes | None:
        """The stored object, or None."""

    @abc.abstractmethod
    def remove(self, uid: str) -> None:
        """Delete the program's copy (after a series is cancelled). Idempotent."""

    def busy(self, start: datetime, end: datetime) -> list[BusyTime]:
        """Busy periods in [start, end) from this calendar; default: none known."""
        return []

    def free_busy(self, addresses: Sequence[str], start: datetime, end: datetime) -> dict[str, list[BusyTime]]:
        """Each person's own busy periods in [start, end), as the server's free/busy service tells
        them (what Outlook's Scheduling Assistant shows), keyed by the address as given.

        Only times and a busy status are read, never subjects. Busy, out-of-office and tentative
        time blocks; free and working-elsewhere time does not. An address the server cannot answer
        for (unknown, outside the organisation, no data) is left out: nothing is known about it.
        Raise ``TransientError`` or ``AdapterError`` when the question as a whole fails. The
        default knows nothing: ``{}``.
        """
        return {}

    def close(self) -> None:
        """Release connections. Safe to call twice."""
