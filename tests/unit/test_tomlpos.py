"""The TOML line locator: every key path maps to the line where it is written."""

import pytest

from agent.tomlpos import did_you_mean, load_toml, locate

TEXT = '''# a comment
title = "x"  # trailing comment
[program]
name = "a [not a table]"
a.b . c = 1
"quoted.key" = 2

[[participant]]
email = "a@example.org"
hours = [
  "Mon 09:00-12:00",  # a comment with ] in it
  "Tue 09:00-12:00",
]
note = """
x = 1
[fake]
"""
[[participant]]
if = { a = 1, b = [1, 2] }
[[participant.sub]]
z = 1
[participant.t]
y = 'lit'
'''


@pytest.mark.parametrize(
    "path, line",
    [
        (("title",), 2),
        (("program",), 3),
        (("program", "name"), 4),
        (("program", "a", "b", "c"), 5),
        (("program", "quoted.key"), 6),
        (("participant", 0), 8),
        (("participant", 0, "email"), 9),
        (("participant", 0, "hours"), 10),
        (("participant", 0, "hours", 1), 12),
        (("participant", 0, "note"), 14),
        (("participant", 1), 18),
        (("participant", 1, "if", "b"), 19),
        (("participant", 1, "sub", 0, "z"), 21),
        (("participant", 1, "t", "y"), 23),
        # fall back to the nearest enclosing key or table, then to line 1
        (("participant", 0, "timezone"), 8),
        (("participant", 1, "if", "missing"), 19),
        (("fake",), 1),
        ((), 1),
    ],
)
def test_locate(path, line):
    assert locate(TEXT).line(path) == line


def test_locate_never_raises_on_odd_text():
    assert locate("a = [\n1,\n").line(("a",)) == 1


@pytest.mark.parametrize(
    "text, line",
    [("a = 1\nb = \n", 2), ("[x]\n[x]\n", 2), ("a = [1,\n", 2), ('a = "x\n', 1)],
)
def test_syntax_error_has_its_line(tmp_path, text, line):
    path = tmp_path / "f.toml"
    path.write_text(text)
    data, _, problems = load_toml(path)
    assert data is None and len(problems) == 1
    assert problems[0].line == line
    assert "TOML syntax error" in problems[0].message and problems[0].hint


def test_missing_file(tmp_path):
    _, _, problems = load_toml(tmp_path / "nope.toml")
    assert "file not found" in str(problems[0])


def test_did_you_mean():
    assert did_you_mean("meetng_minutes", ["meeting_minutes", "horizon_weeks"]) == 'did you mean "meeting_minutes"?'
    assert did_you_mean("zzz", ["meeting_minutes"]) == ""
