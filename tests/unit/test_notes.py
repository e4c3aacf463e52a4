"""looks_like_notes and extract_notes in en/de/fr/es, with owners."""

from datetime import date

import pytest

from agent.domain.model import ActionItem
from agent.understanding.notes import extract_notes, looks_like_notes

EN = """Hi both,

Meeting on 14 January 2027.

Agreements:
- We meet every two weeks until March.

Next steps:
- I will send two example CVs by Friday.
- You'll draft the salary pitch before 2027-01-28.
- We review the portfolio together next time.
- Katy will introduce Ana to the data team.

Best, Sara"""

DE = """Protokoll

Vereinbarungen:
- Wir treffen uns alle zwei Wochen.

Nächste Schritte:
- Ich werde den Lebenslauf bis Freitag überarbeiten.
- Du wirst mir zwei Kontakte nennen.
"""

FR = """Compte rendu

Nous avons convenu de nous voir chaque mois.

Prochaines étapes :
- Je vais mettre à jour mon portfolio.
- Vous allez relire ma lettre.
"""

ES = """Acuerdos:
- Nos vemos cada dos semanas.

Próximos pasos:
- Voy a preparar el CV antes del viernes.
- Tú vas a revisar mi portfolio.
"""


@pytest.mark.parametrize(
    "subject, text",
    [("Notes from our meeting", EN), ("Protokoll unseres Treffens", DE), ("Compte rendu", FR), ("Notas", ES),
     ("Re: Thursday", EN)],
)
def test_looks_like_notes(subject, text):
    assert looks_like_notes(subject, text) >= 0.5


def test_extract_notes_en_owners_from_writer_role():
    n = extract_notes(EN, writer_role="mentor")
    assert n.agreements == ("We meet every two weeks until March.",)
    assert n.action_items == (
        ActionItem("I will send two example CVs by Friday.", "mentor", None),
        ActionItem("You'll draft the salary pitch before 2027-01-28.", "mentee", date(2027, 1, 28)),
        ActionItem("We review the portfolio together next time.", "both", None),
        ActionItem("Katy will introduce Ana to the data team.", None, None),
    )
    assert n.meeting_date == date(2027, 1, 14)


def test_without_writer_role_i_and_you_stay_unknown():
    owners = [a.owner for a in extract_notes(EN).action_items]
    assert owners == [None, None, "both", None]


@pytest.mark.parametrize(
    "text, role, agreements, owners",
    [
        (DE, "mentee", ("Wir treffen uns alle zwei Wochen.",), ["mentee", "mentor"]),
        (FR, "mentee", ("Nous avons convenu de nous voir chaque mois.",), ["mentee", "mentor"]),
        (ES, "mentee", ("Nos vemos cada dos semanas.",), ["mentee", "mentor"]),
    ],
)
def test_extract_notes_languages(text, role, agreements, owners):
    n = extract_notes(text, writer_role=role)
    assert n.agreements == agreements
    assert [a.owner for a in n.action_items] == owners


@pytest.mark.parametrize(
    "line, expected",
    [("We agreed that Ana applies to two jobs.", "We agreed that Ana applies to two jobs."),
     ("Agreed: monthly meetings", "monthly meetings")],
)
def test_prose_agreements(line, expected):
    assert extract_notes(line).agreements == (expected,)


def test_owner_prefixes():
    n = extract_notes("Action items:\n- [Mentor] share the deck\n- Mentee: update CV\n- (both) plan next call")
    assert [a.owner for a in n.action_items] == ["mentor", "mentee", "both"]


@pytest.mark.parametrize("text", ["", "x" * 500_000, "- I will " * 50_000, "Next steps:\n" + "- a\n" * 20_000])
def test_total_and_bounded(text):
    extract_notes(text, writer_role="mentee")
    looks_like_notes(text[:300], text)
