"""Who an item of meeting notes is for: pronouns, roles, first names, item labels and owned headings.

"I" is the writer (``writer_role``), "you" the other role, "we" both; a first name resolves through
``names`` (first name -> role). Item labels ("Ana: ...", "[Tom] ...", "Me → ...", "Lena | ... | ...",
"Priya + Tom - ...") and owned headings ("For you:", "Homework (me)", "What I'll do", a bare known
name) name the owner of an item or of the list below a heading.
"""

from __future__ import annotations

import re
from typing import Mapping

from agent.understanding.notes_clues import heading_owner, label_owner
from agent.understanding.notes_words import _BOTH, _OWNER_PREFIX, _OWNER_WORDS, _ROLE_WORDS


def _rel(word: str) -> str:
    word = word.strip().lower()
    return _OWNER_WORDS.get(word) or _ROLE_WORDS.get(word) or word


def _starts_with_person(item: str, names: dict[str, str]) -> bool:
    """A list item that starts with who does it: "Je te transmets ...", "Tu m'envoies ...", "Ana ..."."""
    first = re.match(r"^\s*([\wÀ-ÿ]+)", item)
    word = first.group(1).lower() if first else ""
    return word in _OWNER_WORDS or word in names


def _owner_prefixed(item: str, bulleted: bool = True, names: dict[str, str] | None = None) -> bool:
    """"[Ana] ...", "Ana: ...", "- Ana - ...", "Priya & Tom — ...", "Action for me: ..."; in prose a
    "Name - ..." line is a greeting, not an item. A label of several words, or any label when the
    names are known, must name someone ("Salary: ..." is a topic)."""
    p = _OWNER_PREFIX.match(item)
    if p and not bulleted and p.group(3) and ":" not in p.group(0) and "：" not in p.group(0):
        return False
    who = (p.group(1) or p.group(2) or p.group(3) or "").lower() if p else ""
    if not who:
        return False
    if names or " " in who.strip():
        return _label_who(p, names or {}) is not None
    return who in _ROLE_WORDS or who in _OWNER_WORDS or (p.group(3) or p.group(1) or "")[:1].isupper()


def _label_who(p: re.Match, names: dict[str, str]) -> str | None:
    """The person words of an item label when they name someone ("Tom", "Priya & Tom", "Action for me"),
    else None."""
    label = label_owner(p.group(1) or p.group(2) or p.group(3) or "").strip()
    words = [w for w in re.split(r"\s*(?:[&+/]|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*|\s+", label.lower()) if w]
    known = all(w in _ROLE_WORDS or w in _OWNER_WORDS or w in names for w in words) and bool(words)
    return label if known or _BOTH.match(label) else None


def _owned(heading: str | None, names: dict[str, str]) -> tuple[str, str] | None:
    """Who a heading gives the list below to; a bare known first name ("Priya:") too. With known
    names, a name they do not hold ("Für Später") gives no owner."""
    if not heading:
        return None
    if heading.strip().lower() in names:
        return "name", heading.strip()
    owned = heading_owner(heading)
    if owned and owned[0] == "name" and names and owned[1].lower() not in names:
        return None
    return owned


def _owner_of(owned: tuple[str, str] | None, writer_role: str | None, names: dict[str, str]) -> str | None:
    """The role an owned heading ("Your homework", "Für Lena") names."""
    if owned is None:
        return None
    kind, word = owned
    if kind == "role":
        return word
    if kind == "name":
        return names.get(word.lower())
    if word == "both":
        return "both"
    return _pronoun_owner({"self": "i", "other": "you"}[word], writer_role)


def _names(names: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).strip().lower(): str(v) for k, v in (names or {}).items() if str(v) in ("mentor", "mentee")}


def _who(word: str, writer_role: str | None, names: dict[str, str]) -> str | None:
    word = re.sub(r"^(o|a|el|la|le|der|die|il|my|our|the|your) (?=\w)", "", word.strip().lower())
    if any(f" {c} " in word for c in ("and", "und", "et", "y", "e", "&", "+", "/")):
        parts = {_who(w, writer_role, names) for w in re.split(r" and | und | et | y | e | & | \+ | / ", word)}
        return "both" if len(parts - {None}) == 2 or "both" in parts else None
    return _ROLE_WORDS.get(word) or names.get(word) or _pronoun_owner(word, writer_role)


def _pronoun_owner(word: str, writer_role: str | None) -> str | None:
    rel = _OWNER_WORDS.get(word)
    if rel == "both":
        return "both"
    if rel is None or writer_role not in ("mentor", "mentee"):
        return None
    other = "mentee" if writer_role == "mentor" else "mentor"
    return writer_role if rel == "self" else other
