"""Templates: strict, sandboxed, subject line first, people's text never evaluated."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from agent.domain.model import Participant, Role, WeeklyHours
from agent.templating import TemplateError, Templates
from agent.timefmt import dual_time


def make(tmp_path, name, text, html=None):
    (tmp_path / f"{name}.txt.j2").write_text(text)
    if html is not None:
        (tmp_path / f"{name}.html.j2").write_text(html)
    return Templates([tmp_path])


def test_subject_text_and_generated_html(tmp_path):
    templates = make(tmp_path, "hello", "Subject: Hi {{ name }}\n\nDear {{ name }} & co\n")
    rendered = templates.render("hello", {"name": "Ann"})
    assert rendered.subject == "Hi Ann"
    assert rendered.text == "Dear Ann & co\n"
    assert "Dear Ann &amp; co" in rendered.html


def test_user_text_is_data_not_template_code(tmp_path):
    templates = make(tmp_path, "t", "Subject: s\n{{ reply_text }}\n", "<p>{{ reply_text }}</p>")
    rendered = templates.render("t", {"reply_text": "{{ 7*7 }} <script>x</script>"})
    assert "{{ 7*7 }}" in rendered.text
    assert "&lt;script&gt;" in rendered.html


def test_undefined_variables_are_errors(tmp_path):
    templates = make(tmp_path, "t", "Subject: s\n{{ missing }}\n")
    with pytest.raises(TemplateError, match="missing"):
        templates.render("t", {})


def test_sandbox_blocks_attribute_escapes(tmp_path):
    templates = make(tmp_path, "t", "Subject: s\n{{ ''.__class__.__mro__ }}\n")
    with pytest.raises(TemplateError):
        templates.render("t", {})


def test_locale_variant_wins_and_first_folder_wins(tmp_path):
    program, shipped = tmp_path / "program", tmp_path / "shipped"
    program.mkdir(), shipped.mkdir()
    (shipped / "t.txt.j2").write_text("Subject: shipped\nx\n")
    (program / "t.txt.j2").write_text("Subject: program\nx\n")
    (program / "t.de.txt.j2").write_text("Subject: Programm\nx\n")
    templates = Templates([program, shipped])
    assert templates.render("t", {}).subject == "program"
    assert templates.render("t", {}, locale="de_DE").subject == "Programm"


def test_missing_subject_line_is_reported(tmp_path):
    templates = make(tmp_path, "t", "no subject here\n")
    with pytest.raises(TemplateError, match="Subject"):
        templates.render("t", {})


# -- shipped templates, locales, HTML alternatives, pair templates --------------------------------------

SHIPPED = Path(__file__).resolve().parents[2] / "templates"
LOCALES = ("en", "de", "fr", "es", "pt")
MEETING = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)
# the templates the default program (rules/*.toml) sends
PROGRAM = ("kickoff", "agenda_reminder", "agenda_to_mentor", "notes_request", "summary", "action_item_reminder",
           "momentum_nudge", "stalled_admin", "series_renewal", "celebration", "goal_celebration", "digest",
           "digest_on", "digest_off")


def person(name, role, zone, locale="en"):
    return Participant(email=f"{name.lower()}@example.org", name=f"{name} X", role=Role(role), timezone=zone,
                       hours=WeeklyHours(((),) * 7), locale=locale)


def full_context(reader_locale="en", rotation=0):
    view = lambda p: dict(name=p.name, first_name=p.first_name, email=p.email, role=str(p.role),  # noqa: E731
                          timezone=p.timezone, locale=p.locale)
    katy = person("Katy", "mentor", "America/Los_Angeles")
    rania = person("Rania", "mentee", "Asia/Beirut", reader_locale)
    meeting = dict(when=dual_time(MEETING, rania, katy), starts_at=MEETING.isoformat())
    return dict(
        when=lambda instant: dual_time(instant if isinstance(instant, datetime) else datetime.fromisoformat(instant),
                                       rania, katy),
        program=dict(name="Bridges", address="mentoring@example.org"), reader=view(rania), partner=view(katy),
        mentor=view(katy), mentee=view(rania), pair=dict(start="2026-12-01", cadence="weekly x6, every 2 weeks"),
        next_meeting=meeting, meetings=[meeting], meeting_count=5, schedule_notes=[], minutes=45, rotation=rotation,
        meeting_at=MEETING.isoformat(), last_meeting=MEETING, reply_text="<b>{{ 7*7 }}</b>",
        message=dict(subject="s", sender="rania@example.org"),
        agenda=dict(topics=["Career"], goals=[dict(goal="CV", status="done", percent=None, blockers=["time"])],
                    asks=["Review my CV"]),
        notes=dict(agreements=["Meet weekly"], action_items=[dict(text="Send slides", owner="mentee", due="2026-12-10"),
                                                             dict(text="Read", owner="both", due=None)]),
        goal=dict(goal="Portfolio website", status="done", percent=None, blockers=[]),
        action_item=dict(text="Send Katy my draft slides", owner="mentee", due="2026-12-10"),
        week=dict(meetings=[MEETING], agendas=[dict(topics=["Career"])], notes=[dict(agreements=["Meet weekly"])],
                  open_items=[dict(text="Send slides", owner="mentee", due=date(2026, 12, 10).isoformat())]),
    )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", PROGRAM)
def test_every_program_template_renders_in_every_locale(name, locale):
    templates = Templates([SHIPPED])
    text_path, _ = templates.find(name, locale)
    assert text_path.name == (f"{name}.txt.j2" if locale == "en" else f"{name}.{locale}.txt.j2")
    rendered = templates.render(name, full_context(locale), locale)
    assert rendered.subject and "{" not in rendered.subject
    assert "{{ 7*7 }}" not in rendered.html or "&lt;b&gt;" in rendered.html  # people's text is data


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", ("kickoff", "summary"))
def test_kickoff_and_summary_have_an_html_alternative_in_the_readers_language(name, locale):
    templates = Templates([SHIPPED])
    _, html_path = templates.find(name, locale)
    assert html_path is not None and html_path.parent == SHIPPED
    assert html_path.name == (f"{name}.html.j2" if locale == "en" else f"{name}.{locale}.html.j2")
    rendered = templates.render(name, full_context(locale), locale)
    assert rendered.html.startswith("<!doctype html>") and f'lang="{locale}"' in rendered.html
    if name == "summary":
        assert "&lt;b&gt;{{ 7*7 }}&lt;/b&gt;" in rendered.html  # autoescaped, never evaluated


def test_agenda_prompts_rotate_and_never_repeat_twice_in_a_row():
    templates = Templates([SHIPPED])
    prompts = [templates.render("agenda_reminder", full_context(rotation=n)).text.split("this time: ")[1]
               .split("\n")[0] for n in range(8)]
    assert all(a != b for a, b in zip(prompts, prompts[1:], strict=False))
    assert len(set(prompts)) == 6


def test_a_custom_text_never_goes_out_beside_the_shipped_html(tmp_path):
    program, shipped = tmp_path / "program", tmp_path / "shipped"
    program.mkdir(), shipped.mkdir()
    (shipped / "t.txt.j2").write_text("Subject: shipped\nshipped text\n")
    (shipped / "t.html.j2").write_text("<p>shipped html</p>")
    (program / "t.txt.j2").write_text("Subject: ours\nour text\n")
    rendered = Templates([program, shipped]).render("t", {})
    assert rendered.subject == "ours" and "our text" in rendered.html and "shipped" not in rendered.html


def test_a_locale_text_never_goes_out_beside_the_general_html(tmp_path):
    (tmp_path / "t.txt.j2").write_text("Subject: hello\nhello\n")
    (tmp_path / "t.html.j2").write_text("<p>hello</p>")
    (tmp_path / "t.de.txt.j2").write_text("Subject: hallo\nhallo\n")
    rendered = Templates([tmp_path]).render("t", {}, locale="de")
    assert "hallo" in rendered.html and "hello" not in rendered.html


def test_pair_templates_win_for_that_pair_only(tmp_path):
    (tmp_path / "t.txt.j2").write_text("Subject: program\nx\n")
    (tmp_path / "pairs" / "rania@example.org").mkdir(parents=True)
    (tmp_path / "pairs" / "rania@example.org" / "t.txt.j2").write_text("Subject: just for Rania\nx\n")
    templates = Templates([tmp_path])
    assert templates.render("t", {}, pair="rania@example.org").subject == "just for Rania"
    assert templates.render("t", {}, pair="mia@example.org").subject == "program"


@pytest.mark.parametrize("locale, expected", [
    ("en", "Tuesday 8 December 2026, 19:30 (Asia/Beirut) — for Katy: 09:30 (America/Los_Angeles)"),
    ("de", "Dienstag, 8. Dezember 2026, 19:30 (Asia/Beirut) — für Katy: 09:30 (America/Los_Angeles)"),
    ("fr", "mardi 8 décembre 2026, 19:30 (Asia/Beirut) — pour Katy\u00a0: 09:30 (America/Los_Angeles)"),
    ("es", "martes, 8 de diciembre de 2026, 19:30 (Asia/Beirut) — para Katy: 09:30 (America/Los_Angeles)"),
    ("pt", "terça-feira, 8 de dezembro de 2026, 19:30 (Asia/Beirut) — para Katy: 09:30 (America/Los_Angeles)"),
])
def test_dual_time_speaks_the_readers_language(locale, expected):
    reader = person("Rania", "mentee", "Asia/Beirut", locale)
    assert dual_time(MEETING, reader, person("Katy", "mentor", "America/Los_Angeles", "de")) == expected


def test_mentions_looks_at_every_variant_and_what_it_includes(tmp_path):
    program = tmp_path / "program"
    (program / "pairs" / "ana@example.org").mkdir(parents=True)
    (program / "plain.txt.j2").write_text("Subject: s\nhello\n")
    (program / "in_locale.txt.j2").write_text("Subject: s\nhello\n")
    (program / "in_locale.de.txt.j2").write_text("Subject: s\n{{ rotation }}\n")
    (program / "in_pair.txt.j2").write_text("Subject: s\nhello\n")
    (program / "pairs" / "ana@example.org" / "in_pair.txt.j2").write_text("Subject: s\n{{ rotation }}\n")
    (program / "included.txt.j2").write_text("Subject: s\n{%- include 'part.txt' %}\n")
    (program / "part.txt").write_text("{{ rotation }}")
    (program / "dynamic.txt.j2").write_text("Subject: s\n{% include which %}\n")
    (program / "quiet.txt.j2").write_text("Subject: s\n{% include 'plain.txt.j2' %}\n")
    (program / "plain_other.txt.j2").write_text("Subject: s\n{{ rotation }}\n")  # another template's name
    templates = Templates([program, SHIPPED])
    assert not templates.mentions("plain", "rotation")
    assert templates.mentions("in_locale", "rotation")
    assert templates.mentions("in_pair", "rotation")
    assert templates.mentions("included", "rotation") and templates.mentions("dynamic", "rotation")
    assert not templates.mentions("quiet", "rotation")  # includes a template that does not use it
    assert not templates.mentions("summary", "rotation")  # extends the shipped layout, which does not
    assert templates.mentions("agenda_reminder", "rotation")  # the shipped one rotates its prompts


def test_meetings_are_worded_only_when_a_template_uses_them(tmp_path):
    from agent.messenger import Meeting

    worded = []

    def word(start):
        worded.append(start)
        return f"on {start:%d %B}"

    meetings = [Meeting(MEETING, word), Meeting(MEETING.replace(day=MEETING.day + 1), word)]
    (tmp_path / "t.txt.j2").write_text("Subject: s\n{{ next_meeting.when }} / {{ next_meeting['when'] }} / "
                                       "{{ meetings | length }} / {{ meetings[1].starts_at[:10] }}\n")
    text = Templates([tmp_path]).render("t", dict(next_meeting=meetings[0], meetings=meetings)).text
    assert text == f"on {MEETING:%d %B} / on {MEETING:%d %B} / 2 / {meetings[1]['starts_at'][:10]}\n"
    assert worded == [MEETING]  # once, and never for the meeting no template line asked about
    assert dict(meetings[0]) == dict(when=f"on {MEETING:%d %B}", starts_at=MEETING.isoformat())
