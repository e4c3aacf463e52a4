"""A mentee's agenda: topics and questions, progress per goal, asks of the mentor (en/de/fr/es/pt, some nl/it).

Questions to the mentor ("how do you handle that?") are topics; asks are requests for the mentor to
do something ("could you introduce me to ...", "please review ...").

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
    r"\b(agenda|tagesordnung|themen|ordre du jour|sujets|orden del d[íi]a|temas|topics for|pauta|onderwerpen|argomenti|"
    r"what would you like to (talk about|discuss|cover)|wor[üu]ber m[öo]chtest du sprechen|de quoi (voulez-vous|veux-tu) parler|"
    r"de qu[ée] te gustar[íi]a hablar|sobre o que gostaria de falar|waarover wil je praten|di cosa vorresti parlare|"
    r"for (our|the|next) (meeting|call|session)|f[üu]r (unser|das|den) (treffen|gespr[äa]ch|termin)|"
    r"pour (notre|la) (r[ée]union|s[ée]ance)|para (nuestra|la) (reuni[óo]n|sesi[óo]n))\b",
    re.IGNORECASE,
)
_TOPIC_HEAD = re.compile(
    r"^(agenda|topics?|questions?|things to discuss|to discuss|discussion points|tagesordnung|themen|fragen|punkte|"
    r"ordre du jour|sujets|questions|points?|mes points|orden del d[íi]a|temas|preguntas|puntos|mis temas|pauta|"
    r"pontos|os meus temas|onderwerpen|argomenti|punti)\b",
    re.IGNORECASE,
)
_GOAL_HEAD = re.compile(
    r"^(goals?|progress|goal progress|goals update|status|ziele|fortschritt|stand|zum fortschritt|objectifs?|progr[èe]s|"
    r"avancement|c[ôo]t[ée] objectifs|objetivos?|progreso|avance|en cuanto a objetivos|progresso|quanto aos objetivos|"
    r"doelen|voortgang|obiettivi|progressi|on the goals)\b",
    re.IGNORECASE,
)
_ASK_HEAD = re.compile(r"^(asks?|requests?|help needed|bitten?|w[üu]nsche|demandes?|peticiones|petici[óo]n|solicitudes|"
                       r"pedidos?|vragen aan|richieste)\b", re.I)
_STATUS = re.compile(
    r"\b(on track|off track|at risk|blocked|done|completed?|finished|in progress|not started|started|behind|"
    r"ahead|stuck|im plan|blockiert|erledigt|fertig|abgeschlossen|in arbeit|verz[öo]gert|l[äa]uft gut|"
    r"en bonne voie|bloqu[ée]e?|termin[ée]e?|en cours|en retard|en camino|bloquead[oa]|terminad[oa]|"
    r"en progreso|retrasad[oa]|conclu[íi]d[oa]|em andamento|bloquead[oa]|atrasad[oa]|no bom caminho|afgerond|"
    r"geblokkeerd|completato|bloccato|in corso)(?!\w)",
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
    r"\bpodr[íi]as\b|\bpodr[íi]a usted\b|\bme gustar[íi]a (tu|su) (consejo|opini[óo]n)\b|\bpuedes\b|"
    r"\bpodes\b|\bpoderias\b|\bpode\b|\bpoderia\b|\bwould love your (thoughts|feedback|input)|"
    r"\bkun je\b|\bpotresti\b|\bintroduce me\b|\bsend me\b)",
    re.IGNORECASE,
)
_GOAL_LINE = re.compile(
    r"^(?:goal|ziel|objectif|objetivo)\s*\d*\s*[:\-–—]\s*(.+)$|^([^:–—]{2,80}?)\s*[:–—]\s*(.+)$|^(.{2,80}?)\s+-\s+(.+)$",
    re.IGNORECASE,
)


_INTENT = re.compile(
    r"\b(i'?d like to (discuss|talk about|cover|go over)|i want to talk|things i want to (talk|discuss)|"
    r"(a couple of|some|two|few) (things|points|topics)|what i'?d like to cover|"
    r"ich (m[öo]chte|w[üu]rde) (gern )?.{0,60}(besprechen|sprechen|reden)|meine themen|punkte f[üu]r|"
    r"j'aimerais (discuter|parler|aborder)|voici ce que j'aimerais|mes points|points pour|"
    r"me gustar[íi]a (hablar|discutir|tratar|comentar)|mis temas|puntos para|"
    r"gostaria de (falar|abordar|discutir)|os meus temas|pontos para|s[óo] dois temas|solo dos temas|"
    r"nur zwei punkte|juste deux sujets|onderwerpen voor|argomenti per|"
    r"^.{0,80}\b(agenda|tagesordnung|ordre du jour|orden del d[íi]a|pauta)\b)",
    re.IGNORECASE,
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
    if any(_GOAL_HEAD.match(ln) and (len(ln) < 80 or ":" in ln[:40]) and
           (_STATUS.search(ln) or _PERCENT.search(ln) or ln.endswith(":")) for ln in head):
        score += 0.2
    bullets = sum(1 for ln in head if is_bullet(ln))
    if bullets >= 2:
        score += 0.15
    if sum(1 for ln in head if ln.endswith("?")) >= 2:
        score += 0.1
    if _INTENT.search(text[:5000]):
        score += 0.45
    return min(score, 1.0)


def extract_agenda(text: str) -> Agenda:
    """Topics, goal progress and asks from an agenda message (see the module docstring)."""
    lines = [ln[:MAX_LINE] for ln in text[:100_000].split("\n")[:MAX_LINES]]
    topics: list[str] = []
    goals: list[GoalProgress] = []
    asks: list[str] = []
    for heading, body in sections(lines):
        kind = _kind(heading)
        for item, bulleted in _items(body, kind):
            if kind in ("goals", None) and (found := _prose_goals(item)):
                goals.extend(found)
                continue
            goal = _goal(item) if kind in ("goals", None) else None
            if goal is not None and (kind == "goals" or goal.status or goal.percent is not None or goal.blockers):
                goals.append(goal)
                continue
            if kind == "goals":
                continue
            if kind == "asks" or (kind != "topics" and _is_ask(item)):
                asks.append(item)
            elif kind == "topics" or item.endswith("?") or bulleted:
                topics.append(item)
        if kind == "topics":
            asks.extend(t for t in topics if _is_ask(t) and t not in asks)
    topics = [t for t in topics if t not in asks]
    return Agenda(topics=_unique(topics)[:50], goals=tuple(goals[:30]), asks=_unique(asks)[:30])


_REQUEST_ASK = re.compile(r"\b(send|introduce|review|share|look at|check|schick|stell|vorstell|envo|pr[ée]sent|"
                          r"relire|env[ií]a|presentar|enviar|apresentar|rever|stuur|mand)", re.I)
_YOU_QUESTION = re.compile(r"^\W*((could|can|would|will) you|k[öo]nntest|kannst|k[öo]nnten sie|pourrais|pourriez|peux-tu|"
                           r"pouvez-vous|podr[íi]as|puedes|podr[íi]a|podes|poderias|pode|kun je|potresti)\b", re.I)


def _is_ask(item: str) -> bool:
    """A request for the mentor to act; other questions are topics."""
    if not _ASK.search(item):
        return False
    return not item.endswith("?") or bool(_YOU_QUESTION.search(item) or _REQUEST_ASK.search(item))


_GOAL_INTRO = re.compile(r"^(?:[^:]{0,40}\b(?:goals?|ziele[n]?|fortschritt|objectifs|objetivos|progress|doelen|obiettivi)"
                         r"[^:]{0,20}|on the goals)\s*:\s*(.+)$", re.I)
_GOAL_VERB = re.compile(r"^(?:the |my |das |der |die |mein |le |la |l'|mon |ma |el |mi |o |a |os |as |het |de |il )?"
                        r"(.{2,60}?)\s+(?:is|are|ist|sind|liegt|l[äa]uft|est|sont|va|est[áa]|vai|anda|zit|[èe])\b", re.I)


def _prose_goals(item: str) -> list[GoalProgress]:
    """"Goals update: SQL course is done, the dashboard rewrite is about 60% there." -> two goals."""
    m = _GOAL_INTRO.match(item)
    if not m:
        return []
    found = []
    for part in re.split(r";\s*|\s+(?:and|und|et|y|e)\s+|,\s*(?=(?:the|my|das|der|die|mein|le|la|l'|mon|ma|el|mi|o|a|"
                         r"os|as|het|de|il|lo)\b)", m.group(1)):
        status, percent = _STATUS.search(part), _PERCENT.search(part)
        if not (status or percent):
            continue
        name = _GOAL_VERB.match(part)
        goal = (name.group(1) if name else part[: (status or percent).start()]).strip(" ,.-–—:")
        if goal:
            pct = int(percent.group(1)) if percent else None
            found.append(GoalProgress(goal=goal, status=status.group(1).lower() if status else None,
                                      percent=pct if pct is not None and pct <= 100 else None))
    return found


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


def _items(body: list[str], kind: str | None) -> list[tuple[str, bool]]:
    """(item, bulleted): bulleted lines become items; in a headed section prose lines do too;
    elsewhere, prose sentences (wrapped lines joined) that are questions, asks or progress."""
    items: list[tuple[str, bool]] = []
    paragraph: list[str] = []

    def flush() -> None:
        for sentence in re.split(r"(?<=[.?!])\s+", " ".join(paragraph)):
            s = sentence.strip()
            if s.endswith("?") or _ASK.search(s) or _STATUS.search(s) or _PERCENT.search(s):
                items.append((s, False))
        paragraph.clear()

    for raw in body:
        line = raw.strip()
        if line.startswith(">"):
            flush()
            continue  # quoted lines are context for inline answers, not the agenda
        if is_bullet(line):
            flush()
            items.append((bullet_text(line), True))
        elif not line:
            flush()
        elif kind is not None:
            items.append((line, False))
        else:
            paragraph.append(line)
    flush()
    return [(i, b) for i, b in items if 2 <= len(i) <= MAX_LINE]


def _goal(item: str) -> GoalProgress | None:
    m = _GOAL_LINE.match(item)
    if not m:
        return None
    if m.group(1):
        parts = re.split(r"\s[–—-]\s|:\s|,\s", m.group(1), maxsplit=1)
        name, detail = parts[0], (parts[1] if len(parts) > 1 else "")
    elif m.group(2):
        name, detail = m.group(2), m.group(3)
    else:
        name, detail = m.group(4), m.group(5)
    if _INTRO_WORD.search(name) and (subject := _GOAL_VERB.match(detail)):
        name = subject.group(1)  # "Also quick update: the Tableau certificate is done" -> "Tableau certificate"
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


_INTRO_WORD = re.compile(r"\b(update|news|btw|fyi|also|progress|neuigkeiten|nachtrag|nouvelles|novedades|novidades|"
                         r"aggiornamento)\b", re.I)


def _unique(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item.strip(), None)
    return tuple(seen)
