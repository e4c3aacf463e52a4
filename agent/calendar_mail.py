"""Calendar mail in each reader's language: ``send_template`` once per reader role, with the phrases
of ``agent.phrases`` (cadences, slot lines, exception notes, reasons) rendered in that reader's locale.

The messenger gives every reader the same extra values; phrases built by code must differ per
reader, so this sends to one role at a time. Occasions and idempotency keys are the messenger's own
(``occasion:recipient``), so nothing changes for "nothing twice".
"""

from __future__ import annotations

from sqlalchemy import Connection

from agent.app import App
from agent.domain.model import Pair
from agent.messenger import recipients_for, role_of, send_template
from agent.phrases import localised


def send_localised(app: App, conn: Connection, *, audience: str, pair: Pair, extra: dict,
                   sender: str | None = None, **kwargs) -> list[str]:
    """Like ``send_template``, with ``extra`` said in each reader's locale; returns the addresses queued."""
    queued: list[str] = []
    done: set[str] = set()
    for reader in recipients_for(app, pair, audience, sender):
        role = role_of(pair, reader)
        if role in done:
            continue
        done.add(role)
        queued += send_template(app, conn, audience=audience, pair=pair, sender=sender,
                                extra=localised(extra, reader.locale), roles=frozenset({role}), **kwargs)
    return queued
