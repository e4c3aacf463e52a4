"""Words for days, parts of the day, zones and relative dates in en, de, fr, es, pt, it and nl.

Data only; ``when.py`` builds its patterns from these tables. Short German/Dutch day abbreviations
("Do", "Mi", "So") are left out on purpose: they are everyday words in running text.
"""

from __future__ import annotations

import re

WEEKDAY_NAMES = {
    0: "monday mon montag lundi lunes segunda-feira segunda lunedì lunedi maandag",
    1: "tuesday tue tues dienstag mardi martes terça-feira terça terca-feira terca martedì martedi dinsdag",
    2: "wednesday wed mittwoch mercredi miércoles miercoles quarta-feira quarta mercoledì mercoledi woensdag",
    3: "thursday thu thur thurs donnerstag jeudi jueves quinta-feira quinta giovedì giovedi donderdag",
    4: "friday fri freitag vendredi viernes sexta-feira sexta venerdì venerdi vrijdag",
    5: "saturday sat samstag sonnabend samedi sábado sabado sabato zaterdag",
    6: "sunday sun sonntag dimanche domingo domenica zondag",
}
WEEKDAY_BY_NAME = {name: day for day, names in WEEKDAY_NAMES.items() for name in names.split()}
WEEKDAY_RE = "|".join(sorted((re.escape(n) for n in WEEKDAY_BY_NAME), key=len, reverse=True))

# Relative days: offset from the reference day.
RELATIVE_DAYS = {
    "today": 0, "heute": 0, "aujourd'hui": 0, "aujourd’hui": 0, "hoy": 0, "hoje": 0, "oggi": 0, "vandaag": 0,
    "tomorrow": 1, "morgen": 1, "demain": 1, "mañana": 1, "amanhã": 1, "amanha": 1, "domani": 1,
    "day after tomorrow": 2, "übermorgen": 2, "après-demain": 2, "pasado mañana": 2, "depois de amanhã": 2,
    "dopodomani": 2, "overmorgen": 2, "morgenochtend": 1, "morgenmiddag": 1, "morgenavond": 1, "domattina": 1,
}
RELATIVE_RE = "|".join(sorted((re.escape(n) for n in RELATIVE_DAYS), key=len, reverse=True))

# "next Thursday" and its translations (before or after the day name); "this Thursday".
NEXT_BEFORE = r"(?:next|nächsten|nächster|nächste|kommenden|el próximo|el proximo|próximo|proximo|na próxima|a próxima|próxima|proxima|prossimo|volgende)"
NEXT_AFTER = r"(?:prochain|qui vient|que viene|que vem|prossimo)"
THIS_BEFORE = r"(?:this|coming|diesen|dieser|diese|ce|este|esta|essa|esse|questo|deze)"

NEXT_WEEK = re.compile(
    r"\b(next week|nächste woche|nächsten woche|kommende woche|la semaine prochaine|semaine prochaine|"
    r"la pr[óo]xima semana|la semana que viene|semana que vem|pr[óo]xima semana|la settimana prossima|"
    r"settimana prossima|volgende week)\b",
    re.IGNORECASE,
)
THIS_WEEK = re.compile(
    r"\b(this week|diese woche|cette semaine|esta semana|essa semana|questa settimana|deze week)\b", re.IGNORECASE)
SAME_TIME = re.compile(
    r"\b(same time|gleiche[nr]? (zeit|uhrzeit)|selbe[nr]? (zeit|uhrzeit)|zur selben zeit|m[êe]me heure|"
    r"misma hora|mesmo hor[áa]rio|mesma hora|stessa ora|zelfde tijd)\b",
    re.IGNORECASE,
)

PART_OF_DAY = re.compile(
    r"\b(morning|afternoon|evening|tonight|vormittags?|nachmittags?|abends?|morgens|früh|"
    r"matin(?:ée)?|apr[èe]s-midi|soir(?:ée)?|por la mañana|de la mañana|por la tarde|de la tarde|por la noche|"
    r"de manhã|da manhã|pela manhã|à tarde|da tarde|de tarde|à noite|da noite|mattina|pomeriggio|sera|"
    r"ochtend|middag|avond)\b",
    re.IGNORECASE,
)
AFTERNOON = re.compile(
    r"^\s*(pm|p\.m\.|in the (afternoon|evening)|nachmittags|abends|de l'apr[èe]s-midi|du soir|de la tarde|"
    r"de la noche|da tarde|da noite|del pomeriggio|di sera|'s middags|'s avonds)", re.IGNORECASE)
