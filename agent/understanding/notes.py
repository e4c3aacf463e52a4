"""Meeting notes: agreements and action items with owners (en/de/fr/es).

Owners are 'mentor', 'mentee', 'both' or None. "I" is the writer (``writer_role``), "you" the
other role, "we" both; a first name resolves through ``names`` (first name -> role) when given.
Due phrases ("by Friday") are kept as ``due_text`` (see ``due.py``); only a full written date
becomes ``due`` here -- ``classify`` resolves the rest when it knows the writer's zone. Sentence-level
clues (polite imperatives, present-tense plans, reported speech, owned headings) are in
``notes_clues.py``. A list item whose first sentence is not an action is read sentence by sentence; with known names a
capitalised label that names nobody ("Salary: ...") is a topic, not an owner.

General rules added after blind batch E (issue 4), each a layout or phrasing of real notes:

* owned headings (``notes_clues.heading_owner``): "Homework (me)", "Tasks - you", "Tareas mías",
  "What you'll do", "Was ich mache", "Ce que je fais", "For you"/"Pra você"/"Para ti", "On my side",
  a bare "Me:"/"Both:"/"Mentee:" or a known first name give the owner of the list below; with known
  names, a capitalised word that names nobody ("For Later") gives none;
* "Agreed actions" / "Agreed next steps" are action headings, not agreement headings;
* layouts made regular first (``notes_lines``): blank line between a title and its list, numbered
  headings ("3. Für dich:"), arrow lines ("Me → ...") and table rows ("Lena | task | bis 22.3.");
* item labels may join owners with "+" or "/" and end in an arrow or a bar;
* promises and offers made in the session are tasks of whoever made them ("I said I would ...",
  "Tom offered to ...", "Ich habe zugesagt, ...", "Je lui ai promis de ...", "Tu ficaste de ...");
  a linking word before the subject ("Also I need to ...") is skipped;
* classification (``notes_kind``): owned headings count as action headings, two owners' headings
  make notes outright, and a look back at the session ("thanks for today", "lo de hoy") with
  commitments in it is notes (0.6-0.7, below a request's score);
* due phrases (``due.py``): "asap" and spans ("el finde") kept but undated; "end of the week",
  "N weeks from now", "on 15 March", "le 23 mars", "el jueves", "avant le 20", "Thursday 11th",
  "when we meet on the 23rd", number words (dez, diez, zehn, dix), and a target after a comma or
  table bar at the end of an item; "3/19" read month-first only in North American zones.

General rules added after blind batch F (short notes were being filed as "other"):

* more owned headings: "Things for you", "Punkte für mich", "Cosas para ti", "On me"; a bare
  "Homework" heading is the mentee's list; a target in an action heading ("Homework before Friday:")
  dates the items under it that name none ("Action items from today" names the session, not a target);
* a line led by a person word and a colon ("you: ...", "me: ...", "On me: ...", "tú: ...") is an item
  of that person's even without a bullet, and each of its sentences is a task of theirs;
* Spanish and Portuguese plans without a subject: an object pronoun, a first-person verb and a due
  phrase ("mañana te paso el contacto", "el martes le mando ...") are the writer's; "(solo) que ..."
  before a subject is skipped;
* more agreement lines ("wir haben uns geeinigt", "on a aussi convenu", "nos pusimos de acuerdo");
* classification (``notes_kind``): labelled or dated tasks for two people, an agreement with a task
  acted on, or owned headings plus another person's task are notes; a look back ("pour résumer",
  "die Ergebnisse von heute", "merci pour cet échange") widened; an ambiguous request inside a look
  back at the session is notes (``classify``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Mapping

from agent.domain.model import ActionItem, Notes
from agent.understanding.dates import parse_date_at
from agent.understanding.due import find_due_text
from agent.understanding.notes_clues import (clause_breaks, inverted_subject, label_owner,
                                             polite_imperative, promise, prose_commitment, reported, strip_intro)
from agent.understanding.notes_words import (_ACTION_HEAD, _AGREE_HEAD, _AGREE_LINE, _BOTH, _LABEL, _LETS, _NAME,
                                             _OWNER_PREFIX, _SENTENCE,
                                             _TOGETHER, _VAGUE, _WILL, _YOU_ME)
from agent.understanding.notes_lines import _ACTION_TAIL, normalise_lines
from agent.understanding.notes_kind import looks_like_notes  # noqa: F401  (the classifier's entry point)
from agent.understanding.notes_owner import (_label_who, _names, _owned, _owner_of, _owner_prefixed, _pronoun_owner,
                                             _starts_with_person, _who)
from agent.understanding.result import DueActionItem
from agent.understanding.sections import bullet_text, is_bullet, sections

_HEAD_TARGET = re.compile(r"(?i:before|by|until|no later than|bis|vor|avant|d'ici|antes|hasta|at[ée])\b")
MAX_LINES = 400
MAX_LINE = 500


def extract_notes(text: str, *, writer_role: str | None = None, names: Mapping[str, str] | None = None) -> Notes:
    """Agreements, action items and a named meeting date from a notes message."""
    lines = normalise_lines([ln[:MAX_LINE] for ln in text[:100_000].split("\n")[:MAX_LINES]])
    agreements: list[str] = []
    actions: list[ActionItem] = []
    known = _names(names)
    for heading, body in sections(lines):
        owned = _owned(heading, known)
        kind = "agree" if heading and _AGREE_HEAD.match(heading) and not _ACTION_TAIL.search(heading) else (
            "action" if heading and (_ACTION_HEAD.match(heading) or owned) else None)
        default = _owner_of(owned, writer_role, known)
        head_due = find_due_text(heading) if heading and (owned or _ACTION_HEAD.match(heading)) else None
        if head_due and not _HEAD_TARGET.match(head_due):
            head_due = None  # "Action items from today" names the session, not a target
        # ^ "Homework before we meet on 11/10:" dates the items under it that name no date of their own
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
                action = _action(item, writer_role, known, default)
                if head_due and not action.due_text:
                    action = DueActionItem(text=action.text, owner=action.owner, due=action.due, due_text=head_due)
                actions.append(action)
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
    if promise(item):
        return True  # "I said I would ...", "Tom offered to ..."
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
    if label and not topic and len(parts) >= 2 and _owner_prefixed(item, True, names):
        # "you: send me the link tomorrow. also sign up for ...": each sentence is a task of the labelled person
        rest = _SENTENCE.split(item[label.end():])
        return [(label.group(0) + x, True) for x in rest if len(x) >= 3 and not reported(x)]
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


def _action(item: str, writer_role: str | None, names: dict[str, str], default: str | None = None) -> ActionItem:
    owner = None
    text = item
    if p := _OWNER_PREFIX.match(item):
        owner = _who(label_owner(p.group(1) or p.group(2) or p.group(3) or ""), writer_role, names)
    core = strip_intro(item)  # "Comme convenu, je vais ..." -> "je vais ..."
    if owner is None and (word := promise(item)):
        owner = _who(word, writer_role, names)
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


_FULL_DATE = re.compile(r"\b(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4})\b|\b\d{1,2}\.?\s+\w{3,10}\.?,?\s+\d{4}\b|"
                        r"\b[A-Za-z]{3,10}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b")


def _full_date(item: str) -> date | None:
    m = _FULL_DATE.search(item)
    return parse_date_at(m.group(0), None) if m else None
