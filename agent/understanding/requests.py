"""Scheduling requests: reschedule one meeting, skip, pause, resume, change cadence, end (en/de/fr/es/pt).

``find_request`` says which action a message asks for (with a confidence), and what it says about
when, through ``when.find_when`` (resolved in the writer's zone or ambiguous with a question; see
there for what is never guessed). Nothing here moves a meeting: the runner confirms every change
back to both people in their own local time first.

Precedence when several actions are named: end, pause, resume, cadence, reschedule, skip -- and a
skip that proposes a new time ("I can't make Thursday, could we do Friday 10:00?") is a reschedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from agent.understanding.dates import MONTH_BY_NAME, _MONTH_RE, parse_date_at
from agent.understanding.when import find_when

_ACTIONS = {
    "end": re.compile(
        r"\b((end|stop|close|wrap up|finish|conclude|beenden|abschlie[ßs]en|terminar|encerrar|finalizar|mettre fin [àa]|"
        r"arr[êe]ter|be[ëe]indigen|stoppen|concludere|terminare)\b[^.?!\n]{0,25}\b(mentoring|mentorship|mentorat|"
        r"mentor[íi]a|mentoraat|programa?|programme)\b|(mentoring|mentorship|mentorat|mentor[íi]a)\b[^.?!\n]{0,40}"
        r"\b(beenden|abschlie[ßs]en|aufh[öo]ren|terminar|encerrar|finalizar|be[ëe]indigen)\b|"
        r"(end|stop|close|wrap up|finish|conclude) (the|our|my) (mentoring|mentorship|program|sessions|partnership)|"
        r"leave the program|withdraw from the program|step (back|down) from the program|"
        r"(mentoring|mentorship) (beenden|aufhören)|(das|unser) mentoring (beenden|abschließen)|aus dem programm aussteigen|"
        r"mettre fin (à|au) (notre|mon|le) (mentorat|programme)|arr[êe]ter (le|notre) (mentorat|programme)|"
        r"quitter le programme|(terminar|finalizar|dar por terminad[ao]) (la|nuestra) mentor[íi]a|dejar el programa|"
        r"(encerrar|terminar|finalizar) (a|nossa) mentoria|sair do programa|encerrar o programa)\b", re.I),
    "pause": re.compile(
        r"\b(pause|take a (short |little )?break|put (it|things|this|our (meetings|sessions|mentoring)) on hold|"
        r"hold off on (our|the) (meetings|sessions)|pausieren|(eine )?pause (einlegen|machen)|aussetzen|"
        r"mettre (le mentorat |nos (rencontres|s[ée]ances|r[ée]unions) )?en pause|faire une (petite )?pause|"
        r"suspendre (nos|le)|pausar|hacer una pausa|tomarnos un descanso|dar uma pausa|fazer uma pausa|"
        r"suspender (as|nossas|los|nuestras))\b", re.I),
    "resume": re.compile(
        r"\b(resume|pick (it|things|this) (back )?up|start (again|back up)|restart (our|the)|get back to (our|the) "
        r"(meetings|sessions|calls)|continue (our|the) (meetings|sessions)|back from my (break|pause)|"
        r"wieder aufnehmen|wieder (starten|anfangen|loslegen)|weitermachen|reprendre (nos|le|notre)|recommencer|"
        r"retomar|reanudar|recome[çc]ar|voltar (a|às) (nossas|as) (reuni[õo]es|sess[õo]es))\b", re.I),
    "cadence": re.compile(
        r"\b(every (two|three|four|2|3|4|other) weeks|bi-?weekly|fortnightly|once a (month|fortnight)|monthly|"
        r"(meet|meeting|sessions?) (more|less) (often|frequently)|weekly instead|"
        r"alle (zwei|drei|vier|2|3|4) wochen|jede zweite woche|vierzehnt[äa]gig|einmal (im|pro) monat|monatlich|"
        r"w[öo]chentlich|toutes les (deux|trois|2|3) semaines|une fois par (mois|semaine)|chaque semaine|"
        r"cada (dos|tres|2|3) semanas|cada quince d[íi]as|una vez al mes|quincenal(mente)?|semanalmente|"
        r"a cada (duas|tr[êe]s|2|3) semanas|quinzenal(mente)?|uma vez por m[êe]s|mensalmente)\b", re.I),
    "reschedule": re.compile(
        r"\b(reschedul\w*|re-schedul\w*|move (it|our|the|this|tomorrow'?s|today'?s|\w+day'?s)\b|push (it|our|the) |"
        r"(move|push|shift|switch|bump|change)\b.{0,25}\b(meeting|call|session|catch-?up|chat|it) (to|until|back)\b|"
        r"(verschieben|verlegen|ändern|tauschen|verzetten|verplaatsen|spostare|anticipare|posticipare)|"
        r"(movemos|cambiamos|pasamos|trasladamos|reprogramamos|mudamos|passamos|remarcamos|adiamos|reagendamos|"
        r"d[ée]calons|d[ée]pla[çc]ons|reportons)\b|"
        r"(cambiar|mover|pasar|trasladar|changer|d[ée]placer|mudar|passar|trocar|alterar)\b.{0,20}\b(reuni[óo]n|sesi[óo]n|"
        r"llamada|r[ée]union|rencontre|s[ée]ance|rendez-vous|rdv|reuni[ãa]o|sess[ãa]o|chamada|encontro)\b|"
        r"postpone|shift (it|our|the)|another (day|time|slot)|different (day|time)|(would|does|could) .{0,40} work "
        r"(instead|for you)|instead\?|verschieben|verlegen|anderen termin|(auf|um) .{0,30} (legen|schieben)|"
        r"d[ée]caler|reporter|d[ée]placer|changer (l'heure|le jour|la date)|un autre (jour|cr[ée]neau|moment)|"
        r"reprogramar|mover (la|nuestra|el)|cambiar (la hora|el d[íi]a|la fecha)|pasar (la|nuestra) (reuni[óo]n|sesi[óo]n)|"
        r"otro d[íi]a|otra hora|remarcar|reagendar|mudar (a|o) (reuni[ãa]o|hor[áa]rio|dia)|adiar|passar (a|nossa) "
        r"(reuni[ãa]o|sess[ãa]o)|outro (dia|hor[áa]rio))", re.I),
    "skip": re.compile(
        r"\b(skip(?!-)|cancel (this|next|our|the|tomorrow'?s|today'?s|\w+day'?s)|can'?t make it|cannot make it|"
        r"won'?t (be able to )?make it|(need|have) to miss|(won'?t|will not|can'?t) be able to (attend|join|meet)|"
        r"ausfallen|absagen|kann .{0,30}nicht (teilnehmen|kommen|dabei sein)|schaffe es .{0,20}nicht|"
        r"sauter|annuler|ne (pourrai|peux) pas (venir|[êe]tre l[àa]|participer|assister)|"
        r"cancelar|saltar(nos)?|no (podr[ée]|puedo) (asistir|ir|conectarme|estar)|pular|desmarcar|"
        r"n[ãa]o vou (conseguir|poder) (participar|ir|estar)|n[ãa]o (posso|poderei) (participar|ir|estar)|faltar)\b", re.I),
}
_PRECEDENCE = ("end", "pause", "resume", "cadence", "reschedule", "skip")
# A question proposing another time without a scheduling verb: "would tomorrow morning work instead?",
# "geht auch morgen Vormittag?", "est-ce que demain matin vous irait ?", "dava-te jeito amanhã?".
_PROPOSAL = re.compile(
    r"\b(would|could|does|will|can we do|how about|what about|(would|does|do) .{0,30} (work|suit|be ok)|"
    r"geht (auch|es)|passt (dir|es|ihnen)|w[äa]re .{0,30} (ok|m[öo]glich|besser)|k[öo]nnen wir|"
    r"(vous|te|t') (irait|va|conviendrait|arrange)|[çc]a (te|vous) (va|irait)|est-ce qu'on peut|on peut faire|"
    r"te (vendr[íi]a|viene|va) bien|(le|te) (ir[íi]a|va) bien|podemos (hacer|quedar|vernos)|"
    r"(d[áa]|dava)-te jeito|(te|lhe) (serve|d[áa] jeito)|pode ser|podemos (fazer|marcar)|"
    r"kunnen we|lukt .{0,20}\?|possiamo|ti va bene|andrebbe bene)\b[^?]{0,80}\?", re.I)
_NUM = {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8,
        "ein": 1, "eine": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "un": 1, "une": 1,
        "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six ": 6, "uno": 1, "una": 1, "dos": 2, "tres": 3,
        "cuatro": 4, "cinco": 5, "seis": 6, "um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "quatro": 4}
_DURATION = re.compile(
    r"\b(?:for|für|pendant|durante|por|during)\s+(?:(?:the\s+)?next\s+|die\s+n[äa]chsten\s+|as\s+pr[óo]ximas\s+|"
    r"las\s+pr[óo]ximas\s+)?(\d{1,2}|[a-zäüöéêç]+)\s+(weeks?|wochen?|semaines?|semanas?|months?|monate?n?|mois|meses|m[êe]s)\b",
    re.I)
_UNTIL = re.compile(
    r"\b(?:until|till|through|bis(?: zum| zur| ende| mitte| anfang)?|jusqu'(?:au|à|en)|hasta(?: el| finales de| mediados de)?|"
    r"at[ée](?: o| ao| dia| final de| o fim de)?)\s+(.{2,60})", re.I)
_END_OF = re.compile(r"\b(end of|ende|fin(?:ales)? de|fin|final de|fim de)\s+(" + _MONTH_RE + r")\b", re.I)
_MONTH_ONLY = re.compile(r"^(?:early |mid-?|anfang |mitte |d[ée]but )?(" + _MONTH_RE + r")\b", re.I)


@dataclass(frozen=True)
class SchedulingRequest:
    """What a scheduling request asks for; ``resolved`` is ISO (a datetime for reschedule, a date
    otherwise) or None, in the writer's zone; ``ambiguous`` requests carry the question to ask."""

    action: str
    when_text: str = ""
    resolved: str | None = None
    zone: str | None = None
    ambiguous: bool = False
    clarify: str | None = None
    cadence: str | None = None


