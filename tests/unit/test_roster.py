"""roster.toml: participants and pairs, and every problem at the line of the offending key."""

import textwrap

import pytest

from agent.domain.model import CadencePhase, Role
from agent.roster import load_roster

DEFAULT = (CadencePhase(1, 6), CadencePhase(2))

KATY = '''[[participant]]
email = "Katy@Example.org"
name = "Katy Lee"
role = "mentor"
timezone = "America/Los_Angeles"
hours = ["Mon-Fri 09:00-17:00"]
'''  # lines 1-6
RANIA = '''[[participant]]
email = "rania@example.org"
name = "Rania"
role = "mentee"
timezone = "Europe/Berlin"
hours = ["Mon-Fri 09:00-17:00"]
'''  # lines 7-12 after KATY
PAIR = '''[[pair]]
mentor = "katy@example.org"
mentee = "rania@example.org"
start = 2026-12-01
'''  # lines 13-16 after KATY + RANIA


def load(tmp_path, text):
    path = tmp_path / "roster.toml"
    path.write_text(textwrap.dedent(text))
    return load_roster(path, default_cadence=DEFAULT)


def test_valid_roster(tmp_path):
    roster, problems = load(tmp_path, KATY + RANIA + PAIR)
    assert problems == []
    assert set(roster.participants) == {"katy@example.org", "rania@example.org"}
    katy = roster.participant("KATY@example.org")
    assert katy.role is Role.MENTOR and katy.hours.contains(0, 9 * 60, 17 * 60) and katy.locale == "en"
    pair = roster.pair_of("rania@example.org")
    assert pair == roster.pair_of("katy@example.org") and pair.cadence == DEFAULT
    assert str(pair.start) == "2026-12-01"
    assert roster.pairs_of("katy@example.org") == (pair,)
    assert roster.pair_of("nobody@example.org") is None


def test_optional_fields(tmp_path):
    text = KATY + 'stretch = ["Mon-Fri 07:00-20:00"]\ncountry = "US"\nsubdivision = "CA"\nlocale = "en_US"\n'
    text += RANIA + PAIR + 'cadence = ["weekly x4", "every 3 weeks"]\n'
    roster, problems = load(tmp_path, text)
    assert problems == []
    katy = roster.participant("katy@example.org")
    assert katy.stretch.contains(4, 7 * 60, 20 * 60) and katy.country == "US" and katy.subdivision == "CA"
    assert roster.pairs[0].cadence == (CadencePhase(1, 4), CadencePhase(3))


def replace(text, old, new):
    assert old in text
    return text.replace(old, new)


FULL = KATY + RANIA + PAIR
CASES = [
    # (roster text, line, message fragment, hint fragment)
    (replace(FULL, 'timezone = "Europe/Berlin"', 'timezone = "Europe/Berln"'), 11,
     'unknown time zone "Europe/Berln"', 'did you mean "Europe/Berlin"?'),
    (replace(FULL, 'role = "mentee"\ntimezone = "Europe/Berlin"\nhours = ["Mon-Fri 09:00-17:00"]',
             'role = "mentee"\ntimezone = "Europe/Berlin"\nhours = ["Mon-Fri 9-17"]'), 12,
     '"9" in "Mon-Fri 9-17" is not a time', "Mon-Fri 09:00-17:00"),
    (replace(FULL, 'role = "mentee"\ntimezone = "Europe/Berlin"\nhours = ["Mon-Fri 09:00-17:00"]',
             'role = "mentee"\ntimezone = "Europe/Berlin"\nhours = [\n  "Sat 10:00-12:00",\n  "Mon-Fri 17:00-09:00",\n]'),
     14, '"17:00-09:00" in "Mon-Fri 17:00-09:00" ends before it starts', "cannot cross midnight"),
    (replace(FULL, 'hours = ["Mon-Fri 09:00-17:00"]\n[[pair]]', 'hours = []\n[[pair]]'), 12, "hours is empty", "hours = ["),
    (replace(FULL, 'name = "Rania"\n', 'nmae = "Rania"\n'), 9, "has no field nmae", 'did you mean "name"?'),
    (replace(FULL, 'name = "Rania"\n', ''), 7, "rania@example.org needs name", "add name ="),
    (replace(FULL, 'email = "rania@example.org"', 'email = "rania.example.org"'), 8,
     '"rania.example.org" is not an email address', "name@example.org"),
    (replace(FULL, 'role = "mentee"', 'role = "mentees"'), 10, 'role = "mentees" is not mentor or mentee',
     'did you mean "mentee"?'),
    (KATY + RANIA + 'country = "XX"\n' + PAIR, 13, 'country = "XX" has no public-holiday calendar', "ISO code"),
    (KATY + RANIA + 'country = "de"\n' + PAIR, 13, 'country = "de"', '"DE"'),
    (KATY + 'country = "US"\nsubdivision = "CX"\n' + RANIA + PAIR, 8, 'subdivision = "CX" is not a part of US', "CA"),
    (KATY + 'locale = "zz"\n' + RANIA + PAIR, 7, 'unknown locale "zz"', "language code"),
    (KATY + KATY.replace("Katy@", "katy@") + PAIR.replace("rania", "katy"), 8, "katy@example.org is listed twice",
     "at line 1"),
    (replace(FULL, 'mentee = "rania@example.org"', 'mentee = "rania@exmaple.org"'), 15,
     "mentee rania@exmaple.org is not a participant", 'did you mean "rania@example.org"?'),
    (replace(FULL, 'mentor = "katy@example.org"\nmentee = "rania@example.org"',
             'mentor = "rania@example.org"\nmentee = "katy@example.org"'), 14,
     "mentor rania@example.org is a mentee", "swap mentor and mentee"),
    (FULL + PAIR, 19, "rania@example.org is already in a pair", "at line 13"),
    (replace(FULL, "start = 2026-12-01", 'start = "soon"'), 16, 'start = "soon" is not a date', "2026-12-01"),
    (replace(FULL, "start = 2026-12-01\n", ""), 13, "[[pair]] needs start", "add start"),
    (FULL + 'cadence = ["monthly"]\n', 17, '"monthly" is not a cadence', "every 2 weeks"),
    ("[[participants]]\nemail = \"x@example.org\"\n", 1, "unknown entry participants", 'did you mean "participant"?'),
]


@pytest.mark.parametrize("text, line, message, hint", CASES)
def test_problem_has_line_and_hint(tmp_path, text, line, message, hint):
    roster, problems = load(tmp_path, text)
    assert roster is None
    matching = [p for p in problems if message in p.message]
    assert matching, [str(p) for p in problems]
    assert matching[0].line == line, str(matching[0])
    assert hint in matching[0].hint, str(matching[0])
    assert str(matching[0]).startswith(f"{matching[0].file}:{line}: ")


def test_all_errors_at_once(tmp_path):
    text = replace(FULL, 'timezone = "Europe/Berlin"', 'timezone = "Europe/Berln"')  # 11
    text = replace(text, 'role = "mentor"', 'role = "boss"')  # 4
    text = replace(text, 'name = "Rania"', 'nam = "Rania"')  # 9: unknown field and missing name (line 7)
    text = replace(text, "start = 2026-12-01", "start = 12")  # 16
    roster, problems = load(tmp_path, text)
    assert roster is None
    assert sorted(p.line for p in problems) == [4, 7, 9, 11, 16]


def test_syntax_error(tmp_path):
    roster, [problem] = load(tmp_path, KATY + "hours = \n")
    assert roster is None and problem.line == 7
