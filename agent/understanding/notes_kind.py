"""How much a message looks like meeting notes (``looks_like_notes``), used by ``classify``.

Signals, each a kind of evidence a reader would name: a notes subject ("Notes", "Recap", "Action
items"); an action heading ("Next steps", "To-dos") or an owned one ("For you:", "Was ich mache");
agreement headings or lines; list items or sentences that give tasks to people (two owners or more);
and a look back at the session that just took place ("thanks for today", "notes from yesterday's
call", "lo de hoy") together with commitments made in it.
"""

from __future__ import annotations

import re
from typing import Mapping

from agent.understanding.due import find_due_text
from agent.understanding.notes_clues import (heading_owner, label_owner, polite_imperative, promise, prose_commitment,
                                             reported, strip_intro)
from agent.understanding.notes_lines import normalise_lines
from agent.understanding.notes_owner import _owner_prefixed, _rel, _starts_with_person
from agent.understanding.notes_words import (_ACTION_HEAD, _AGREE_HEAD, _AGREE_LINE, _BOTH, _LETS, _OWNER_PREFIX,
                                             _OWNER_WORDS, _ROLE_WORDS, _SUBJECT, _VAGUE, _WILL)
from agent.understanding.sections import bullet_text, is_bullet

MAX_LINES = 400
MAX_LINE = 500


_RECAP = re.compile(
    r"\b(?:thanks?(?: you)?(?: so much| again)? for (?:today|tonight|yesterday|the (?:session|call|chat|meeting|talk)|"
    r"(?:our|a great|the great) (?:session|call|chat|conversation|meeting|talk))|"
    r"(?:today|tonight|yesterday|this morning)['’]?s? (?:session|meeting|call|chat|conversation|catch-?up|talk)|"
    r"(?:session|meeting|call|chat|conversation|catch-?up|talk)s? (?:with \w+ )?(?:today|tonight|yesterday|this morning)|"
    r"here['’]s what we (?:landed on|agreed|decided|said)|as discussed|notes from|to (?:sum up|recap|summari[sz]e)|"
    r"(?:notes|results|takeaways|outcomes?|ergebnisse|notizen|punkte|r[ée]sultats|conclusions|resultados|puntos|"
    r"conclusiones|notas|pontos|conclus[õo]es) (?:from|of|von|de|d['’]|da|do) (?:today|tonight|yesterday|heute|gestern|"
    r"aujourd['’]hui|hier|hoy|ayer|hoje|ontem)|zusammengefasst|zusammenfassend|pour r[ée]sumer|en r[ée]sum[ée]|"
    r"en resumen|resumiendo|resumindo|em resumo|"
    r"(?:danke|vielen dank) (?:dir |euch )?f[üu]r (?:heute|gestern|das (?:offene |gute )?gespr[äa]ch|die session)|"
    r"(?:session|gespr[äa]ch|treffen|call|termin) (?:von |mit \w+ )?(?:heute|gestern)|heutigen (?:gespr[äa]ch|treffen|call)|"
    r"wie besprochen|merci (?:encore )?pour (?:aujourd'hui|hier|(?:notre|cet|ce|cette|la|le) (?:[ée]change|rencontre|s[ée]ance|discussion|moment|rendez-vous|appel))|"
    r"(?:s[ée]ance|rencontre|r[ée]union|[ée]change) (?:de ce (?:matin|soir)|d'hier|de cet apr[èe]s-midi|d'aujourd'hui)|"
    r"notre (?:rencontre|s[ée]ance|[ée]change)|comme convenu|"
    r"gracias por (?:la sesi[óo]n|la reuni[óo]n|la charla|hoy|ayer)|lo (?:de hoy|que hablamos|acordado)|como quedamos|"
    r"(?:sesi[óo]n|reuni[óo]n|charla) de (?:hoy|ayer)|todo bien con|"
    r"obrigad[oa] (?:pela|por) (?:sess[ãa]o|conversa|reuni[ãa]o|mentoria|hoje|ontem|a (?:sess[ãa]o|conversa))|"
    r"(?:sess[ãa]o|conversa|reuni[ãa]o|mentoria) de (?:hoje|ontem)|como combin[áa]mos|ficou combinado)", re.I)


