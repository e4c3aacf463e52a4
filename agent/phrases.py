"""A small message catalogue for the phrases code builds and mail shows: cadences, slot lines,
series exception notes, and why a meeting or a proposal does not fit (en, de, fr, es, pt).

A ``Phrase`` *is* its English text (a ``str``), so it can be stored, logged, joined and put in JSON
as before; it also keeps its key and arguments, so ``say(locale)`` renders it for a reader in
another locale. Arguments may themselves be phrases (rendered in the same locale), tuples of
phrases (joined with "; "), or ``Day`` values (weekday names from babel's CLDR data). Templates
receive phrases already rendered for their reader (``localised``), so they need no logic.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from babel.dates import get_day_names

LOCALES = ("en", "de", "fr", "es", "pt")

# key -> (en, de, fr, es, pt)
CATALOGUE: dict[str, tuple[str, str, str, str, str]] = {
    "weekly": ("weekly", "wöchentlich", "chaque semaine", "semanal", "semanal"),
    "every_weeks": ("every {n} weeks", "alle {n} Wochen", "toutes les {n} semaines", "cada {n} semanas",
                    "a cada {n} semanas"),
    "times": ("{rhythm} x{count}",) * 5,
    "slot": ("{day}s {start}-{end} {tzid} ({locals}), {rhythm}, {count} meetings from {first}{skipped}",
             "{day} {start}-{end} {tzid} ({locals}), {rhythm}, {count} Treffen ab {first}{skipped}",
             "{day} {start}-{end} {tzid} ({locals}), {rhythm}, {count} rendez-vous à partir du {first}{skipped}",
             "{day} {start}-{end} {tzid} ({locals}), {rhythm}, {count} reuniones desde el {first}{skipped}",
             "{day} {start}-{end} {tzid} ({locals}), {rhythm}, {count} encontros a partir de {first}{skipped}"),
    "slot_skipped": (", {n} skipped", ", {n} ausgelassen", ", {n} sautés", ", {n} omitidas", ", {n} omitidos"),
    "local_clock": ("{name}: {day} {time} {zone}",) * 5,
    "clock": ("{day} {time}",) * 5,
    "dated": ("{date}: {reasons}",) * 5,
    "lines": ("{lines}",) * 5,
    "note_line": ("  - {note}",) * 5,
    "skipped": ("skipped", "ausgelassen", "sauté", "omitida", "omitido"),
    "no_such_time": ("{time} does not exist in {zone} that day (the clocks go forward)",
                     "{time} gibt es an diesem Tag in {zone} nicht (die Uhren werden vorgestellt)",
                     "{time} n'existe pas ce jour-là en {zone} (on avance les horloges)",
                     "las {time} no existen ese día en {zone} (se adelantan los relojes)",
                     "{time} não existe nesse dia em {zone} (os relógios são adiantados)"),
    "would_be": ("would be {when} for {name} in {zone}, outside {name}'s hours{why}",
                 "wäre {when} für {name} in {zone}, außerhalb der Zeiten von {name}{why}",
                 "serait {when} pour {name} en {zone}, en dehors des horaires de {name}{why}",
                 "sería {when} para {name} en {zone}, fuera del horario de {name}{why}",
                 "seria {when} para {name} em {zone}, fora do horário de {name}{why}"),
    "would_be_stretch": ("would be {when} for {name} in {zone}, outside {name}'s hours, stretch hours included{why}",
                         "wäre {when} für {name} in {zone}, außerhalb der Zeiten von {name}, auch der erweiterten{why}",
                         "serait {when} pour {name} en {zone}, en dehors des horaires de {name}, même élargis{why}",
                         "sería {when} para {name} en {zone}, fuera del horario de {name}, incluso el ampliado{why}",
                         "seria {when} para {name} em {zone}, fora do horário de {name}, mesmo o ampliado{why}"),
    "changed_one": (" (the clocks changed in {a} but not in {b})",
                    " (in {a} wurden die Uhren umgestellt, in {b} nicht)",
                    " (changement d'heure en {a} mais pas en {b})",
                    " (cambio de hora en {a} pero no en {b})",
                    " (mudança de horário em {a} mas não em {b})"),
    "changed_both": (" (the clocks changed differently in {a} and {b})",
                     " (die Uhren wurden in {a} und {b} unterschiedlich umgestellt)",
                     " (changements d'heure différents en {a} et en {b})",
                     " (cambios de hora distintos en {a} y en {b})",
                     " (mudanças de horário diferentes em {a} e em {b})"),
    "public_holiday": ("{names}, a public holiday for {name} ({country})",
                       "{names}, ein Feiertag für {name} ({country})",
                       "{names}, jour férié pour {name} ({country})",
                       "{names}, día festivo para {name} ({country})",
                       "{names}, feriado para {name} ({country})"),
    "a_holiday": ("a holiday", "ein Feiertag", "un jour férié", "un día festivo", "um feriado"),
    "busy_clash": ("clashes with a busy time in a calendar", "kollidiert mit einem belegten Termin im Kalender",
                   "tombe sur un créneau occupé d'un agenda", "coincide con una hora ocupada en un calendario",
                   "coincide com um horário ocupado em uma agenda"),
    "drift": ("{dates}: {clock} for {name} in {zone} instead of the usual {usual} "
              "({zone} and {anchor} change clocks on different dates)",
              "{dates}: {clock} für {name} in {zone} statt wie üblich {usual} "
              "({zone} und {anchor} stellen die Uhren an verschiedenen Tagen um)",
              "{dates} : {clock} pour {name} en {zone} au lieu de {usual} d'habitude "
              "({zone} et {anchor} changent d'heure à des dates différentes)",
              "{dates}: {clock} para {name} en {zone} en lugar de las habituales {usual} "
              "({zone} y {anchor} cambian la hora en fechas distintas)",
              "{dates}: {clock} para {name} em {zone} em vez do habitual {usual} "
              "({zone} e {anchor} mudam o horário em datas diferentes)"),
    "date_range": ("{first} to {last} ({n} meetings)", "{first} bis {last} ({n} Treffen)",
                   "du {first} au {last} ({n} rendez-vous)", "del {first} al {last} ({n} reuniones)",
                   "de {first} a {last} ({n} encontros)"),
    "when": ("{day} {date} {start}-{end} for {name} ({zone})", "{day} {date} {start}-{end} für {name} ({zone})",
             "{day} {date} {start}-{end} pour {name} ({zone})", "{day} {date} {start}-{end} para {name} ({zone})",
             "{day} {date} {start}-{end} para {name} ({zone})"),
    "crosses_midnight": ("{when} crosses midnight", "{when} geht über Mitternacht", "{when} passe minuit",
                         "{when} pasa de medianoche", "{when} passa da meia-noite"),
    "outside_hours": ("{when} is outside {name}'s hours", "{when} liegt außerhalb der Zeiten von {name}",
                      "{when} est en dehors des horaires de {name}", "{when} está fuera del horario de {name}",
                      "{when} está fora do horário de {name}"),
    "in_stretch": ("{when} is in {name}'s stretch hours", "{when} liegt in den erweiterten Zeiten von {name}",
                   "{when} est dans les horaires élargis de {name}", "{when} está en el horario ampliado de {name}",
                   "{when} está no horário ampliado de {name}"),
    "holiday_for": ("{date} is {holiday} for {name} ({country})", "{date} ist {holiday} für {name} ({country})",
                    "le {date} est {holiday} pour {name} ({country})", "el {date} es {holiday} para {name} ({country})",
                    "{date} é {holiday} para {name} ({country})"),
    "overlaps_busy": ("{start}Z overlaps another meeting or busy time",
                      "{start}Z überschneidet sich mit einem anderen Treffen oder belegten Termin",
                      "{start}Z chevauche un autre rendez-vous ou un créneau occupé",
                      "{start}Z coincide con otra reunión o una hora ocupada",
                      "{start}Z coincide com outro encontro ou horário ocupado"),
    "too_soon": ("that is sooner than the program's minimum notice",
                 "das ist früher als die Mindestvorlaufzeit des Programms",
                 "c'est plus tôt que le délai minimal du programme",
                 "es antes del plazo mínimo de aviso del programa",
                 "é antes do aviso mínimo do programa"),
    "nothing_left": ("no meeting of this series is left to move",
                     "von dieser Serie ist kein Treffen mehr übrig, das sich verschieben ließe",
                     "il ne reste aucun rendez-vous de cette série à déplacer",
                     "no queda ninguna reunión de esta serie que mover",
                     "não resta nenhum encontro desta série para mudar"),
    "series_misfit": ("{failing} of the {count} remaining meetings would not fit: {problems}",
                      "{failing} der {count} verbleibenden Treffen würden nicht passen: {problems}",
                      "{failing} des {count} rendez-vous restants ne conviendraient pas : {problems}",
                      "{failing} de las {count} reuniones restantes no encajarían: {problems}",
                      "{failing} dos {count} encontros restantes não caberiam: {problems}"),
}


class Day(int):
    """A weekday (Monday = 0) shown by name in the reader's locale; ``short`` for "Thu" / "Do."."""

    short: bool = False

    def __new__(cls, weekday: int, short: bool = False):
        value = super().__new__(cls, weekday)
        value.short = short
        return value

    def say(self, locale: str) -> str:
        return day_name(int(self), language(locale), self.short)


