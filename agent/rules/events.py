"""Events found in what a pair writes that rules can be triggered by (pure).

``goal_completed``: an agenda reports a goal as done (done, completed, finished, erledigt, fertig,
terminé, terminado, ... or 100 %). Its occasion is the goal's text, normalised, so the same goal
reported done in two agendas is celebrated once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from agent.domain.model import Agenda, GoalProgress

DONE = frozenset({"done", "complete", "completed", "finished", "erledigt", "fertig", "terminé", "terminée",
                  "termine", "terminee", "terminado", "terminada"})


def goal_done(goal: GoalProgress) -> bool:
    return (goal.status or "").strip().lower() in DONE or (goal.percent is not None and goal.percent >= 100)


def completed_goals(agenda: Agenda) -> list[GoalProgress]:
    return [goal for goal in agenda.goals if goal_done(goal)]


def goal_occasion(text: str) -> str:
    """``"Portfolio website"`` -> ``"goal:portfolio-website"``; long texts end in a short hash."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "goal"
    if len(slug) > 60:
        digest = hashlib.sha256(text.strip().lower().encode()).hexdigest()[:8]
        slug = f"{slug[:60].rstrip('-')}-{digest}"
    return f"goal:{slug}"