def looks_like_notes(subject: str, text: str, names: Mapping[str, str] | None = None) -> float:
    """Confidence in [0, 1] that a message holds meeting notes (see the module docstring)."""
    score = 0.0
    if _SUBJECT.search(subject[:300]):
        score += 0.6
    head = [ln.strip() for ln in normalise_lines(text[:20_000].split("\n")[:MAX_LINES])]
    owned = {o for ln in head if 2 < len(ln) < 40 and (o := heading_owner(ln.strip("#*_ :：").strip()))}
    action_head = bool(owned) or any(_ACTION_HEAD.match(ln) and len(ln) < 60 for ln in head)
    if action_head:
        score += 0.3
    plain = [bullet_text(ln) if is_bullet(ln) else ln for ln in head]
    sentences = plain + [x for ln in plain for x in re.split(r"(?<=[.!?])\s+", ln)[1:8]]
    agree_head = any(_AGREE_HEAD.match(ln) and len(ln) < 60 for ln in head)
    agreed = agree_head or any(_AGREE_LINE.match(x) for x in sentences)
    if agreed:
        score += 0.3
    if (agree_head and action_head) or len(owned) >= 2:
        score = max(score, 0.9)  # "Decisions" + "Next steps", or "For you" + "For me": notes, whatever else
    if score < 0.6 and any(_SUBJECT.search(ln[:30]) for ln in [x for x in plain if x][:3]):
        score += 0.3  # "Short recap.", "Notes from today:" opening the body
    if score >= 1.0:
        return 1.0
    known = {str(k).strip().lower() for k in (names or {})}
    owners: list[str] = []
    firm: set[str] = set()  # owners of labelled ("you: ...") or dated ("ich schick dir morgen ...") tasks
    for item in _candidates(head)[:80]:
        if key := _owner_key(item, known):
            owners.append(key)
            if item.startswith("\x00") and _OWNER_PREFIX.match(item[1:]) or find_due_text(item[:MAX_LINE]):
                firm.add(key)
            if len(owners) >= 3 and len(set(owners)) >= 2 and (score >= 0.3 or len(firm) >= 2):
                break
    people = set(owners) | {w.lower() for _, w in owned}
    other_sign = score > 0
    if len(owners) >= 2:
        score += 0.15
    if other_sign and owners and len(people) >= 2:
        score += 0.3  # tasks for two or more people (or their headings), besides another sign of notes
    if len(firm) >= 2 or (agreed and owners):
        score = max(score, 0.6)  # who does what by when, for two people; or what was agreed and who acts on it
    if owners and score < 0.7 and _RECAP.search(text[:3000]):
        score = max(score, 0.6 if len(owners) == 1 else 0.7)  # a look back at the session, and what came of it
    return min(score, 1.0)


# sentences, what follows a colon, and a clause with its own subject after "and" ("... an und ich schick ihm ...")
_PROSE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=:)\s+|,?\s+(?:and|und|et|y|e)\s+(?=(?i:i|you|we|ich|du|wir|je|tu|yo|eu)\s)")


def looks_back(text: str) -> bool:
    """The message looks back at a session that took place ("thanks for yesterday", "lo de hoy")."""
    return _RECAP.search(text[:3000]) is not None


def _candidates(head: list[str]) -> list[str]:
    """List items whole, prose split into sentences and after a colon ("To recap: you'll send ...")."""
    out = []
    for ln in head:
        if is_bullet(ln):
            out.append("\x00" + bullet_text(ln))
        elif ln:
            out.extend(x for x in _PROSE_SPLIT.split(ln)[:12] if x)
    return out


def _owner_key(item: str, names: set[str] | frozenset[str] = frozenset()) -> str | None:
    """Who an item gives a task to, as a word ("i", "you", "we", "tom"), or None when it is no task.
    Items marked with a leading NUL are list items, where a leading owner is enough."""
    bulleted = item.startswith("\x00")
    item = item.lstrip("\x00")
    if word := promise(item):
        return _rel(word)
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
    if bulleted and (p := _OWNER_PREFIX.match(item)) and _label_known(p, names):
        return _rel(label_owner(p.group(1) or p.group(2) or p.group(3) or ""))  # "Me → ...", "Priya – ..."
    if bulleted and _starts_with_person(item, {}):
        return _rel(item.split()[0])
    return None


def _label_known(p: re.Match, names: set[str] | frozenset[str]) -> bool:
    """An item label that is a role word, a pronoun or a known first name ("Me", "Both", "Priya")."""
    words = re.split(r"\s*(?:[&+/]|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*|\s+",
                     label_owner(p.group(1) or p.group(2) or p.group(3) or "").strip().lower())
    return bool(words) and all(w in _OWNER_WORDS or w in _ROLE_WORDS or w in names for w in words if w)