def request_signals(text: str) -> list[str]:
    """The actions ``text`` asks for, in precedence order."""
    head = text[:3000]
    return [name for name in _PRECEDENCE if _ACTIONS[name].search(head)]


def find_request(text: str, *, ref: datetime, zone: str | None, partner_zone: str | None = None,
                 next_meeting: datetime | None = None) -> tuple[SchedulingRequest | None, float]:
    """(request, confidence) for ``text`` (the new text of a message), or (None, 0.0)."""
    head = text[:3000]
    hits = request_signals(head)
    if not hits and not _PROPOSAL.search(head):
        return None, 0.0
    when = find_when(head, ref=ref, zone=zone, partner_zone=partner_zone, next_meeting=next_meeting)
    if not hits:
        if not when.text:
            return None, 0.0
        hits = ["reschedule"]  # a proposed time in a question, no scheduling verb
        confidence = 0.7
    else:
        confidence = 0.85
    action = hits[0]
    if action == "skip" and when.has_time:
        action = "reschedule"  # "I can't make Thursday -- could we do Friday 10:00?"
    if action == "reschedule" and not when.text:
        confidence = min(confidence, 0.65)
    if action == "reschedule":
        return SchedulingRequest("reschedule", when.text, when.resolved.isoformat() if when.resolved else None,
                                 when.zone, when.ambiguous, when.clarify), confidence
    if action == "pause":
        return _pause(head, ref, zone), confidence
    if action == "cadence":
        return _cadence(head), confidence
    if action == "end":
        return SchedulingRequest("end"), confidence
    day = find_when(head, ref=ref, zone=zone, next_meeting=next_meeting, need_time=False)
    return SchedulingRequest(action, day.text, day.day.isoformat() if day.day else None, zone, day.ambiguous,
                             day.clarify), confidence


