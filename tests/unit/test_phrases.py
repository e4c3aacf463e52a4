"""The message catalogue: every phrase renders in every locale, and phrases built by the scheduler
(cadences, slot lines, exception notes, reasons a time does not fit) are said in the reader's language."""

from __future__ import annotations

import json
import pickle
import string
from datetime import UTC, datetime

import pytest

from agent.domain.model import CadencePhase, Participant, Role
from agent.phrases import CATALOGUE, LOCALES, Day, Phrase, language, localised
from agent.scheduling.fit import meeting_fits
from agent.scheduling.hours import parse_hours
from agent.scheduling.overlap import describe_slot, plan_series
from agent.scheduling.render import rhythm


def sample(key: str) -> Phrase:
    fields = {name for _, name, _, _ in string.Formatter().parse(CATALOGUE[key][0]) if name}
    values = {name: Day(3, short=True) if name == "day" else Phrase("skipped") if name in ("reasons", "why") else 7
              for name in fields}
    return Phrase(key, **values)


@pytest.mark.parametrize("key", sorted(CATALOGUE))
@pytest.mark.parametrize("locale", LOCALES)
def test_every_phrase_renders_in_every_locale(key, locale):
    text = sample(key).say(locale)
    assert "{" not in text and "}" not in text
    assert text.strip() or key == "lines"


@pytest.mark.parametrize("key", sorted(k for k, texts in CATALOGUE.items() if len(set(texts)) > 1))
def test_translated_phrases_differ_from_english(key):
    english = sample(key).say("en")
    assert all(sample(key).say(locale) != english for locale in LOCALES[1:])


@pytest.mark.parametrize(("phase", "locale", "expected"), [
    (CadencePhase(1, 6), "en", "weekly x6"),
    (CadencePhase(2), "en", "every 2 weeks"),
    (CadencePhase(1, 6), "de", "wöchentlich x6"),
    (CadencePhase(2), "de", "alle 2 Wochen"),
    (CadencePhase(2), "fr", "toutes les 2 semaines"),
    (CadencePhase(2), "es", "cada 2 semanas"),
    (CadencePhase(2), "pt-BR", "a cada 2 semanas"),
    (CadencePhase(3), "nl", "every 3 weeks"),  # no Dutch catalogue: English
])
def test_cadence_in_each_locale(phase, locale, expected):
    assert rhythm(phase).say(locale) == expected
    assert rhythm(phase) == str(phase)  # the English phrase is the string it always was


def test_a_phrase_is_its_english_string_in_json_and_pickles():
    phrase = Phrase("overlaps_busy", start="2027-01-05 17:30")
    assert json.dumps([phrase]) == '["2027-01-05 17:30Z overlaps another meeting or busy time"]'
    again = pickle.loads(pickle.dumps(phrase))
    assert again.say("de") == phrase.say("de") and again == phrase


def person(name, zone, hours, locale="en", country=None):
    return Participant(email=f"{name.lower()}@example.org", name=name, role=Role("mentee"), timezone=zone,
                       hours=parse_hours(hours), country=country, locale=locale)


def test_slot_lines_notes_and_reasons_are_said_in_the_readers_language():
    katy = person("Katy", "America/Los_Angeles", ["Mon-Fri 08:00-17:00"], country="US")
    rania = person("Rania", "Asia/Beirut", ["Mon-Fri 09:00-21:00"])
    plan = plan_series(rania, katy, minutes=45, first_day=datetime(2027, 3, 1).date(), weeks=8)
    german = describe_slot([plan], rania, katy, "de")
    assert "wöchentlich" in german and "Treffen ab" in german
    assert describe_slot([plan], rania, katy) == str(describe_slot([plan], rania, katy, "en"))
    fit = meeting_fits(datetime(2027, 3, 2, 3, tzinfo=UTC), 45, [rania, katy])
    assert not fit.ok and "outside Katy's hours" in fit.reasons[1]
    assert "außerhalb der Zeiten von Katy" in localised({"r": list(fit.reasons)}, "de")["r"][1]
    assert "fuera del horario de Katy" in localised({"r": fit.reasons}, "es")["r"][1]


@pytest.mark.parametrize(("tag", "lang"), [("de", "de"), ("pt_BR", "pt"), ("fr-CA", "fr"), ("ja", "en"), (None, "en")])
def test_language_of_a_locale_tag(tag, lang):
    assert language(tag) == lang
