"""General rules added after blind batch F: owned headings, person-word lines, pro-drop plans and
the classification of short notes (tables of our own sentences)."""

from __future__ import annotations

import pytest

from agent.understanding.notes import extract_notes
from agent.understanding.notes_clues import heading_owner, prose_commitment, strip_intro
from agent.understanding.notes_kind import looks_back, looks_like_notes
from agent.understanding.notes_lines import normalise_lines

NAMES = {"Ana": "mentee", "Ben": "mentor"}


@pytest.mark.parametrize("heading, owner", [
    ("Things for you", ("rel", "other")),
    ("Stuff for me", ("rel", "self")),
    ("Punkte für mich", ("rel", "self")),
    ("Cosas para ti", ("rel", "other")),
    ("On me", ("rel", "self")),
    ("Homework", ("role", "mentee")),
    ("Homework before our next call", ("role", "mentee")),
    ("Homework we discussed at length", None),
    ("Things for later", None),
])
def test_owned_headings(heading, owner):
    assert heading_owner(heading) == owner


@pytest.mark.parametrize("line, bulleted", [
    ("you: call the recruiter tomorrow", True),
    ("me: book a room", True),
    ("On me: ask the team lead", True),
    ("tú: terminar el informe", True),
    ("Me:", False),
    ("Summary: all fine", False),
])
def test_person_word_lines_become_items(line, bulleted):
    assert normalise_lines([line])[0].startswith("- ") is bulleted


@pytest.mark.parametrize("sentence, subject", [
    ("mañana te paso el contacto de Marta", "yo"),
    ("el martes le mando el borrador", "yo"),
    ("te envio o link amanhã", "yo"),
    ("te paso un artículo interesante", None),  # no date: a courtesy, not a plan
    ("Te escribo con calma mañana", None),  # writing about the mail itself
    ("le dijo mañana que sí", None),  # past tense
])
def test_pro_drop_plans(sentence, subject):
    assert prose_commitment(sentence) == subject


@pytest.mark.parametrize("sentence, core", [
    ("solo que yo te mando el enlace", "yo te mando el enlace"),
    ("only that I send the deck", "I send the deck"),
    ("I'll send it", "I'll send it"),
])
def test_that_clause_lead(sentence, core):
    assert strip_intro(sentence) == core


@pytest.mark.parametrize("text, back", [
    ("kurz die Ergebnisse von heute", True),
    ("Pour résumer : tu m'envoies ...", True),
    ("Merci pour cet échange très riche.", True),
    ("Here are the takeaways from yesterday", True),
    ("Can we move Thursday?", False),
])
def test_looks_back(text, back):
    assert looks_back(text) is back


@pytest.mark.parametrize("subject, text, notes", [
    ("kurz", "- Du meldest dich bis Freitag an\n- ich schick dir morgen die Folien", True),  # two dated plans
    ("quick", "you: send me the deck tomorrow\nme: book the room", True),  # two labelled people
    ("Re: Thursday", "Things for you:\n- read the paper\n\nThings for me:\n- find the link", True),
    ("x", "Wir haben uns darauf geeinigt, das später zu klären. Bitte schick mir bis Freitag den Plan.", True),
    ("Article", "te paso un artículo interesante sobre liderazgo.", False),
    ("Hello", "I'll be late on Thursday, sorry. Could you start without me?", False),
])
def test_short_notes_are_notes(subject, text, notes):
    assert (looks_like_notes(subject, text, NAMES) >= 0.6) is notes


def test_labelled_line_split_into_sentences_keeps_owner():
    notes = extract_notes("you: send me the link tomorrow. also sign up for the workshop by Friday.",
                          writer_role="mentor", names=NAMES)
    assert [(a.owner, a.due_text) for a in notes.action_items] == [("mentee", "tomorrow"), ("mentee", "by Friday")]


def test_heading_due_dates_its_items():
    notes = extract_notes("Homework before Friday:\n1) the writeup\n2) one slide on planning\n",
                          writer_role="mentor", names=NAMES)
    assert [(a.owner, a.due_text) for a in notes.action_items] == [("mentee", "before Friday")] * 2


def test_session_heading_is_no_due():
    notes = extract_notes("Action items from today:\n1. Ana - write the plan\n", writer_role="mentor", names=NAMES)
    assert [a.due_text for a in notes.action_items] == [None]
