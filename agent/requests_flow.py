"""Scheduling requests, availability updates and out-of-office spans: confirmed back, then applied.

(Being built: see the owner's report.) ``KINDS`` are the understood kinds handled here; ``answers_pending``
tells whether a message answers one of the agent's confirmation mails; ``handle`` acts and returns
the ledger detail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

KINDS = ("request", "availability", "out_of_office")


def answers_pending(conn: Connection, pair, mail) -> bool:
    """True when ``mail`` answers a pending confirmation of ``pair`` (threaded to its Message-ID)."""
    return False


def handle(app, conn: Connection, pair, mail, understanding, *, sender_role: str, thread, now: datetime) -> str | None:
    """Act on a request, availability update, out-of-office span or confirmation; returns the detail."""
    return None
