"""Meeting notes: agreements and action items with owners (en/de/fr/es).

Owners are 'mentor', 'mentee', 'both' or None. "I" is the writer (``writer_role``), "you" the
other role, "we" both; a first name resolves through ``names`` (first name -> role) when given.
Due phrases ("by Friday") are kept as ``due_text`` (see ``due.py``); only a full written date
becomes ``due`` here -- ``classify`` resolves the rest when it knows the writer's zone. Sentence-level
clues (polite imperatives, present-tense plans, reported speech, owned headings) are in
``notes_clues.py``. A list item whose first sentence is not an action is read sentence by sentence; with known names a
capitalised label that names nobody ("Salary: ...") is a topic, not an owner.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Mapping

from agent.domain.model import ActionItem, Notes
from agent.understanding.dates import parse_date_at
from agent.understanding.due import find_due_text
from agent.understanding.notes_clues import (clause_breaks, heading_owner, inverted_subject, label_owner,
                                             polite_imperative, prose_commitment, reported, strip_intro)
from agent.understanding.notes_words import (_ACTION_HEAD, _AGREE_HEAD, _AGREE_LINE, _BOTH, _LABEL, _LETS, _NAME,
                                             _OWNER_PREFIX, _OWNER_WORDS, _ROLE_WORDS, _SENTENCE, _SUBJECT,
                                             _TOGETHER, _VAGUE, _WILL, _YOU_ME)
from agent.understanding.result import DueActionItem
from agent.understanding.sections import bullet_text, is_bullet, sections

MAX_LINES = 400
MAX_LINE = 500

def looks_like_notes(subject: str, text: str) -> float:
    """Confidence in [0, 1] that a message holds meeting notes."""
    score = 0.0
    if _SUBJECT.search(subject[:300]):
        score += 0.6
    head = [ln.strip() for ln in text[:20_000].split("\n")[:MAX_LINES]]
    if any(_ACTION_HEAD.match(ln) and len(ln) < 60 for ln in head):
        score += 0.3
    plain = [bullet_text(ln) if is_bullet(ln) else ln for ln in head]
    sentences = plain + [x for ln in plain for x in re.split(r"(?<=[.!?])\s+", ln)[1:8]]
    agree_head = any(_AGREE_HEAD.match(ln) and len(ln) < 60 for ln in head)
    if agree_head or any(_AGREE_LINE.match(x) for x in sentences):
        score += 0.3
    if agree_head and any(_ACTION_HEAD.match(ln) and len(ln) < 60 for ln in head):
        score = max(score, 0.9)  # "Decisions" and "Next steps" headings: notes, whatever else it mentions
    if score < 0.6 and any(_SUBJECT.search(ln[:30]) for ln in [x for x in plain if x][:3]):
        score += 0.3  # "Short recap.", "Notes from today:" opening the body
    if score >= 1.0:
        return 1.0
    owners: list[str] = []
    for item in _candidates(head)[:80]:
        if key := _owner_key(item):
            owners.append(key)
            if len(set(owners)) >= 2:
                break
    if len(owners) >= 2:
        score += 0.15
        if score > 0.15 and len(set(owners)) >= 2:
            score += 0.3  # tasks for two or more people, besides another sign of notes
    return min(score, 1.0)


def _candidates(head: list[str]) -> list[str]:
    """List items whole, prose split into sentences and after a colon ("To recap: you'll send ...")."""
    out = []
    for ln in head:
        if is_bullet(ln):
            out.append("\x00" + bullet_text(ln))
        elif ln:
            out.extend(x for x in re.split(r"(?<=[.!?])\s+|(?<=:)\s+", ln)[:12] if x)
    return out


def _owner_key(item: str) -> str | None:
    """Who an item gives a task to, as a word ("i", "you", "we", "tom"), or None when it is no task.
    Items marked with a leading NUL are list items, where a leading owner is enough."""
    bulleted = item.startswith("\x00")
    item = item.lstrip("\x00")
    if item.rstrip().endswith("?") or item.lstrip().startswith("¿") or reported(item):
        return None
    core = strip_intro(item)
    m = _WILL.match(item) or _WILL.match(core)
    if m and not _VAGUE.search(item[:MAX_LINE]):
        return _rel(next((g for g in m.groups() if g), ""))
    if _BOTH.match(core) or _LETS.match(core):
        return "both"
    if polite_imperative(item) or polite_imperative(core):
        return "other"
    if word := prose_commitment(item):
        return _rel(word)
    if bulleted and (p := _OWNER_PREFIX.match(item)) and ":" in p.group(0) and _owner_prefixed(item):
        return _rel(label_owner(p.group(1) or p.group(2) or p.group(3) or ""))
    if bulleted and _starts_with_person(item, {}):
        return _rel(item.split()[0])
    return None


def _rel(word: str) -> str:
    word = word.strip().lower()
    return _OWNER_WORDS.get(word) or _ROLE_WORDS.get(word) or word


def extract_notes(text: str, *, writer_role: str | None = None, names: Mapping[str, str] | None = None) -> Notes:
    """Agreements, action items and a named meeting date from a notes message."""
    lines = [ln[:MAX_LINE] for ln in text[:100_000].split("\n")[:MAX_LINES]]
    agreements: list[str] = []
    actions: list[ActionItem] = []
    known = _names(names)
    for heading, body in sections(lines):
        owned = heading_owner(heading) if heading else None
        kind = "agree" if heading and _AGREE_HEAD.match(heading) else (
            "action" if heading and (_ACTION_HEAD.match(heading) or owned) else None)
        default = _owner_of(owned, writer_role, known)
        pieces = [x for whole, bulleted in _items(body, kind is not None)
                  for x in _pieces(whole, bulleted, kind, known)]
        if kind == "agree" and len(pieces) >= 2 and 2 * sum(_commitment(i, known) for i, _ in pieces) > len(pieces):
            kind = "action"  # "Vereinbart:" over a list of who does what by when
            pieces = [(i, w) for i, w in pieces if not reported(i)]
        for item, whole_item in pieces:
            if m := _AGREE_LINE.match(item):
                # "Agreed: x" -> "x"; prose ("We agreed to meet monthly.") stays a whole sentence
                agreements.append(m.group(1).strip() if ":" in item[: m.start(1)] else item)
            elif kind == "agree":
                agreements.append(item)
            elif kind in ("action", "agree") or _is_action(item, whole_item, known):
                actions.append(_action(item, writer_role, known, default))
    meeting = None
    for ln in lines[:15]:
        if re.search(r"\b(meeting|call|session|treffen|r[ée]union|reuni[óo]n|sitzung)\b", ln, re.I):
            meeting = parse_date_at(ln, None)
            if meeting:
                break
    return Notes(agreements=tuple(dict.fromkeys(agreements))[:50], action_items=tuple(actions[:50]),
                 meeting_date=meeting)


def _is_action(item: str, bulleted: bool, names: dict[str, str]) -> bool:
    """An item outside a headed list is an action when someone commits to it; a list item also when it
    starts with who does it ("Tom sends me ...", "Ana: ...") -- unless it reports what was said or done."""
    if item.rstrip().endswith("?") or item.lstrip().startswith("¿") or reported(item):
        return False  # a question, or what was said or done
    if any(_will(x) or _LETS.match(x) or polite_imperative(x) for x in (item, strip_intro(item))):
        return True
    if prose_commitment(item):
        return True
    return bulleted and not _VAGUE.search(item[:MAX_LINE]) and (
        _owner_prefixed(item, True, names) or _starts_with_person(item, names)
                         or bool(_BOTH.match(item)) or inverted_subject(item) is not None)


def _commitment(item: str, names: dict[str, str]) -> bool:
    """Who does what by when ("Ich schicke Jürgen bis Freitag ...", "Priya will present ... next week")."""
    return bool(find_due_text(item)) and (_starts_with_person(item, names) or inverted_subject(item) is not None)


def _will(text: str) -> bool:
    """A future commitment that names a task ("we'll revisit." names none)."""
    return bool(_WILL.match(text)) and not _VAGUE.search(text[:MAX_LINE])


def _pieces(item: str, bulleted: bool, kind: str | None, names: dict[str, str]) -> list[tuple[str, bool]]:
    """(piece, still a whole list item). Prose splits where a clause with its own subject and future
    verb starts; a list item whose first sentence is not an action (or that opens with a topic label
    such as "Salary:") is read sentence by sentence."""
    if reported(item) or _AGREE_LINE.match(item):  # "Jürgen meint, ich soll ...", "agreed: I'll ..."
        return [(item, bulleted)]
    if not bulleted:
        return [(item, False)] if kind is not None else [(x, False) for x in clause_breaks(item, _will)]
    label = _OWNER_PREFIX.match(item)
    topic = bool(label and names and _label_who(label, names) is None)
    body = item[label.end():] if topic else item
    parts = _SENTENCE.split(body)
    if not topic and _is_action(parts[0], True, names):
        return [(item, True)]
    out = [x for part in parts for x in clause_breaks(part, _will)]
    if not topic and len(out) == 1:
        return [(item, True)]
    if kind is not None:
        return [(x, False) for x in out if _is_action(x, False, names)] or [(item, True)]
    return [(x, False) for x in out]


_CLAUSE = re.compile(r",?\s+(?:and|und|et|y|e|en)\s+(?=(?:I|you|we|ich|du|wir|je|tu|nous|yo|eu|" + _NAME
                     + r")(?:\s|'(?:ll|m|re|d)\b))|,?\s+and\s+(?=(?:we\s+)?(?:agreed|decided)\s+(?:that|to|on)\b)")


def _items(body: list[str], headed: bool) -> list[str]:
    """Bulleted lines; in a headed section, prose lines of three words or more (a lone name is a
    signature); elsewhere sentences, split again where a new subject starts (", and Tom will ...")."""
    items: list[tuple[str, bool]] = []
    paragraph: list[str] = []

    def flush() -> None:
        pending = ""
        for sentence in re.split(r"(?<=[.!?])\s+|(?<=:)\s+(?=[A-ZÀ-Ý])|(?<=\w:)\s+(?=(?i:we|i|you)\b)",
                                 " ".join(paragraph)):
            if _LABEL.match(sentence):
                pending = sentence.strip() + " "  # "Agreed:" then its sentence
                continue
            sentence, pending = pending + sentence, ""
            items.extend((c.strip(), False) for c in _CLAUSE.split(sentence) if c.strip())
        paragraph.clear()

    for raw in body:
        line = raw.strip()
        if not line or is_bullet(line) or line.startswith(">"):
            flush()
        if not line or line.startswith(">"):
            continue  # quoted lines are context for inline answers, not notes
        if is_bullet(line):
            items.append((bullet_text(line), True))
        elif headed:
            if len(line.split()) >= 3:
                items.append((line, False))
        else:
            paragraph.append(line)  # wrapped prose: sentences may continue on the next line
    flush()
    return [(i, b) for i, b in items if len(i) >= 3]


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
    words = [w for w in re.split(r"\s*(?:&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*|\s+", label.lower()) if w]
    known = all(w in _ROLE_WORDS or w in _OWNER_WORDS or w in names for w in words) and bool(words)
    return label if known or _BOTH.match(label) else None


def _owner_of(owned: tuple[str, str] | None, writer_role: str | None, names: dict[str, str]) -> str | None:
    """The role an owned heading ("Your homework", "Für Lena") names."""
    if owned is None:
        return None
    kind, word = owned
    if kind == "name":
        return names.get(word.lower())
    if word == "both":
        return "both"
    return _pronoun_owner({"self": "i", "other": "you"}[word], writer_role)


def _names(names: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).strip().lower(): str(v) for k, v in (names or {}).items() if str(v) in ("mentor", "mentee")}


def _who(word: str, writer_role: str | None, names: dict[str, str]) -> str | None:
    word = re.sub(r"^(o|a|el|la|le|der|die|il|my|our|the|your) (?=\w)", "", word.strip().lower())
    if any(f" {c} " in word for c in ("and", "und", "et", "y", "e", "&")):
        parts = {_who(w, writer_role, names) for w in re.split(r" and | und | et | y | e | & ", word)}
        return "both" if len(parts - {None}) == 2 or "both" in parts else None
    return _ROLE_WORDS.get(word) or names.get(word) or _pronoun_owner(word, writer_role)


def _action(item: str, writer_role: str | None, names: dict[str, str], default: str | None = None) -> ActionItem:
    owner = None
    text = item
    if p := _OWNER_PREFIX.match(item):
        owner = _who(label_owner(p.group(1) or p.group(2) or p.group(3) or ""), writer_role, names)
    core = strip_intro(item)  # "Comme convenu, je vais ..." -> "je vais ..."
    if owner is None and (_BOTH.match(item) or _LETS.match(item)):
        owner = "both"
    if owner is None and (m := _WILL.match(item) or _WILL.match(core)):
        owner = _who(next((g for g in m.groups() if g), ""), writer_role, names)
    if owner is None and (_BOTH.match(core) or _LETS.match(core)):
        owner = "both"
    if owner is None and _YOU_ME.match(item):
        owner = _pronoun_owner("you", writer_role)
    if owner is None and (polite_imperative(item) or polite_imperative(core)):
        owner = _pronoun_owner("you", writer_role)
    if owner is None and (word := prose_commitment(item) or inverted_subject(item)):
        owner = _pronoun_owner(word, writer_role)
    if owner is None:
        first = re.match(r"^\s*([\wÀ-ÿ]+(?: (?:and|und|et|y|e) [\wÀ-ÿ]+)?)", item)
        owner = _who(first.group(1) if first else "", writer_role, names)
        if owner is None and first and " " in first.group(1):
            owner = _who(first.group(1).split()[0], writer_role, names)
        if owner is None and (art := re.match(r"^\s*(?i:o|a|el|la|le|il|der|die)\s+([\wÀ-ÿ]+)", item)):
            owner = names.get(art.group(1).lower())  # "O Rafael envia-me ...", "La Lucía ..."
    if owner is None and names:
        found = {names[w.lower()] for w in re.findall(r"\b[A-ZÀ-Ý][\w-]+", item[:80]) if w.lower() in names}
        owner = found.pop() if len(found) == 1 and re.search(r"^\W*\w+\W+(will|to|wird|va|vai|fica)\b", item) else None
    if owner is None and default is None and _TOGETHER.search(item[:MAX_LINE]):
        owner = "both"  # "Daqui a duas semanas a gente revisa o progresso juntos"
    owner = owner or default
    due = _full_date(item)
    return DueActionItem(text=text.strip(), owner=owner, due=due, due_text=find_due_text(item))


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
