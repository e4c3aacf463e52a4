"""Due phrases of action items ("by Friday", "before our next meeting", "in two weeks"; en/de/fr/es/pt).

``find_due_text`` keeps the phrase as written; ``resolve_due`` turns it into a date in the writer's
zone, relative to when the notes were written and to the next meeting. Pure: every reference is an
argument. Phrases with no fixed date ("soon", "asap") resolve to None.

Conventions: a weekday is the next one after the writing day ("by Friday" written on a Friday is a
week later); "this week"/"end of the week" is its Friday; "next week" is next week's Friday;
"end of the month" its last day ("end of February" February's); "in N weeks/days" counts from the writing day; "before/by our
next meeting", "next time" and "before we meet again" are the next meeting's local date; "the 25th"
or "dia 25" alone is the next such day of a month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from agent.understanding.dates import _MONTH_RE, MONTH_BY_NAME, parse_date_at
from agent.understanding.when_words import RELATIVE_DAYS, WEEKDAY_BY_NAME, WEEKDAY_RE

_NEXT_MEETING = (r"(?:(?:our|the|your|my|unserem|unser|dem|nächsten|notre|la|nuestra|la|el|a|nossa|o)?\s*"
                 r"(?:next|n[äa]chste[nm]?|prochaine?|pr[óo]xim[ao])\s*(?:meeting|session|call|catch-?up|chat|treffen|"
                 r"termin|gespr[äa]ch|r[ée]union|s[ée]ance|rencontre|session|reuni[óo]n|sesi[óo]n|encuentro|llamada|"
                 r"reuni[ãa]o|sess[ãa]o|encontro|conversa)|(?:n[äa]chste[nmr]? (?:treffen|termin|gespr[äa]ch)|"
                 r"(?:meeting|session|r[ée]union|reuni[óo]n|reuni[ãa]o) (?:prochaine|siguiente|seguinte))|n[äa]chstes (?:treffen|gespr[äa]ch)|"
                 r"next time(?: we (?:meet|talk|speak))?|(?:we )?meet (?:again|next)|n[äa]chstes mal|"
                 r"(?:wir uns )?wiedersehen|la prochaine fois|(?:nous |de nous |se )?revoir|la pr[óo]xima vez|"
                 r"(?:vernos|nos vemos) (?:de nuevo|otra vez)|(?:na|da) pr[óo]xima vez|(?:nos )?(?:vermos|encontrarmos) "
                 r"(?:de novo|outra vez))")
_NUMBER = (r"(?:\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten|couple of|a few|ein(?:e|er)?|zwei|drei|vier|"
           r"un|une|deux|trois|quatre|uno|una|dos|tres|cuatro|um|uma|dois|duas|tr[êe]s|quatro|"
           r"f[üu]nf|sechs|zehn|cinq|dix|cinco|seis|diez|dez)")
_UNIT = r"(?:weeks?|days?|wochen?|tagen?|semaines?|jours?|semanas?|d[íi]as?)"
_NEXT_DAY = r"(?:(?:next|this|coming|nächsten|kommenden|diesen|prochain|el pr[óo]ximo|pr[óo]xim[ao]) )?"
_TARGET = (r"(?:" + _NEXT_MEETING + r"|" + _NEXT_DAY + r"(?:" + WEEKDAY_RE + r")(?: prochain)?(?:,? (?:the )?\d{1,2}(?:st|nd|rd|th|\.)?(?![\d:]))?|" + "|".join(sorted(RELATIVE_DAYS, key=len, reverse=True))
           + r"|(?:the )?end of (?:the |this |next )?(?:week|month)|eow|eom|(?:this|next) week|"
           r"(?:the )?end of (?:" + _MONTH_RE + r")|ende (?:" + _MONTH_RE + r")|(?:la )?fin (?:de |d')?(?:" + _MONTH_RE
           + r")|(?:finales|fin|final|fim|finais) de (?:" + _MONTH_RE + r")|"
           r"ende (?:der|dieser|nächster) woche|ende des monats|monatsende|nächste woche|diese woche|"
           r"(?:la )?fin (?:de la semaine(?: prochaine)?|du mois)|la semaine prochaine|cette semaine|"
           r"(?:el )?(?:fin|final) de (?:la semana|mes)|la pr[óo]xima semana|la semana que viene|esta semana|"
           r"(?:o )?(?:fim|final) d[ao] (?:semana|m[êe]s)|a pr[óo]xima semana|semana que vem|esta semana|"
           r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}\.?(?:\d{2,4})?|(?:d[íi]a\s+)?\d{1,2}(?:st|nd|rd|th|\.)?\s+(?:de\s+|of\s+)?(?:" + _MONTH_RE
           + r")|(?:" + _MONTH_RE + r")\s+\d{1,2}(?:st|nd|rd|th)?|the \d{1,2}(?:st|nd|rd|th)|d[íi]a \d{1,2}(?!\d)|(?:le|el|del|al|o|a) \d{1,2}(?![\d:/h]|[.,]\d))")

# Phrases that stand alone, without "by": "asap", "end of the week", "2 weeks from now", "on 15 March",
# "le 23 mars", "el jueves", "when we meet on the 23rd"; and, after a comma, dash or table bar at the end of
# an item, any target ("..., next meeting").
_ASAP = (r"asap|a\.s\.a\.p\.?|as soon as possible|au plus vite|d[èe]s que possible|so schnell wie m[öo]glich|"
         r"schnellstm[öo]glich|lo antes posible|cuanto antes|lo m[áa]s pronto posible|o quanto antes|o mais r[áa]pido poss[íi]vel")
_SPAN = (r"(?:this |the )?weekend|(?:am|übers) wochenende|(?:ce |le )week-end|(?:el|este) finde(?:de)?|"
         r"(?:el|este) fin de semana|(?:n?o|este) fim de semana|(?:en )?la semana del \d{1,2}|(?:in )?the week of the \d{1,2}\w*")
_BARE = (r"(?:the )?end of (?:the |this |next )?(?:week|month)|ende (?:der|dieser|nächster) woche|"
         r"(?:la )?fin de (?:la )?semaine(?: prochaine)?|(?:el )?(?:fin|final) de (?:la semana|mes)|(?:o )?fim d[ao] (?:semana|m[êe]s)|"
         r"(?:\d{1,2}|a|one|two|three|four|a couple of) (?:weeks?|days?) from (?:now|today)|hoy mismo|"
         r"(?:when|once) we meet(?: again| next)?(?: on (?:the )?\d{1,2}(?:st|nd|rd|th)?)?|"
         r"(?:on|am|le|el|o|a|em|no|na) (?:the )?(?:\d{1,2}(?:st|nd|rd|th|\.)?\s+(?:de\s+|of\s+)?(?:" + _MONTH_RE
         + r")|(?:" + _MONTH_RE + r")\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th))(?![\w-])|"
         r"(?:el|le|am|on) (?:" + WEEKDAY_RE + r")|(?:el )?d[íi]a \d{1,2}(?![\d:/h]|[.,]\d)")
_DUE = re.compile(
    r"(?<![\w-])(?:(?:by|before|until|till|no later than|due|bis (?:zum |zur |spätestens |)?|vor (?:dem |unserem |)?|"
    r"spätestens (?:am |bis )?|d'ici (?:à |)?|avant (?:le |la |)?|pour (?:le |)?|para (?:el |la |o |a |)?|"
    r"antes (?:del |de la |de |da |do |)?|hasta (?:el |)?|at[ée] (?:o |a |ao |à |)?|voor |entro (?:il |)?)\s*(?:the |le |el |)?"
    + _TARGET + r"|(?:at|for|during|in|beim|bei|im|zum|lors de|à|au|en|durante|para|na|no|em|bij|tijdens|al|nel)\s+"
    + _NEXT_MEETING + r"|(?:in|within|innerhalb von|in den nächsten|dans|d'ici|en|dentro de|em|daqui a)\s+" + _NUMBER + r"\s+" + _UNIT
    + r"|(?:next week|nächste woche|la semaine prochaine|la pr[óo]xima semana|la semana que viene|"
    r"(?:na |a )?(?:pr[óo]xima semana|semana que vem)|next time(?: we (?:meet|talk|speak))?|n[äa]chstes mal|"
    r"la prochaine fois|la pr[óo]xima vez|(?:na|da) pr[óo]xima vez|"
    r"this week|diese woche|cette semaine|esta semana|essa semana|deze week|questa settimana|"
    r"tomorrow|morgen|demain|mañana|amanhã|domani|today|heute|aujourd'hui|hoy mismo|hoy|hoje|oggi|vandaag)|"
    + _ASAP + r"|" + _SPAN + r"|" + _BARE + r"|(?:(?<=, )|(?<=\| )|(?<=– )|(?<=— ))" + _NEXT_MEETING + r"(?=\W*$))"
    r"(?![\w-])", re.I)


def find_due_text(item: str) -> str | None:
    """The due phrase of an action item as written, or None."""
    found = None
    for m in _DUE.finditer(item[:500]):
        found = m  # the last one: "send the deck to Tom on Monday by Friday" is due Friday
    return found.group(0).strip() if found else None


_WORD_NUM = {"a": 1, "one": 1, "couple of": 2, "two": 2, "three": 3, "four": 4, "ein": 1, "eine": 1, "einer": 1,
             "zwei": 2, "drei": 3, "vier": 4, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "uno": 1,
             "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3,
             "tres ": 3, "quatro": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
             "a few": 3, "fünf": 5, "funf": 5, "sechs": 6, "zehn": 10, "cinq": 5, "dix": 10, "cinco": 5,
             "seis": 6, "diez": 10, "dez": 10}
_IN_N = re.compile(r"(\d{1,2}|[a-zäöüêé]+(?: of)?)\s+(" + _UNIT + r")", re.I)
_WEEKDAY = re.compile(r"(?<![\w-])(" + WEEKDAY_RE + r")(?![\w-])", re.I)


def _friday(d: date, weeks: int = 0) -> date:
    friday = d + timedelta(days=(4 - d.weekday()) + 7 * weeks)
    return friday if friday >= d else d


def _month_end(d: date) -> date:
    first_next = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


# Zones whose people write month/day ("3/19"); elsewhere "17/3" is day/month. An ambiguous pair is read
# in the writer's convention, an unambiguous one (a number over 12) as it can only be read.
_MONTH_FIRST = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix",
                "America/Anchorage", "America/Toronto", "America/Vancouver", "America/Detroit", "America/Edmonton",
                "America/Winnipeg", "America/Halifax", "Pacific/Honolulu", "America/Indiana/Indianapolis",
                "America/Boise", "America/Regina", "America/St_Johns", "Asia/Manila")


def _numeric(a: int, b: int, today: date, zone) -> date | None:
    """"3/19", "17/3", "19/03" without a year: the next such date on or after ``today``."""
    month_first = b > 12 or (a <= 12 and str(getattr(zone, "key", "")) in _MONTH_FIRST)
    month, day = (a, b) if month_first else (b, a)
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found >= today:
            return found
    return None


def resolve_due(due_text: str, *, written_at: datetime, zone: ZoneInfo,
                next_meeting: datetime | None) -> date | None:
    """The date ``due_text`` names, in ``zone``, for notes written at ``written_at`` (see the module
    docstring for the conventions); None when it names none or needs a next meeting that is unknown."""
    text = " ".join(due_text.lower().split())[:200]
    today = written_at.astimezone(zone).date()
    if re.fullmatch(_ASAP + "|" + _SPAN, text):
        return None  # "asap", "el finde", "the week of the 15th": no agreed day
    if m := re.search(r"(?<![\d.])(\d{1,2})/(\d{1,2})(?![\d/])", text):
        return _numeric(int(m.group(1)), int(m.group(2)), today, zone)
    if re.search(_NEXT_MEETING, text, re.I):
        return next_meeting.astimezone(zone).date() if next_meeting is not None else None
    if re.search(r"end of (the |this )?month|eom|ende des monats|monatsende|fin du mois|fin(al)? de mes|"
                 r"(fim|final) do m[êe]s", text):
        return _month_end(today)
    if m := re.search(r"(?:end of|ende|fin(?:ales)?|final|fim|finais)\s+(?:de |d')?(" + _MONTH_RE + r")\b", text):
        month = MONTH_BY_NAME[m.group(1).lower()]  # "by the end of February": that month's last day
        return _month_end(date(today.year + (month < today.month), month, 1))
    if re.search(r"next week|nächste woche|semaine prochaine|pr[óo]xima semana|semana que viene|semana que vem|"
                 r"end of next week|ende nächster woche|fin de la semaine prochaine", text):
        return _friday(today, 1)
    if re.search(r"this week|end of (the )?week|eow|diese woche|ende der woche|ende dieser woche|cette semaine|"
                 r"fin de la semaine|esta semana|fin(al)? de la semana|(fim|final) da semana", text):
        return _friday(today)
    if m := _IN_N.search(text):
        raw = m.group(1)
        n = int(raw) if raw.isdigit() else _WORD_NUM.get(raw)
        if n and re.search(r"\b(in|within|innerhalb|in den|dans|d'ici|en|dentro|em|daqui|from now|from today)\b", text):
            days = n if re.match(r"(day|tag|jour|d[íi]a)", m.group(2)) else 7 * n
            return today + timedelta(days=days)
    for word, offset in sorted(RELATIVE_DAYS.items(), key=lambda kv: -len(kv[0])):
        if re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text):
            return today + timedelta(days=offset)
    if m := _WEEKDAY.search(text):
        wd = WEEKDAY_BY_NAME[m.group(1).lower()]
        return today + timedelta(days=(wd - today.weekday()) % 7 or 7)
    if m := re.search(r"(\d{1,2})(?:st|nd|rd|th)? of (" + _MONTH_RE + r")\b", text):
        return parse_date_at(f"{m.group(1)} {m.group(2)}", today)  # "the 15th of February"
    if m := re.search(r"the (\d{1,2})(st|nd|rd|th)(?! of)|\b(?:d[íi]a|le|el|del|al|o|a) (\d{1,2})\W*$", text):
        day = int(m.group(1) or m.group(3))
        for k in range(3):
            y, mo = today.year + (today.month + k - 1) // 12, (today.month + k - 1) % 12 + 1
            try:
                if (found := date(y, mo, day)) >= today:
                    return found
            except ValueError:
                continue
    return parse_date_at(text, today)