def _pause(text: str, ref: datetime, zone: str | None) -> SchedulingRequest:
    today = (ref.astimezone(ZoneInfo(zone)) if zone else ref).date()
    if m := _DURATION.search(text):
        raw = m.group(1).lower()
        n = int(raw) if raw.isdigit() else _NUM.get(raw)
        if n:
            unit = m.group(2).lower()
            until = _add_months(today, n) if unit.startswith(("mo", "mes", "mê")) else today + timedelta(weeks=n)
            return SchedulingRequest("pause", m.group(0), until.isoformat(), zone)
    if m := _END_OF.search(text):
        month = MONTH_BY_NAME[m.group(2).lower()]
        year = today.year if month >= today.month else today.year + 1
        last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))
        return SchedulingRequest("pause", m.group(0), last.isoformat(), zone)
    for m in _UNTIL.finditer(text):
        tail = m.group(1)
        found = parse_date_at(tail[:40], today)
        if found is not None:
            return SchedulingRequest("pause", m.group(0)[:60].strip(), found.isoformat(), zone)
        if mo := _MONTH_ONLY.match(tail):
            month = MONTH_BY_NAME[mo.group(1).lower()]
            year = today.year if month > today.month else today.year + 1
            return SchedulingRequest("pause", (m.group(0)[: m.start(1) - m.start()] + mo.group(0)).strip(),
                                     date(year, month, 1).isoformat(), zone)
    return SchedulingRequest("pause", "", None, zone, True, "Until when should the meetings pause?")


def _add_months(d: date, n: int) -> date:
    month = d.month - 1 + n
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, 28)


_CADENCE_VALUES = (
    (re.compile(r"every other week|bi-?weekly|fortnight|every (two|2) weeks|alle (zwei|2) wochen|jede zweite woche|"
                r"vierzehnt|(deux|2) semaines|(dos|2) semanas|quince d[íi]as|quincenal|(duas|2) semanas|quinzenal", re.I),
     "every 2 weeks"),
    (re.compile(r"every (three|3) weeks|alle (drei|3) wochen|(trois|3) semaines|(tres|3) semanas|(tr[êe]s|3) semanas",
                re.I), "every 3 weeks"),
    (re.compile(r"every (four|4) weeks|once a month|monthly|alle (vier|4) wochen|(im|pro) monat|monatlich|par mois|"
                r"al mes|por m[êe]s|mensal", re.I), "every 4 weeks"),
    (re.compile(r"\bweekly|every week|w[öo]chentlich|jede woche|chaque semaine|par semaine|cada semana|semanal|"
                r"toda semana", re.I), "weekly"),
)


def _cadence(text: str) -> SchedulingRequest:
    phrase = _ACTIONS["cadence"].search(text)
    for rx, value in _CADENCE_VALUES:
        if phrase and rx.search(phrase.group(0)):
            return SchedulingRequest("cadence", phrase.group(0), None, None, False, None, value)
    return SchedulingRequest("cadence", phrase.group(0) if phrase else "", None, None, True,
                             "How often would you like to meet: weekly, every 2 weeks or every 4 weeks?")
