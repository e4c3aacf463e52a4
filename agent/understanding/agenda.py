"""A mentee's agenda: topics and questions, progress per goal, asks of the mentor (en/de/fr/es).

Line-based and bounded: at most ``MAX_LINES`` lines of at most ``MAX_LINE`` characters are read,
and every pattern is linear.
"""

from __future__ import annotations

import re

from agent.domain.model import Agenda, GoalProgress
from agent.understanding.sections import bullet_text, is_bullet, sections

MAX_LINES = 400
MAX_LINE = 500

_SUBJECT = re.compile(
    r"\b(agenda|tagesordnung|themen|ordre du jour|sujets|orden del d[íi]a|temas|topics for|"
    r"for (our|the|next) (meeting|call|session)|f[üu]r (unser|das|den) (treffen|gespr[äa]ch|termin)|"
    r"pour (notre|la) (r[ée]union|s[ée]ance)|para (nuestra|la) (reuni[óo]n|sesi[óo]n))\b",
    re.IGNORECASE,
)
_TOPIC_HEAD = re.compile(
    r"^(agenda|topics?|questions?|things to discuss|to discuss|discussion points|tagesordnung|themen|fragen|"
    r"ordre du jour|sujets|questions|points? [àa] discuter|orden del d[íi]a|temas|preguntas|puntos)\b",
    re.IGNORECASE,
)
_GOAL_HEAD = re.compile(
    r"^(goals?|progress|goal progress|status|ziele|fortschritt|stand|objectifs?|progr[èe]s|avancement|"
    r"objetivos?|progreso|avance)\b",
    re.IGNORECASE,
)
_ASK_HEAD = re.compile(r"^(asks?|requests?|help needed|bitten|w[üu]nsche|demandes?|peticiones|solicitudes)\b", re.I)
_STATUS = re.compile(
    r"\b(on track|off track|at risk|blocked|done|completed?|finished|in progress|not started|started|behind|"
    r"ahead|stuck|im plan|blockiert|erledigt|fertig|in arbeit|verz[öo]gert|en bonne voie|bloqu[ée]e?|termin[ée]e?|"
    r"en cours|en retard|en camino|bloquead[oa]|terminad[oa]|en progreso|retrasad[oa])\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"(\d{1,3})\s?%")
_BLOCKER = re.compile(
    r"\b(?:blocked by|blocker:?|waiting (?:on|for)|stuck on|blockiert durch|warte auf|bloqu[ée]e? par|"
    r"en attente de|bloquead[oa] por|esperando)\s+(.{2,200})",
    re.IGNORECASE,
)
_ASK = re.compile(
    r"(\b(could|can|would) you\b|\bi'?d (like|love) (your|some) (advice|help|feedback|input|thoughts)|"
    r"\bi need (your|some) (help|advice|feedback)|\bplease (review|look|check|help|advise|share)|"
    r"\bk[öo]nntest du\b|\bk[öo]nnten sie\b|\bkannst du\b|\bich h[äa]tte gern\b|\bbitte\b|"
    r"\bpourrais-tu\b|\bpourriez-vous\b|\bj'aimerais (ton|votre) avis\b|\bpeux-tu\b|"
    r"\bpodr[íi]as\b|\bpodr[íi]a usted\b|\bme gustar[íi]a (tu|su) (consejo|opini[óo]n)\b|\bpuedes\b)",
    re.IGNORECASE,
)
_GOAL_LINE = re.compile(
    r"^(?:goal|ziel|objectif|objetivo)\s*\d*\s*[:\-–—]\s*(.+)$|^([^:–—]{2,80}?)\s*[:–—]\s*(.+)$", re.IGNORECASE
)


def looks_like_agenda(subject: str, text: str) -> float:
    """Confidence in [0, 1] that a message is an agenda."""
    score = 0.0
    subject = subject[:300]
    if _SUBJECT.search(subject):
        score += 0.6
    head = [ln.strip() for ln in text[:20_000].split("\n")[:MAX_LINES]]
    if any(_TOPIC_HEAD.match(ln) and len(ln) < 60 for ln in head):
        score += 0.3
    if any(_GOAL_HEAD.match(ln) and len(ln) < 60 for ln in head):
        score += 0.15
    bullets = sum(1 for ln in head if is_bullet(ln))
    if bullets >= 2:
        score += 0.1
    if sum(1 for ln in head if ln.endswith("?")) >= 2:
        score += 0.1
    if re.search(r"\b(i'?d like to (discuss|talk about|cover)|ich m[öo]chte .{0,40}besprechen|"
                 r"j'aimerais (discuter|parler)|me gustar[íi]a (hablar|discutir))", text[:5000], re.I):
        score += 0.25
    return min(score, 1.0)


def extract_agenda(text: str) -> Agenda:
    """Topics, goal progress and asks from an agenda message (see the module docstring)."""
    lines = [ln[:MAX_LINE] for ln in text[:100_000].split("\n")[:MAX_LINES]]
    topics: list[str] = []
    goals: list[GoalProgress] = []
    asks: list[str] = []
    for heading, body in sections(lines):
        kind = _kind(heading)
        for item in _items(body, kind):
            goal = _goal(item) if kind in ("goals", None) else None
            if goal is not None and (kind == "goals" or goal.status or goal.percent is not None or goal.blockers):
                goals.append(goal)
                continue
            if _ASK.search(item) and kind != "topics":
                asks.append(item)
            elif kind in ("topics", "asks") or item.endswith("?") or is_bullet(item):
                (asks if kind == "asks" else topics).append(item)
            elif kind is None and _ASK.search(item):
                asks.append(item)
        if kind == "topics":
            asks.extend(t for t in topics if _ASK.search(t) and t not in asks)
    return Agenda(topics=_unique(topics)[:50], goals=tuple(goals[:30]), asks=_unique(asks)[:30])


def _kind(heading: str | None) -> str | None:
    if heading is None:
        return None
    if _TOPIC_HEAD.match(heading):
        return "topics"
    if _GOAL_HEAD.match(heading):
        return "goals"
    if _ASK_HEAD.match(heading):
        return "asks"
    return "topics"


def _items(body: list[str], kind: str | None) -> list[str]:
    """Bulleted lines become items; in a headed section prose lines do too; elsewhere, prose
    sentences that are questions or asks."""
    items: list[str] = []
    for raw in body:
        line = raw.strip()
        if not line:
            continue
        if is_bullet(line):
            items.append(bullet_text(line))
        elif kind is not None:
            items.append(line)
        else:
            for sentence in re.split(r"(?<=[.?!])\s+", line):
                s = sentence.strip()
                if s.endswith("?") or _ASK.search(s) or _STATUS.search(s) or _PERCENT.search(s):
                    items.append(s)
    return [i for i in items if 2 <= len(i) <= MAX_LINE]


def _goal(item: str) -> GoalProgress | None:
    m = _GOAL_LINE.match(item)
    if not m:
        return None
    if m.group(1):
        parts = re.split(r"\s[–—-]\s|:\s|,\s", m.group(1), maxsplit=1)
        name, detail = parts[0], (parts[1] if len(parts) > 1 else "")
    else:
        name, detail = m.group(2), m.group(3)
    status = _STATUS.search(detail)
    percent = _PERCENT.search(detail)
    blockers = tuple(b.group(1).strip().rstrip(".") for b in _BLOCKER.finditer(detail))
    if status is None and percent is None and not blockers and not m.group(1):
        return None
    pct = int(percent.group(1)) if percent else None
    return GoalProgress(
        goal=name.strip(" *-"),
        status=(status.group(1).lower() if status else ("blocked" if blockers else None)),
        percent=pct if pct is not None and pct <= 100 else None,
        blockers=blockers,
    )


def _unique(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item.strip(), None)
    return tuple(seen)
