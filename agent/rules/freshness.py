"""Which pairs' due actions this process must derive again (see ``agent.timed.derive_due``).

The state is held on the running ``App`` (one per process and rule set), so a reloaded program, a
restart or an edited rule file starts with a full pass over every pair. Handlers that change what
timed rules depend on (mail handled for a pair, a flag set, meetings moved) call ``mark_changed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Freshness:
    """Per pair, until when its derived actions stay right; the pairs changed since."""

    fresh_until: dict[str, datetime] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    complete: bool = False  # every booked pair was derived once by this process


def freshness(app) -> Freshness:
    # an attribute of the App instance rather than a module global: it dies with the App
    return vars(app).setdefault("_rules_freshness", Freshness())


def mark_changed(app, pair_key: str) -> None:
    """The pair's mail, notes, flags or meetings changed: derive it again on the next tick."""
    freshness(app).changed.add(pair_key)
