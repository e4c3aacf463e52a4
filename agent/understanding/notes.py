"""Meeting notes: agreements and action items with owners (en/de/fr/es).

Owners are 'mentor', 'mentee', 'both' or None. "I" is the writer (``writer_role``), "you" the
other role, "we" both. Relative due phrases ("by Friday") stay in the item text for the runner to
resolve; only a full written date becomes ``due``.
"""

from __future__ import annotations

import re
from datetime import date

from agent.domain.model import ActionItem, Notes
from agent.understanding.dates import parse_date_at
from agent.understanding.sections import bullet_text, is_bullet, sections

MAX_LINES = 400
MAX_LINE = 500

_SUBJECT = re.compile(
    r"\b(notes|meeting notes|minutes|summary|recap|follow[- ]?up|notizen|protokoll|zusammenfassung|"
    r"compte[- ]rendu|notes de (la )?r[ée]union|r[ée]sum[ée]|notas|acta|resumen)\b",
    re.IGNORECASE,
)
_AGREE_HEAD = re.compile(
    r"^(agreements?|agreed|decisions?|decided|we agreed|vereinbarungen|vereinbart|beschl[üu]sse|entscheidungen|"
    r"accords?|d[ée]cisions?|convenu|acuerdos?|decisiones)\b",
    re.IGNORECASE,
)
_ACTION_HEAD = re.compile(
    r"^(next steps?|action items?|actions?|to ?dos?|follow[- ]?ups?|homework|n[äa]chste schritte|aufgaben|"
    r"todos?|prochaines? [ée]tapes?|actions? [àa] mener|[àa] faire|pr[óo]ximos pasos|tareas|pendientes)\b",
    re.IGNORECASE,
)
_AGREE_LINE = re.compile(
    r"^(?:we (?:have )?agreed(?: that| to| on)?|agreed:|decided:|we decided(?: that| to)?|wir haben vereinbart(?:, dass)?|"
    r"vereinbart:|nous avons convenu(?: que| de)?|on a convenu(?: que| de)?|acordamos(?: que)?|hemos acordado(?: que)?)"
    r"\s*(.{3,400})$",
    re.IGNORECASE,
)
_WILL = re.compile(
    r"^(?:(i|you|we|[A-Z][\w-]{1,30}(?: and [A-Z][\w-]{1,30})?)\s*(?:'ll| will| are going to| am going to| is going to|"
    r" shall| need to| should)\b|(ich|du|wir|sie|er)\s+(?:werde|wirst|werden|wird|soll|sollte|muss)\b|"
    r"(je|tu|nous|vous)\s+(?:vais|vas|allons|allez|dois|devons|devez)\b|"
    r"(yo|t[úu]|nosotros)\s+(?:voy|vas|vamos)\b|(voy|vas|vamos)\s+a\b)",
)
_OWNER_WORDS = {
    "i": "self", "ich": "self", "je": "self", "yo": "self", "voy": "self",
    "you": "other", "du": "other", "tu": "other", "vous": "other", "tú": "other", "vas": "other",
    "we": "both", "wir": "both", "nous": "both", "nosotros": "both", "vamos": "both",
}
_ROLE_WORDS = {
    "mentor": "mentor", "mentorin": "mentor", "mentora": "mentor", "mentee": "mentee", "mentoré": "mentee",
    "mentorée": "mentee", "both": "both", "beide": "both", "us": "both", "all": "both",
}
_OWNER_PREFIX = re.compile(r"^\s*(?:\[([^\]]{1,40})\]|\(([^)]{1,40})\)|([A-Za-zÀ-ÿ][\w-]{0,30})\s*[:：]\s)")


def looks_like_notes(subject: str, text: str) -> float:
    """Confidence in [0, 1] that a message holds meeting notes."""
    score = 0.0
    if _SUBJECT.search(subject[:300]):
        score += 0.6
    head = [ln.strip() for ln in text[:20_000].split("\n")[:MAX_LINES]]
    if any(_ACTION_HEAD.match(ln) and len(ln) < 60 for ln in head):
        score += 0.3
    if any(_AGREE_HEAD.match(ln) and len(ln) < 60 for ln in head) or any(_AGREE_LINE.match(ln) for ln in head):
        score += 0.3
    if sum(1 for ln in head if _WILL.match(bullet_text(ln) if is_bullet(ln) else ln)) >= 2:
        score += 0.15
    return min(score, 1.0)


def extract_notes(text: str, *, writer_role: str | None = None) -> Notes:
    """Agreements, action items and a named meeting date from a notes message."""
    lines = [ln[:MAX_LINE] for ln in text[:100_000].split("\n")[:MAX_LINES]]
    agreements: list[str] = []
    actions: list[ActionItem] = []
    for heading, body in sections(lines):
        kind = "agree" if heading and _AGREE_HEAD.match(heading) else (
            "action" if heading and _ACTION_HEAD.match(heading) else None)
        for item in _items(body, kind is not None):
            if m := _AGREE_LINE.match(item):
                # "Agreed: x" -> "x"; prose ("We agreed to meet monthly.") stays a whole sentence
                agreements.append(m.group(1).strip() if ":" in item[: m.start(1)] else item)
            elif kind == "agree":
                agreements.append(item)
            elif kind == "action" or _WILL.match(item):
                actions.append(_action(item, writer_role))
    meeting = None
    for ln in lines[:15]:
        if re.search(r"\b(meeting|call|session|treffen|r[ée]union|reuni[óo]n|sitzung)\b", ln, re.I):
            meeting = parse_date_at(ln, None)
            if meeting:
                break
    return Notes(agreements=tuple(dict.fromkeys(agreements))[:50], action_items=tuple(actions[:50]),
                 meeting_date=meeting)


def _items(body: list[str], headed: bool) -> list[str]:
    items: list[str] = []
    for raw in body:
        line = raw.strip()
        if not line:
            continue
        if is_bullet(line):
            items.append(bullet_text(line))
        elif headed:
            items.append(line)
        else:
            items.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip())
    return [i for i in items if len(i) >= 3]


def _action(item: str, writer_role: str | None) -> ActionItem:
    owner = None
    text = item
    if p := _OWNER_PREFIX.match(item):
        who = (p.group(1) or p.group(2) or p.group(3) or "").strip().lower()
        owner = _ROLE_WORDS.get(who) or _pronoun_owner(who, writer_role)
    if owner is None and (m := _WILL.match(item)):
        who = next((g for g in m.groups() if g), "").lower()
        owner = _ROLE_WORDS.get(who) or _pronoun_owner(who, writer_role)
        if owner is None and " and " in who:
            owner = "both"
    if owner is None:
        first = re.match(r"^\s*([\wÀ-ÿ]+)", item)
        word = first.group(1).lower() if first else ""
        owner = _ROLE_WORDS.get(word) or _pronoun_owner(word, writer_role)
    due = _full_date(item)
    return ActionItem(text=text.strip(), owner=owner, due=due)


def _pronoun_owner(word: str, writer_role: str | None) -> str | None:
    rel = _OWNER_WORDS.get(word)
    if rel == "both":
        return "both"
    if rel is None or writer_role not in ("mentor", "mentee"):
        return None
    other = "mentee" if writer_role == "mentor" else "mentor"
    return writer_role if rel == "self" else other


_FULL_DATE = re.compile(r"\b(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4})\b|\b\d{1,2}\.?\s+\w{3,10}\.?,?\s+\d{4}\b|"
                        r"\b[A-Za-z]{3,10}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b")


def _full_date(item: str) -> date | None:
    m = _FULL_DATE.search(item)
    return parse_date_at(m.group(0), None) if m else None
