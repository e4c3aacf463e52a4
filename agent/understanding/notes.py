"""Meeting notes: agreements and action items with owners (en/de/fr/es).

Owners are 'mentor', 'mentee', 'both' or None. "I" is the writer (``writer_role``), "you" the
other role, "we" both; a first name resolves through ``names`` (first name -> role) when given.
Due phrases ("by Friday") are kept as ``due_text`` (see ``due.py``); only a full written date
becomes ``due`` here -- ``classify`` resolves the rest when it knows the writer's zone.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Mapping

from agent.domain.model import ActionItem, Notes
from agent.understanding.dates import parse_date_at
from agent.understanding.due import find_due_text
from agent.understanding.result import DueActionItem
from agent.understanding.sections import bullet_text, is_bullet, sections

MAX_LINES = 400
MAX_LINE = 500

_SUBJECT = re.compile(
    r"\b(notes|meeting notes|minutes|summary|recap|follow[- ]?up|notizen|protokoll|zusammenfassung|"
    r"compte[- ]rendu|notes de (la )?r[ée]union|r[ée]sum[ée]|notas|acta|resumen|resumo|ata|notities|verslag|"
    r"appunti|resoconto|verbale|how did (your|the) (meeting|session|call) go|wie war (euer|unser|das) (treffen|gespr[äa]ch)|"
    r"comment s'est pass[ée]e? (votre|la|notre) (rencontre|r[ée]union|s[ée]ance)|qu[ée] tal (fue|ha ido) la reuni[óo]n|"
    r"como correu a reuni[ãa]o|hoe ging|com'[èe] andato)\b",
    re.IGNORECASE,
)
_AGREE_HEAD = re.compile(
    r"^(agreements?|agreed|decisions?|decided|we agreed|vereinbarungen|vereinbart|beschl[üu]sse|entscheidungen|"
    r"accords?|d[ée]cisions?|convenu|acuerdos?|decisiones|acordos?|decis[õo]es|combinado|afspraken|besluiten|"
    r"accordi|decisioni)\b",
    re.IGNORECASE,
)
_ACTION_HEAD = re.compile(
    r"^(next steps?|action items?|actions?|to ?dos?|follow[- ]?ups?|homework|n[äa]chste schritte|aufgaben|"
    r"todos?|prochaines? [ée]tapes?|actions? [àa] mener|[àa] faire|pr[óo]ximos pasos|tareas|pendientes|"
    r"pr[óo]ximos passos|tarefas|a[çc][õo]es|volgende stappen|acties|taken|prossimi passi|azioni|compiti)\b",
    re.IGNORECASE,
)
_AGREE_LINE = re.compile(
    r"^(?:(?:what |so |and )?we (?:also |have (?:also )?)?agreed(?: that| to| on|:)?|agreed:|decided:|we (?:also )?decided(?: that| to)?|"
    r"(?:agreed|decided)(?: that| to| on)?(?= (?:i|we|you|[A-Z]\w+) )|"
    r"wir haben (?:auch )?vereinbart(?:, dass)?|"
    r"vereinbart:|nous avons (?:aussi |également )?convenu(?: que| de)?|on a convenu(?: que| de)?|acordamos(?: que)?|hemos acordado(?: que)?|"
    r"combin[áa]mos(?: que)?|acord[áa]mos(?: que)?|ficou combinado(?: que)?|we (?:hebben )?afgesproken(?: dat)?|"
    r"abbiamo (?:concordato|deciso)(?: che| di)?)"
    r"\s*(.{3,400})$",
    re.IGNORECASE,
)
_NAME = r"[A-ZÀ-Ý][\w-]{1,30}"
_WILL = re.compile(
    r"^(?:(?i:action|todo|to do|aufgabe|action item)\s*[:：]\s*)?(?:"
    r"((?i:i|you|we|(?:my|our|the|your) (?:mentor|mentee|mentora|mentorin))|" + _NAME + r"(?: and " + _NAME + r")?)\s*(?i:'ll| will|'re going to|'s going to| are going to| am going to| is going to| shall|"
    r" need to| should| has to| have to| to (?=[a-z]))\b|"
    r"((?i:i))'m going to\b|"
    r"((?i:ich|du|wir|sie|er)|" + _NAME + r")\s+(?i:werde|wirst|werden|wird|soll|sollte|muss|kümmer\w*)\b|"
    r"((?i:je|tu|nous|vous)|" + _NAME + r")\s+(?i:vais|vas|va|allons|allez|dois|doit|devons|devez|m'occupe|s'occupe)\b|"
    r"((?i:yo|t[úu]|nosotros)|" + _NAME + r")\s+(?i:voy|vas|va|vamos|me encargo|se encarga)\b|((?i:voy|vas|vamos))\s+a\b|"
    r"((?i:eu|voc[êe]|n[óo]s)|(?:[Oo]|[Aa]) " + _NAME + r"|" + _NAME + r")\s+(?i:vou|vai|vamos|fico de|fica de|ficou de)\b|"
    r"((?i:vou|vamos))\s+\w+r\b|"
    r"((?i:ik|jij|je|wij|we)|" + _NAME + r")\s+(?i:ga|gaat|gaan|zal|zult|zullen|moet)\b|"
    r"((?i:io|tu|noi)|" + _NAME + r")\s+(?i:devo|deve|dobbiamo|farò|manderò|invierò)\b)",
)
_BOTH = re.compile(r"^\W*(?i:both( of us)?|together|wir beide|beide|gemeinsam|zusammen|les deux|tou(?:te)?s les deux|"
                   r"ensemble|(?:los|las) dos(?: partes)?|juntos|juntas|ambos|ambas|os dois|as duas|entrambi|insieme|"
                   r"allebei|samen)\b|"
                   # fr "on refait le point" (= nous), not en "On Monday ..."
                   r"^\W*(?i:on) (?!(?i:the|a|an|our|my|your|this|that|next|monday|tuesday|wednesday|thursday|friday|"
                   r"saturday|sunday)\b)(?:se |s'|en |)[a-zàâçéèêëîïôûù']{2,}|"
                   # es/pt first person plural without a pronoun: "Revisamos ...", "Fazemos ..."
                   r"^\W*[A-Za-záéíóúâêôãõç]{2,}(?<![Vv]amos)(?:amos|emos|imos)\b(?! (?:de|a)\b)")
_YOU_ME = re.compile(r"^\W*(?i:me \w+(?:as|es)|\w+(?:as|es)-me)\b")  # es/pt without pronoun: "me envías", "envias-me"
_OWNER_WORDS = {
    "i": "self", "ich": "self", "je": "self", "yo": "self", "voy": "self",
    "you": "other", "du": "other", "tu": "other", "vous": "other", "tú": "other", "vas": "other",
    "we": "both", "wir": "both", "nous": "both", "nosotros": "both", "vamos": "both",
    "eu": "self", "vou": "self", "você": "other", "voce": "other", "nós": "both", "nos": "both",
    "ik": "self", "jij": "other", "wij": "both", "io": "self", "noi": "both", "me": "self", "moi": "self",
    "let's": "both", "lets": "both",
}
_ROLE_WORDS = {
    "mentor": "mentor", "mentorin": "mentor", "mentora": "mentor", "mentee": "mentee", "mentoré": "mentee",
    "mentorée": "mentee", "both": "both", "beide": "both", "us": "both", "all": "both",
}
_OWNER_PREFIX = re.compile(r"^\s*(?:\[([^\]]{1,40})\]|\(([^)]{1,40})\)|([A-Za-zÀ-ÿ][\w-]{0,30})\s*(?:[:：]|\s[-–—])\s)")


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
    if sum(1 for ln in head if _WILL.match(bullet_text(ln) if is_bullet(ln) else ln)) >= 2:
        score += 0.15
    return min(score, 1.0)


def extract_notes(text: str, *, writer_role: str | None = None, names: Mapping[str, str] | None = None) -> Notes:
    """Agreements, action items and a named meeting date from a notes message."""
    lines = [ln[:MAX_LINE] for ln in text[:100_000].split("\n")[:MAX_LINES]]
    agreements: list[str] = []
    actions: list[ActionItem] = []
    for heading, body in sections(lines):
        kind = "agree" if heading and _AGREE_HEAD.match(heading) else (
            "action" if heading and _ACTION_HEAD.match(heading) else None)
        for item, bulleted in _items(body, kind is not None):
            if m := _AGREE_LINE.match(item):
                # "Agreed: x" -> "x"; prose ("We agreed to meet monthly.") stays a whole sentence
                agreements.append(m.group(1).strip() if ":" in item[: m.start(1)] else item)
            elif kind == "agree":
                agreements.append(item)
            elif kind == "action" or _WILL.match(item) or _LETS.match(item) or (kind is None and (
                    _owner_prefixed(item, bulleted) or (bulleted and _starts_with_person(item, _names(names))))):
                actions.append(_action(item, writer_role, _names(names)))
    meeting = None
    for ln in lines[:15]:
        if re.search(r"\b(meeting|call|session|treffen|r[ée]union|reuni[óo]n|sitzung)\b", ln, re.I):
            meeting = parse_date_at(ln, None)
            if meeting:
                break
    return Notes(agreements=tuple(dict.fromkeys(agreements))[:50], action_items=tuple(actions[:50]),
                 meeting_date=meeting)


_CLAUSE = re.compile(r",?\s+(?:and|und|et|y|e|en)\s+(?=(?:I|you|we|ich|du|wir|je|tu|nous|yo|eu|" + _NAME
                     + r")(?:\s|'(?:ll|m|re|d)\b))")


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


_LABEL = re.compile(r"^\s*(?:(?:what |so |and |here is what )?we )?(?:agreed|decided|decision|vereinbart|beschlossen|convenu|d[ée]cid[ée]|acordado|acordamos|"
                    r"combinado|afgesproken|concordato)\s*:\s*$", re.IGNORECASE)
_LETS = re.compile(r"^\W*(?i:let'?s|let us|lass uns|lasst uns|on va|vamos a)\b")


def _starts_with_person(item: str, names: dict[str, str]) -> bool:
    """A list item that starts with who does it: "Je te transmets ...", "Tu m'envoies ...", "Ana ..."."""
    first = re.match(r"^\s*([\wÀ-ÿ]+)", item)
    word = first.group(1).lower() if first else ""
    return word in _OWNER_WORDS or word in names


def _owner_prefixed(item: str, bulleted: bool = True) -> bool:
    """"[Ana] ...", "Ana: ...", "- Ana - ..."; in prose a "Name - ..." line is a greeting, not an item."""
    p = _OWNER_PREFIX.match(item)
    if p and not bulleted and p.group(3) and ":" not in p.group(0) and "：" not in p.group(0):
        return False
    who = (p.group(1) or p.group(2) or p.group(3) or "").lower() if p else ""
    return bool(who) and (who in _ROLE_WORDS or who in _OWNER_WORDS or (p.group(3) or p.group(1) or "")[:1].isupper())


def _names(names: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).strip().lower(): str(v) for k, v in (names or {}).items() if str(v) in ("mentor", "mentee")}


def _who(word: str, writer_role: str | None, names: dict[str, str]) -> str | None:
    word = re.sub(r"^(o|a|el|la|le|der|die|il|my|our|the|your) (?=\w)", "", word.strip().lower())
    if " and " in word or " und " in word or " et " in word or " y " in word or " e " in word:
        parts = {_who(w, writer_role, names) for w in re.split(r" and | und | et | y | e ", word)}
        return "both" if len(parts - {None}) == 2 or "both" in parts else None
    return _ROLE_WORDS.get(word) or names.get(word) or _pronoun_owner(word, writer_role)


def _action(item: str, writer_role: str | None, names: dict[str, str]) -> ActionItem:
    owner = None
    text = item
    if p := _OWNER_PREFIX.match(item):
        owner = _who(p.group(1) or p.group(2) or p.group(3) or "", writer_role, names)
    if owner is None and (_BOTH.match(item) or _LETS.match(item)):
        owner = "both"
    if owner is None and (m := _WILL.match(item)):
        owner = _who(next((g for g in m.groups() if g), ""), writer_role, names)
    if owner is None and _YOU_ME.match(item):
        owner = _pronoun_owner("you", writer_role)
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
