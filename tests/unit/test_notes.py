"""looks_like_notes and extract_notes in en/de/fr/es, with owners."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from agent.domain.model import ActionItem
from agent.understanding.due import find_due_text, resolve_due
from agent.understanding.result import DueActionItem
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
        DueActionItem("I will send two example CVs by Friday.", "mentor", None, "by Friday"),
        DueActionItem("You'll draft the salary pitch before 2027-01-28.", "mentee", date(2027, 1, 28), "before 2027-01-28"),
        DueActionItem("We review the portfolio together next time.", "both", None, "next time"),  # = next meeting
        DueActionItem("Katy will introduce Ana to the data team.", None, None),
    )
    assert all(isinstance(item, ActionItem) for item in n.action_items)  # callers see the domain type
    assert n.meeting_date == date(2027, 1, 14)


def test_owners_from_names():
    text = "Next steps:\n- Ana to send the CV by Friday\n- Katy will intro her to Julia\n- Ana and Katy review the plan"
    n = extract_notes(text, names={"Ana": "mentee", "Katy": "mentor"})
    assert [(a.owner, a.due_text) for a in n.action_items] == [("mentee", "by Friday"), ("mentor", None), ("both", None)]
    assert [a.owner for a in extract_notes(text).action_items] == [None, None, None]


@pytest.mark.parametrize(
    "due_text, expected",
    [
        ("by Friday", date(2027, 1, 15)),             # written Thursday 14 Jan: the next Friday
        ("by Thursday", date(2027, 1, 21)),           # the same weekday is a week later
        ("before our next meeting", date(2027, 1, 21)),
        ("in two weeks", date(2027, 1, 28)),
        ("bis nächste Woche", date(2027, 1, 22)),
        ("d'ici la fin du mois", date(2027, 1, 31)),
        ("para mañana", date(2027, 1, 15)),
        ("até sexta", date(2027, 1, 15)),
        ("by 3 February", date(2027, 2, 3)),
        ("asap", None),
        ("next time", date(2027, 1, 21)),             # the next meeting
        ("before we meet again", date(2027, 1, 21)),
        ("by the 15th of February", date(2027, 2, 15)),
        ("before the end of February", date(2027, 2, 28)),
        ("até dia 25", date(2027, 1, 25)),
        ("d'ici la fin de la semaine prochaine", date(2027, 1, 22)),
    ],
)
def test_resolve_due(due_text, expected):
    written = datetime(2027, 1, 14, 21, 30, tzinfo=timezone.utc)  # Thursday 22:30 in Berlin
    assert resolve_due(due_text, written_at=written, zone=ZoneInfo("Europe/Berlin"),
                       next_meeting=datetime(2027, 1, 21, 16, 0, tzinfo=timezone.utc)) == expected


def test_resolve_due_uses_the_writers_zone():
    # 23:30 UTC on Thursday is already Friday in Berlin: "by Friday" is then a week later there.
    written = datetime(2027, 1, 14, 23, 30, tzinfo=timezone.utc)
    assert resolve_due("by Friday", written_at=written, zone=ZoneInfo("Europe/Berlin"), next_meeting=None) == date(2027, 1, 22)
    assert resolve_due("by Friday", written_at=written, zone=ZoneInfo("America/New_York"), next_meeting=None) == date(2027, 1, 15)
    assert resolve_due("before our next meeting", written_at=written, zone=ZoneInfo("UTC"), next_meeting=None) is None


@pytest.mark.parametrize(
    "item, due_text",
    [
        ("I'll send the deck by Friday.", "by Friday"),
        ("Lena schickt den Lebenslauf bis nächsten Dienstag", "bis nächsten Dienstag"),
        ("Tu m'envoies les slides avant notre prochaine séance.", "avant notre prochaine séance"),
        ("Diego va a mandarme comentarios para el miércoles", "para el miércoles"),
        ("Vamos rever juntos em duas semanas", "em duas semanas"),
        ("Tom will introduce Priya to Sarah", None),
        ("beide: Termin für das nächste Treffen festlegen", None),  # about the next meeting, not due at it
        ("I need to get my references sorted by the 15th of February", "by the 15th of February"),
        ("Você vai se inscrever no hackathon na semana que vem", "na semana que vem"),
        ("Lucía: terminar el curso antes del día 15 de febrero", "antes del día 15 de febrero"),
    ],
)
def test_find_due_text(item, due_text):
    assert find_due_text(item) == due_text


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


NAMES = {"Priya": "mentee", "Tom": "mentor"}


@pytest.mark.parametrize(
    "text, role, expected",
    [
        # an owned heading gives its imperative items an owner
        ("Your homework\n- Rewrite the summary of your CV\n\nMy homework\n- Send you the recruiter's name", "mentor",
         [("Rewrite the summary of your CV", "mentee"), ("Send you the recruiter's name", "mentor")]),
        # "Action for X:" and "A & B —" labels
        ("Main points:\n- Action for me: connect her with Aisha\n- Priya & Tom — swap notes in two weeks", "mentor",
         [("Action for me: connect her with Aisha", "mentor"), ("Priya & Tom — swap notes in two weeks", "both")]),
        # a topic label is no owner: the item is read sentence by sentence
        ("1. Salary: I used to accept the first offer. I will write down my numbers.\n2. Reading: Tom will lend me a book.",
         "mentee", [("I will write down my numbers.", "mentee"), ("Tom will lend me a book.", "mentor")]),
        # a clause with its own subject and future verb; "he" is the partner
        ("My case studies are too long, so I'm going to cut them. He's also going to ask two people.", "mentee",
         [("I'm going to cut them.", "mentee"), ("He's also going to ask two people.", "mentor")]),
        # polite imperatives are for the reader; reported speech and vague follow-ups are no tasks
        ("Recap:\n- please sign up for the course\n- Tom suggested I volunteer\n- we'll revisit", "mentee",
         [("please sign up for the course", "mentor")]),
        # German present tense and verb-second order, French future, Spanish clitics, Portuguese modal
        ("Du meldest dich bis Freitag an. Ich frage intern nach.", "mentor",
         [("Du meldest dich bis Freitag an.", "mentee"), ("Ich frage intern nach.", "mentor")]),
        ("Notizen:\n- Bewerbung schicke ich bis Ende des Monats ab\n- Jürgen meint, ich soll mich bewerben", "mentee",
         [("Bewerbung schicke ich bis Ende des Monats ab", "mentee")]),
        ("Comme convenu, je t'enverrai un exemple. La prochaine fois, nous parlerons de ton entretien.", "mentor",
         [("je t'enverrai un exemple.", "mentor")]),  # the intro clause is split off
        ("Resumen:\n- Diego me enviará una plantilla\n- ¿Deberíamos invitar a alguien? Lo hablamos.", "mentee",
         [("Diego me enviará una plantilla", "mentor")]),
        ("Notas:\n- tenho de preparar uma apresentação até dia 25\n- será que devo mudar de equipa?", "mentee",
         [("tenho de preparar uma apresentação até dia 25", "mentee")]),
    ],
)
def test_owners_and_non_actions(text, role, expected):
    names = dict(NAMES, Diego="mentor", Jürgen="mentor")
    items = extract_notes(text, writer_role=role, names=names).action_items
    assert [(a.text, a.owner) for a in items] == expected


def test_an_agreement_list_of_who_does_what_by_when_is_a_list_of_actions():
    text = ("Vereinbart:\n- Ich schicke Jürgen bis Freitag meinen Lebenslauf.\n- Jürgen stellt mich vor.\n"
            "- Wir üben beim nächsten Treffen.")
    n = extract_notes(text, writer_role="mentee", names={"Jürgen": "mentor"})
    assert n.agreements == ()
    assert [a.owner for a in n.action_items] == ["mentee", "mentor", "both"]
    policies = "Agreements:\n- We'll keep meeting weekly until the end of February\n- I'll focus on one thing"
    assert len(extract_notes(policies, writer_role="mentee").agreements) == 2  # policies stay agreements


@pytest.mark.parametrize(
    "subject, text",
    [("Re: Notre rencontre", "Prochaines étapes :\n- Je prépare un planning\n- Nous ferons le point dans deux semaines"),
     ("Anotações da mentoria", "Combinado:\n1. Você conversa com sua líder\n2. Eu te mando o material"),
     ("Our meeting today", "To recap what I took away: you'll send me the slides. I'll reach out to the organisers."),
     ("Suite à notre échange", "Comme convenu, je vais demander à Marc. De ton côté, tu m'envoies ta liste.")],
)
def test_tasks_for_two_people_look_like_notes(subject, text):
    assert looks_like_notes(subject, text) >= 0.6
