"""looks_like_agenda and extract_agenda in en/de/fr/es."""

import pytest

from agent.domain.model import GoalProgress
from agent.understanding.agenda import extract_agenda, looks_like_agenda

EN = """Hi Maria,

Agenda:
- Feedback on my CV
- How do I prepare for system design interviews?
- Could you introduce me to someone in data engineering?

Goals:
- Goal: ship the portfolio — 60%
- Portfolio: on track
- Learning Go: blocked by lack of time on weekends

I'd like your advice on negotiating salary.

Thanks, Ana"""

DE = """Hallo Peter,

Tagesordnung:
1. Bewerbung bei Firma X
2. Wie bereite ich mich auf das Interview vor?

Ziele:
- Portfolio: 80 %, im Plan
- Deutschkurs: blockiert durch Zeitmangel

Könntest du mir Feedback zu meinem Lebenslauf geben?"""

FR = """Bonjour,

Ordre du jour :
- Préparer ma candidature
- Comment gérer mon temps ?

Objectifs :
- Portfolio : 40 %, en bonne voie

Pourriez-vous relire ma lettre de motivation ?"""

ES = """Hola Pablo,

Orden del día:
1. Mi entrevista en Telefónica
2. ¿Cómo pido un aumento?

Objetivos:
- Inglés: 70%, en camino

¿Podrías revisar mi presentación?"""

PROSE = "Hi! For Thursday I'd like to talk about my promotion. How should I ask my manager? Could you share your own story?"


@pytest.mark.parametrize(
    "subject, text, at_least",
    [
        ("Agenda for Thursday", EN, 0.9),
        ("Themen für unser Treffen", DE, 0.8),
        ("Re: Ordre du jour pour jeudi", FR, 0.8),
        ("Orden del día", ES, 0.8),
        ("Thursday", PROSE, 0.25),
    ],
)
def test_looks_like_agenda(subject, text, at_least):
    assert looks_like_agenda(subject, text) >= at_least


@pytest.mark.parametrize("subject, text", [("Lunch?", "Are you free for lunch"), ("", ""), ("Notes", "We agreed to meet.")])
def test_does_not_look_like_agenda(subject, text):
    assert looks_like_agenda(subject, text) < 0.5


def test_extract_agenda_en():
    a = extract_agenda(EN)
    assert a.topics[:2] == ("Feedback on my CV", "How do I prepare for system design interviews?")
    assert a.goals == (
        GoalProgress("ship the portfolio", None, 60, ()),
        GoalProgress("Portfolio", "on track", None, ()),
        GoalProgress("Learning Go", "blocked", None, ("lack of time on weekends",)),
    )
    assert "I'd like your advice on negotiating salary." in a.asks
    assert "Could you introduce me to someone in data engineering?" in a.asks


@pytest.mark.parametrize(
    "text, topics, goal, asks",
    [
        (DE, ("Bewerbung bei Firma X", "Wie bereite ich mich auf das Interview vor?"),
         GoalProgress("Portfolio", "im plan", 80, ()), ("Könntest du mir Feedback zu meinem Lebenslauf geben?",)),
        (FR, ("Préparer ma candidature", "Comment gérer mon temps ?"),
         GoalProgress("Portfolio", "en bonne voie", 40, ()), ("Pourriez-vous relire ma lettre de motivation ?",)),
        (ES, ("Mi entrevista en Telefónica", "¿Cómo pido un aumento?"),
         GoalProgress("Inglés", "en camino", 70, ()), ("¿Podrías revisar mi presentación?",)),
    ],
)
def test_extract_agenda_languages(text, topics, goal, asks):
    a = extract_agenda(text)
    assert a.topics == topics and a.goals[0] == goal and a.asks == asks


def test_prose_agenda():
    a = extract_agenda(PROSE)
    assert "How should I ask my manager?" in a.topics
    assert "Could you share your own story?" in a.asks


@pytest.mark.parametrize("text", ["", "x" * 500_000, "- " * 100_000, "Goal: " * 50_000, "\n".join(["- a: 50%"] * 10_000)])
def test_total_and_bounded(text):
    extract_agenda(text)
    looks_like_agenda(text[:1000], text)