class Lines(tuple):
    """Phrases shown one per line (the argument of the ``lines`` phrase)."""


class Phrase(str):
    """English text with the key and arguments to say it in another locale (see the module docstring)."""

    key: str
    args: Mapping[str, object]

    def __new__(cls, key: str, **args):
        if key not in CATALOGUE:
            raise KeyError(f"no phrase {key!r} in the catalogue")
        value = super().__new__(cls, _render(key, "en", args))
        value.key, value.args = key, args
        return value

    def say(self, locale: str) -> str:
        """This phrase in ``locale`` ("de", "pt-BR" ...); English when the language is not catalogued."""
        lang = language(locale)
        return str(self) if lang == "en" else _render(self.key, lang, self.args)

    def __reduce__(self):
        return (_rebuild, (self.key, dict(self.args)))


def _rebuild(key, args):
    return Phrase(key, **args)


def say(value: object, locale: str) -> object:
    """``value`` for a reader in ``locale``: phrases and days rendered, lists and tuples item by item."""
    if isinstance(value, (Phrase, Day)):
        return value.say(locale)
    if isinstance(value, list):
        return [say(item, locale) for item in value]
    if isinstance(value, tuple):
        return tuple(say(item, locale) for item in value)
    return value


def localised(extra: Mapping[str, object], locale: str) -> dict[str, object]:
    """A template context's extra values rendered for one reader."""
    return {key: say(value, locale) for key, value in extra.items()}


def language(locale: str | None) -> str:
    """The catalogue language of a locale tag: ``pt_BR`` -> ``pt``; unknown -> ``en``."""
    lang = (locale or "en").replace("_", "-").split("-")[0].lower()
    return lang if lang in LOCALES else "en"


@lru_cache(maxsize=64)
def day_name(weekday: int, lang: str, short: bool) -> str:
    if lang == "en":
        return ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[weekday] if short else (
            "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[weekday]
    return str(get_day_names("abbreviated" if short else "wide", locale=lang)[weekday])


def _render(key: str, lang: str, args: Mapping[str, object]) -> str:
    pattern = CATALOGUE[key][LOCALES.index(lang)]
    return pattern.format(**{name: _arg(value, lang) for name, value in args.items()})


def _arg(value: object, lang: str) -> str:
    if isinstance(value, (Phrase, Day)):
        return value.say(lang)
    if isinstance(value, Lines):
        return "\n".join(_arg(item, lang) for item in value)
    if isinstance(value, (tuple, list)):
        return "; ".join(_arg(item, lang) for item in value)
    return str(value)
