"""`check`: every problem of every file at once; a Program only when nothing is wrong."""

import shutil
from pathlib import Path

import pytest

from agent.check import SHIPPED_TEMPLATES, check_program, check_templates, template_dirs, template_finder

VALID = Path(__file__).resolve().parent.parent / "fixtures" / "check" / "valid"


@pytest.fixture
def program(tmp_path):
    folder = tmp_path / "program"
    shutil.copytree(VALID, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_valid_program_passes(program):
    result, problems = check_program(program / "config.toml")
    assert problems == []
    assert result.config.program.name == "Demo mentoring"
    assert result.roster.pair_of("rania@example.org").mentor == "katy@example.org"
    assert result.rules.names == ("kickoff", "agenda-reminder", "stalled")
    assert result.templates_dirs == (program / "templates", SHIPPED_TEMPLATES)


def test_shipped_templates_is_the_repository_folder():
    assert SHIPPED_TEMPLATES == Path(__file__).resolve().parents[2] / "templates"


def test_warnings_do_not_fail(program):
    edit(program / "config.toml", 'password_env = "MENTOR_IMAP_PASSWORD"', 'password = "hunter2"')
    result, [warning] = check_program(program / "config.toml")
    assert result is not None and warning.severity == "warning" and "hunter2" not in str(warning)


def test_template_syntax_error(program):
    (program / "templates" / "kickoff.html.j2").write_text("<p>\n{% if x %}\n{{ y }\n")
    result, [problem] = check_program(program / "config.toml")
    assert result is None
    assert problem.file.endswith("kickoff.html.j2") and problem.line == 3
    assert "template syntax error" in problem.message and problem.hint


def test_unclosed_block_is_reported(program):
    (program / "templates" / "kickoff.txt.j2").write_text("Subject: Hi\n\n{% if x %}\nhello\n")
    _, [problem] = check_program(program / "config.toml")
    assert problem.file.endswith("kickoff.txt.j2") and problem.line >= 3 and "endif" in problem.hint


def test_template_without_subject(program):
    (program / "templates" / "kickoff.txt.j2").write_text("Hello {{ mentee.first_name }}\n")
    _, [problem] = check_program(program / "config.toml")
    assert problem.line == 1 and problem.hint == 'start the template with a line "Subject: ..."'


def test_rule_naming_a_missing_template(program):
    edit(program / "rules" / "habits.toml", 'template = "stalled"', 'template = "stall"')
    result, [problem] = check_program(program / "config.toml")
    assert result is None
    assert problem.file.endswith("habits.toml") and problem.line == 24
    assert problem.hint == "create templates/stall.txt.j2 or fix the name"


def test_every_file_is_checked_at_once(program):
    edit(program / "config.toml", "meeting_minutes = 45", "meetng_minutes = 45")  # config line 28
    edit(program / "roster.toml", '"Europe/Berlin"', '"Europe/Berln"')  # roster line 15
    edit(program / "rules" / "habits.toml", 'trigger = "pair_start"', 'trigger = "pair_started"')  # rules line 4
    (program / "templates" / "stalled.txt.j2").write_text("Subject: x\n{{ a b }}\n")  # template line 2
    result, problems = check_program(program / "config.toml")
    assert result is None
    found = {(Path(p.file).name, p.line) for p in problems}
    assert found == {("config.toml", 28), ("roster.toml", 15), ("habits.toml", 4), ("stalled.txt.j2", 2)}
    assert 'did you mean "meeting_minutes"?' in {p.hint for p in problems}
    assert 'did you mean "Europe/Berlin"?' in {p.hint for p in problems}


def test_missing_files_are_reported_against_the_config(program):
    (program / "roster.toml").unlink()
    shutil.rmtree(program / "rules")
    result, problems = check_program(program / "config.toml")
    assert result is None
    assert [(Path(p.file).name, p.line) for p in problems] == [("config.toml", 2), ("config.toml", 2)]
    assert {"create it" in p.hint for p in problems} == {True}


def test_missing_config(tmp_path):
    result, [problem] = check_program(tmp_path / "config.toml")
    assert result is None and "file not found" in problem.message


def test_problems_print_as_file_line_message_hint(program):
    edit(program / "roster.toml", 'hours = ["Mon-Fri 09:00-17:00"]', 'hours = ["Mon-Fri 17:00-09:00"]')
    _, [problem] = check_program(program / "config.toml")
    assert str(problem) == (
        f"{problem.file}:16: hours: \"17:00-09:00\" in \"Mon-Fri 17:00-09:00\" ends before it starts "
        '(ranges cannot cross midnight; split them: "Mon 22:00-24:00", "Tue 00:00-02:00")'
    )


def test_template_finder(tmp_path):
    (tmp_path / "mentee").mkdir()
    (tmp_path / "mentee" / "welcome.txt.j2").write_text("Subject: x\n")
    exists = template_finder(template_dirs(tmp_path))
    assert exists("mentee/welcome") and not exists("welcome") and not exists("../etc/passwd")
    assert check_templates(tmp_path) == []
