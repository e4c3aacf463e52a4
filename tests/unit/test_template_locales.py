"""Every shipped locale variant (``NAME.LANG.txt.j2``) renders with the context the messenger really builds.

The example program is booked once; the context for each mail is ``pair_context`` for a reader of that
language plus the keys the code adds for that template (the invitation's are recorded from the
booking itself, the others are listed in ``extras``). The English template is rendered first with the
same context, so a wrong entry in ``extras`` fails there, not in a translation. Because StrictUndefined
only catches names on the branches taken, a static check also keeps each translation to the
variables its English source uses.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from jinja2 import Environment, meta

from agent.flows.context import both
from agent.messenger import pair_context, person_view
from agent.store import repo
from agent.understanding.agenda import extract_agenda
from agent.understanding.notes import extract_notes
from tests.e2e.harness import BOOKING_DAY, MAIL_DAY, Program, write_config

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LANGUAGES = ("de", "fr", "es", "pt")
VARIANTS = sorted(
    (path.name.split(".")[0], path.name.split(".")[1])
    for path in TEMPLATES.glob("*.*.txt.j2") if path.name.split(".")[1] in LANGUAGES
)
ADMIN_TEMPLATES = {"stalled_admin", "no_slot_admin"}
PAIR = "rania@example.org"  # Katy (mentor, Los Angeles) and Rania (mentee, Beirut)

AGENDA = """Topics:
- Preparing my promotion case
Goals:
- Finish the data course: done
- Public speaking: 40 %, blocked by time
Asks:
- Could you review my CV?
"""
NOTES = """Agreements:
- Rania applies for the team-lead role
Next steps:
- Katy sends two contacts by 2026-12-10
- Rania drafts the cover letter by 2026-12-15
"""


def extras(name: str, booked: dict) -> dict:
    """The keys the code adds to ``pair_context`` for ``name`` (see booking, calendar_answers, inbound, timed)."""
    starts, app = booked["starts"], booked["app"]
    mentor, mentee = (app.roster.participants[k] for k in ("katy@example.org", PAIR))
    near = [starts[2] + timedelta(days=1), starts[2] + timedelta(days=2, hours=1)]
    agenda = dataclasses.asdict(extract_agenda(AGENDA))
    notes = dataclasses.asdict(extract_notes(NOTES, writer_role="mentee", names=app.first_names))
    notes["action_items"] = [dict(item, due=item["due"].isoformat()) for item in notes["action_items"]]
    message = dict(subject="Notes", sender=PAIR)
    pair = [p for p in app.roster.pairs if p.key == PAIR][0]
    change = _change_view(starts, mentee, mentor)
    return {
        "confirm_change": dict(change=change),
        "understood": dict(change=change),
        "change_applied": dict(change=dict(change, by=mentee.first_name)),
        "calendar_update": dict(update=dict(kind="pause", part=2, parts=2)),
        "clarify_request": dict(question="Which day and time would suit you?"),
        "change_alternatives": dict(nofit=dict(proposed=both(near[0], mentee, mentor), reasons=["outside Katy's hours"],
                                               alternatives=[both(a, mentee, mentor) for a in near])),
        "partner_away": dict(away=dict(who=mentor.first_name, until="2026-12-20",
                                       starts=[both(s, mentee, mentor) for s in starts[1:3]])),
        "availability_confirm": dict(change=dict(change, availability=dict(
            hours="Mon-Thu 08:00-16:00", timezone="Asia/Singapore", old_hours="Mon-Fri 09:00-18:00",
            old_timezone="Asia/Beirut"))),
        "availability_applied": dict(availability=dict(hours="Mon-Thu 08:00-16:00", timezone="Asia/Singapore")),
        "meetings_conflict": dict(conflict=dict(who=mentee.first_name, meetings=[both(starts[2], mentee, mentor)],
                                                more=0, alternatives=[both(a, mentee, mentor) for a in near])),
        "invitation": booked["invitation"],
        "action_item_reminder": dict(action_item=dict(text="Send Rania two contacts", owner="mentor",
                                                      due="2026-12-10")),
        "agenda_reminder": dict(meeting_at=starts[1]),
        "agenda_to_mentor": dict(agenda=agenda, reply_text=AGENDA, message=message),
        "calendar_declined": dict(decliner=person_view(mentor), declined=starts[2], whole_series=False,
                                  alternatives=near),
        "calendar_moved": dict(proposer=person_view(mentee), old=starts[2], new=near[0],
                               notes=["outside Katy's usual hours, inside her stretch hours"]),
        "calendar_counter_declined": dict(reason="that is sooner than the program's minimum notice",
                                          proposed=starts[0] - timedelta(days=1), alternatives=near),
        "digest": dict(week=dict(meetings=[starts[0]], agendas=[agenda], notes=[notes],
                                 open_items=notes["action_items"])),
        "goal_celebration": dict(goal=agenda["goals"][0], agenda=agenda, reply_text=AGENDA, message=message),
        "meeting_options": dict(alternatives=near),
        "meeting_skipped": dict(skipped=starts[2], reason="Winter break"),
        "no_slot_admin": dict(reason="no common hour in the next 8 weeks"),
        "series_renewal": dict(last_meeting=starts[-1]),
        "series_extended": dict(first_new=starts[1], last_new=starts[-1], count=13, series_notes=[],
                                rhythm="every 2 weeks"),
        "summary": dict(notes=notes, reply_text=NOTES, message=message),
    }.get(name, {})


def _change_view(starts, mentee, mentor) -> dict:
    """A reschedule as the requests flow shows it (``agent.flows.apply._view`` plus the expiry)."""
    return dict(kind="reschedule", by=None, notes=[], old=both(starts[2], mentee, mentor),
                new=both(starts[2] + timedelta(days=1), mentee, mentor), starts=[], until=None, cadence=None,
                interval=None, expires=both(starts[2], mentee, mentor), availability=None)


@pytest.fixture(scope="module")
def booked(tmp_path_factory):
    """The example program after booking, with the invitation's context recorded as the messenger built it."""
    folder = tmp_path_factory.mktemp("locales")
    program = Program(folder, write_config(folder))
    templates, recorded = program.app.templates, {}
    real_render = templates.render

    def recording(name, context, locale="en", **kw):
        if context["reader"]["email"] == PAIR:
            recorded.setdefault(name, dict(context))
        return real_render(name, context, locale, **kw)

    templates.render = recording
    try:
        program.tick(BOOKING_DAY)
    finally:
        del templates.render
    with program.app.engine.connect() as conn:
        base = pair_context(program.app, conn, pair_of(program.app), program.app.roster.participants[PAIR], BOOKING_DAY)
        starts = [o.starts_at for o in repo.occurrences_of(conn, PAIR)]
    invitation = {k: v for k, v in recorded["invitation"].items() if k not in base}
    yield dict(program=program, app=program.app, starts=starts, invitation=invitation)
    program.app.close()


