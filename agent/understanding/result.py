"""The richer values ``understand()`` returns: subclasses of the domain's ``Understanding`` and
``ActionItem`` that add what issue 4 extracts, so every existing caller keeps working.

``Understood.request`` / ``.availability`` carry a scheduling request or a proposed roster change;
``needs_confirmation`` is True when the agent must ask before acting (low confidence, an ambiguous
time, a proposed roster change). ``DueActionItem.due_text`` keeps the due phrase as written
("by Friday"); ``due`` is its date when it could be resolved (see ``due.resolve_due``).
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.domain.model import ActionItem, Understanding
from agent.understanding.availability import AvailabilityUpdate
from agent.understanding.requests import SchedulingRequest


@dataclass(frozen=True)
class Understood(Understanding):
    """An ``Understanding`` with the scheduling and availability fields."""

    request: SchedulingRequest | None = None
    availability: AvailabilityUpdate | None = None
    needs_confirmation: bool = False


@dataclass(frozen=True)
class DueActionItem(ActionItem):
    """An ``ActionItem`` that keeps its due phrase as written."""

    due_text: str | None = None
