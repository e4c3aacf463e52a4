"""Scheduling requests, availability updates and out-of-office spans: confirmed back, then applied.

The entry ``agent.inbound`` calls; the work is in ``agent.flows`` (see ``agent.flows.by_mail``).
``KINDS`` are the understood kinds handled here; ``answers_pending`` tells whether a message answers
one of the agent's confirmation mails; ``handle`` acts and returns the ledger detail. Everything
runs inside the message's transaction, so a crash leaves either all of it or none.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from agent.flows import by_mail
from agent.flows.context import Ctx

KINDS = ("request", "availability", "out_of_office")


def answers_pending(conn: Connection, pair, mail) -> bool:
    """True when ``mail`` answers a confirmation of ``pair`` (threaded to its Message-ID), whatever its state."""
    return by_mail.answered_change(conn, pair, mail) is not None


def handle(app, conn: Connection, pair, mail, understanding, *, sender_role: str, thread, now: datetime) -> str | None:
    """Act on a request, availability update, out-of-office span or confirmation; returns the detail."""
    return by_mail.handle(Ctx(app, conn, pair, now), mail, understanding, thread=thread)