MORNING = re.compile(
    r"^\s*(am|a\.m\.|in the morning|vormittags|morgens|früh|du matin|de la mañana|da manhã|del mattino|"
    r"di mattina|'s ochtends)", re.IGNORECASE)
NOON = re.compile(r"\b(noon|midday|mittags?|midi|mediod[íi]a|meio-dia|mezzogiorno)\b", re.IGNORECASE)

# Zone words -> IANA zone, or "" for abbreviations that name several zones (ambiguous).
ZONE_ABBREVIATIONS = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "mez": "Europe/Berlin", "mesz": "Europe/Berlin",
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "eet": "Europe/Athens", "eest": "Europe/Athens",
    "bst": "Europe/London", "uk time": "Europe/London", "london time": "Europe/London",
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York", "eastern": "America/New_York",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "mst": "America/Denver", "mdt": "America/Denver",
    "brt": "America/Sao_Paulo", "sgt": "Asia/Singapore", "jst": "Asia/Tokyo", "kst": "Asia/Seoul",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "cat": "Africa/Maputo", "eat": "Africa/Nairobi", "wat": "Africa/Lagos", "hkt": "Asia/Hong_Kong",
    "ist": "", "cst": "", "ct": "", "ast": "", "bt": "",
}
ZONE_RE = re.compile(
    r"(?<![\w-])(" + "|".join(sorted((re.escape(k) for k in ZONE_ABBREVIATIONS if len(k) > 1), key=len, reverse=True))
    + r")(?![\w-])(?:\s*time)?",
    re.IGNORECASE,
)
MY_TIME = re.compile(
    r"\b(my time|my local time|local time for me|meine[rn]? zeit|meiner ortszeit|bei mir|mon heure|heure locale|"
    r"chez moi|mi hora|hora local|hora m[íi]a|meu hor[áa]rio|minha hora|hor[áa]rio daqui|hora daqui|mia ora|"
    r"mijn tijd)\b",
    re.IGNORECASE,
)
YOUR_TIME = re.compile(
    r"\b(your time|your local time|deine[rn]? zeit|ihre[rn]? zeit|bei dir|ton heure|votre heure|chez toi|chez vous|"
    r"tu hora|su hora|seu hor[áa]rio|sua hora|tua ora|jouw tijd)\b",
    re.IGNORECASE,
)
CITY_TIME = re.compile(
    r"\b(?:([A-Z][\w.'-]+(?: [A-Z][\w'-]+)?) time|heure de ([A-Z][\w'-]+)|hora de ([A-Z][\w'-]+(?: [A-Z][\w'-]+)?)|"
    r"([A-Z][\w'-]+)er zeit)\b"
)

# Words that mark a time as the one being given up, not the one asked for.
OLD_MARKERS = re.compile(
    r"(can'?t|cannot|can not|won'?t|unable|not available|instead of|rather than|"
    r"kann (ich )?nicht|geht nicht|nicht können|statt|anstatt|anstelle|"
    r"ne (peux|pourrai|pourrais|serai) pas|pas dispo|au lieu de|"
    r"no (puedo|podr[ée]|podr[íi]a|voy a poder)|en lugar de|en vez de|"
    r"n[ãa]o (posso|poderei|vou conseguir|consigo)|em vez de|ao inv[ée]s de|"
    r"non (posso|potr[òo])|invece di|kan (ik )?niet|in plaats van)[^.?!\n]{0,40}$",
    re.IGNORECASE,
)
MEETING_WORDS = re.compile(
    r"\b(meeting|call|session|catch-?up|chat|termin|treffen|gespräch|sitzung|rendez-vous|rdv|réunion|reunion|"
    r"séance|seance|appel|reunión|sesión|sesion|llamada|reunião|reuniao|sessão|sessao|chamada|incontro|"
    r"riunione|afspraak)\b",
    re.IGNORECASE,
)
