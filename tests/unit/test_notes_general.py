"""General layouts of meeting notes (owned headings, arrow and table lines, promises) and due phrases
that stand alone: tables of literal inputs, written for these rules (not taken from the eval set)."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.due import find_due_text, resolve_due
from agent.understanding.notes import extract_notes, looks_like_notes
from agent.understanding.notes_clues import heading_owner, promise
from agent.understanding.notes_lines import normalise_lines


@pytest.mark.parametrize("heading, owner", [
    ("Reading (me)", None),  # not an action word
    ("Tasks (me)", ("rel", "self")),
    ("To-dos - you", ("rel", "other")),
    ("What we'll do", ("rel", "both")),
    ("What I will do", ("rel", "self")),
    ("What we won't do", None),
    ("Was du machst", ("rel", "other")),
    ("Ce que je fais", ("rel", "self")),
    ("Tareas tuyas", ("rel", "other")),
    ("Para ti", ("rel", "other")),
    ("Pra mim", ("rel", "self")),
    ("For later", None),
    ("Von meiner Seite", ("rel", "self")),
    ("Mentee", ("role", "mentee")),
    ("Both", ("rel", "both")),
])
def test_heading_owner(heading, owner):
    assert heading_owner(heading) == owner


@pytest.mark.parametrize("sentence, word", [
    ("I said I would call the recruiter.", "i"),
    ("Ana offered to review my slides.", "ana"),
    ("We promised to meet the team lead together.", "we"),
    ("Er hat zugesagt, mir den Bericht zu schicken.", "er"),
    ("Je lui ai promis de relire son mémoire.", "je"),
    ("Tu ficaste de me mandar o contrato.", "tu"),
    ("Ana said the course was great.", None),
    ("You said you'd write to Jo?", None),
])
def test_promise(sentence, word):
    assert promise(sentence) == word


@pytest.mark.parametrize("lines, expected", [
    (["Owner tasks", "", "- a"], ["Owner tasks", "- a"]),
    (["Thanks for today.", "", "- a"], ["Thanks for today.", "", "- a"]),
    (["2. For you:", "   - a"], ["For you:", "   - a"]),
    (["Ana → send the deck"], ["- Ana → send the deck"]),
    (["Ana | send the deck | –"], ["- Ana | send the deck"]),
    (["Ana | send the deck | by Friday"], ["- Ana | send the deck, by Friday"]),
])
def test_normalise_lines(lines, expected):
    assert normalise_lines(lines) == expected


def _owners(text, role="mentor", names=None):
    notes = extract_notes(text, writer_role=role, names=names or {"ana": "mentee", "ben": "mentor"})
    return [(a.text, a.owner) for a in notes.action_items]


@pytest.mark.parametrize("text, expected", [
    ("Tasks (you):\n- Update the CV\n- Call the recruiter\n\nTasks (me):\n- Find the template\n",
     [("Update the CV", "mentee"), ("Call the recruiter", "mentee"), ("Find the template", "mentor")]),
    ("What I'll do\n\n- Review the draft\n", [("Review the draft", "mentor")]),
    ("Ana\n- Book the course\nBen\n- Ask HR about the grade\n",
     [("Book the course", "mentee"), ("Ask HR about the grade", "mentor")]),
    ("Me → read the paper\nAna -> draft the email\nBoth → compare notes\n",
     [("Me → read the paper", "mentor"), ("Ana -> draft the email", "mentee"), ("Both → compare notes", "both")]),
    ("Ana + Ben | plan the demo | next session\n", [("Ana + Ben | plan the demo, next session", "both")]),
    ("Agreed actions:\n- Ana: send the plan\n", [("Ana: send the plan", "mentee")]),
    ("I said I would check the budget. Also I need to call Jo by Friday.",
     [("I said I would check the budget.", "mentor"), ("I need to call Jo by Friday.", "mentor")]),
])
def test_owners(text, expected):
    got = _owners(text)
    for frag, owner in expected:
        assert any(frag.split(" ", 1)[-1] in t and o == owner for t, o in got), (frag, got)


@pytest.mark.parametrize("subject, text, least", [
    ("Catch-up", "For you:\n- update the CV\n\nFor me:\n- find the template\n", 0.9),
    ("Hello", "Thanks for today's session! I'll send the slides and you'll book the room.", 0.6),
    ("Hello", "Thanks for today's session, it was lovely.", 0.0),
])
def test_looks_like_notes(subject, text, least):
    score = looks_like_notes(subject, text)
    assert score >= least and (least > 0 or score < 0.6)


@pytest.mark.parametrize("item, phrase", [
    ("Send the memo asap", "asap"),
    ("Book the room, end of the month", "end of the month"),
    ("Demo together, 3 weeks from now", "3 weeks from now"),
    ("Call Jo (by Monday 15th)", "by Monday 15th"),
    ("Send it, on 2 April", "on 2 April"),
    ("Relire le mémoire avant le 12", "avant le 12"),
    ("Revisar el plan el martes.", "el martes"),
    ("Mandar o plano em cinco dias", "em cinco dias"),
    ("Ana | Lernplan | nächstes Treffen", "nächstes Treffen"),  # a table cell
    ("We'll plan the next session on camera", None),  # no "by", not at the end after a comma
    ("Ana | Lernplan, nächstes Treffen", "nächstes Treffen"),
    ("Ich melde mich am Wochenende", "am Wochenende"),
    ("We met at 10:30", None),
])
def test_due_phrases(item, phrase):
    assert find_due_text(item) == phrase


WRITTEN = datetime(2030, 6, 4, 12, 0, tzinfo=timezone.utc)  # a Tuesday


@pytest.mark.parametrize("phrase, zone, expected", [
    ("by 6/9", "America/New_York", date(2030, 6, 9)),
    ("by 6/9", "Europe/London", date(2030, 9, 6)),
    ("by 20/6", "America/New_York", date(2030, 6, 20)),
    ("bis 12.6.", "Europe/Berlin", date(2030, 6, 12)),
    ("asap", "Europe/Berlin", None),
    ("el finde", "Europe/Madrid", None),
    ("3 weeks from now", "Europe/Berlin", date(2030, 6, 25)),
    ("em dez dias", "Europe/Lisbon", date(2030, 6, 14)),
    ("avant le 12", "Europe/Paris", date(2030, 6, 12)),
    ("el martes", "Europe/Madrid", date(2030, 6, 11)),
])
def test_resolve_due(phrase, zone, expected):
    assert resolve_due(phrase, written_at=WRITTEN, zone=ZoneInfo(zone), next_meeting=None) == expected