def pair_of(app):
    [pair] = [p for p in app.roster.pairs if p.key == PAIR]
    return pair


def render(booked, name, language, role):
    app = booked["app"]
    pair = pair_of(app)
    person = app.admins()[0] if name in ADMIN_TEMPLATES else app.roster.participants[
        pair.mentee if role == "mentee" else pair.mentor]
    reader = dataclasses.replace(person, locale=language)
    with app.engine.connect() as conn:
        context = pair_context(app, conn, pair, reader, MAIL_DAY) | extras(name, booked)
    return app.templates.render(name, context, language)


@pytest.mark.parametrize("role", ["mentee", "mentor"])
@pytest.mark.parametrize(("name", "language"), VARIANTS, ids=[f"{n}.{lang}" for n, lang in VARIANTS])
def test_locale_variant_renders_and_is_translated(booked, name, language, role):
    english = render(booked, name, "en", role)
    translated = render(booked, name, language, role)
    assert translated.subject and "{" not in translated.subject
    assert translated.subject != english.subject
    assert translated.text != english.text
    assert translated.html


@pytest.mark.parametrize(("name", "language"), VARIANTS, ids=[f"{n}.{lang}" for n, lang in VARIANTS])
def test_translation_uses_only_the_variables_of_its_english_source(name, language):
    env = Environment()

    def names(path: Path) -> set[str]:
        return meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8")))

    assert names(TEMPLATES / f"{name}.{language}.txt.j2") <= names(TEMPLATES / f"{name}.txt.j2")
    assert (TEMPLATES / f"{name}.{language}.txt.j2").read_text(encoding="utf-8").startswith("Subject: ")


def test_every_localised_template_exists_in_all_four_languages():
    names = {name for name, _ in VARIANTS}
    assert {(n, lang) for n in names for lang in LANGUAGES} == set(VARIANTS)
