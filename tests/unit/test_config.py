"""config.toml: defaults, resolved paths, and every kind of problem at its line with a hint."""

from pathlib import Path

import pytest

from agent.config import config_path_from, load_config
from agent.domain.model import CadencePhase

BASE = '[program]\nname = "Demo"\naddress = "mentoring@example.org"\n'  # lines 1-3


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "roster.toml").write_text("")
    (tmp_path / "rules").mkdir()
    (tmp_path / "templates").mkdir()
    return tmp_path


def load(folder: Path, text: str):
    path = folder / "config.toml"
    path.write_text(text)
    return load_config(path)


def test_defaults_and_resolved_paths(folder):
    config, problems = load(folder, BASE)
    assert problems == []
    assert config.path == folder / "config.toml" and config.folder == folder
    assert config.program.roster == folder / "roster.toml"
    assert config.program.rules == folder / "rules"
    assert config.program.templates == folder / "templates"
    assert config.program.admins == () and config.program.locale == "en" and config.program.timezone == "UTC"
    assert config.store.url == f"sqlite:///{folder}/var/mentor-agent.db"
    assert config.store.sqlite_path == folder / "var/mentor-agent.db"
    assert config.mailbox.backend == "maildir" and config.mailbox.path == folder / "var/mail/inbox"
    assert config.outbound.path == folder / "var/mail/outbox"
    assert config.calendar.backend == "ics" and config.calendar.path == folder / "var/calendar"
    s = config.scheduling
    assert (s.meeting_minutes, s.horizon_weeks, s.min_notice_hours, s.accommodate) == (45, 26, 24, "mentee")
    assert s.cadence == (CadencePhase(1, 6), CadencePhase(2, None))
    assert s.video_link == "" and s.book_days_ahead == 14


def test_imap_values_and_default_port(folder):
    config, problems = load(folder, BASE + '[mailbox]\nbackend = "imap"\nhost = "h"\nusername = "u"\n'
                                           'password_env = "PW"\nsecurity = "starttls"\n')
    assert problems == []
    assert config.mailbox.port == 143 and config.mailbox.folder == "INBOX"
    assert config.mailbox.processed_folder == "Processed" and config.mailbox.quarantine_folder == "Quarantine"


def test_frozen(folder):
    config, _ = load(folder, BASE)
    with pytest.raises(AttributeError):
        config.program.name = "x"


CASES = [
    # (text after BASE, line, message fragment, hint fragment)
    ("[scheduling]\nmeetng_minutes = 30\n", 5, "[scheduling] has no option meetng_minutes", 'did you mean "meeting_minutes"?'),
    ("[schedulng]\n", 4, "unknown section [schedulng]", 'did you mean "scheduling"?'),
    ("[scheduling]\nmeeting_minutes = \"45\"\n", 5, 'meeting_minutes = "45" should be a whole number', "without quotes"),
    ("[scheduling]\nhorizon_weeks = 60\n", 5, "horizon_weeks = 60 is out of range", "use 1 to 52"),
    ("[scheduling]\naccommodate = \"menteee\"\n", 5, 'accommodate = "menteee" is not one of', 'did you mean "mentee"?'),
    ("[scheduling]\ncadence = [\"weekly\", \"every 2 weeks\"]\n", 5, "has no count", "x6"),
    ("[scheduling]\nvideo_link = \"https://x/{team}\"\n", 5, "{team} cannot be filled in", "{pair}"),
    ("[mailbox]\nbackend = \"pop3\"\n", 5, 'backend = "pop3" is not one of', '"imap"'),
    ("[mailbox]\nbackend = \"imap\"\nhost = \"h\"\npassword_env = \"P\"\n", 5, 'backend = "imap" needs username', "add username"),
    ("[mailbox]\nbackend = \"graph\"\ntenant_id = \"t\"\nclient_id = \"c\"\n", 5, "needs client_secret_env", "client_secret_env"),
    ("[calendar]\nbackend = \"caldav\"\nurl = \"https://dav\"\n", 5, "needs username", "add username"),
    ("[outbound]\nbackend = \"smtp\"\n", 5, 'backend = "smtp" needs host', "add host"),
    ("[outbound]\nbackend = \"ews\"\n", 5, "uses the [mailbox] account", 'set [mailbox] backend = "ews"'),
    ("[store]\nurl = \"mysql://x\"\n", 5, "is not supported", "postgresql"),
    ("[program]\n", 4, "Cannot declare", "quotes"),  # a second [program] is a TOML syntax error
    ("share_notes_with_admins = \"yes\"\n", 4, "should be true or false", "without quotes"),
    ("admins = [\"a@example.org\",\n  \"not-an-address\"]\n", 5, '"not-an-address" is not an email address', "name@example.org"),
    ("timezone = \"Europe/Berln\"\n", 4, 'unknown time zone "Europe/Berln"', 'did you mean "Europe/Berlin"?'),
    ("locale = \"xx_QQ\"\n", 4, 'unknown locale "xx_QQ"', "language code"),
    ("roster = \"people.toml\"\n", 4, "people.toml does not exist", "create it"),
    ("rules = \"my-rules\"\n", 4, "my-rules does not exist", "create it"),
    ("templates = \"tpl\"\n", 4, "tpl does not exist", "create it"),
    ("[mailbox]\nhost = \"h\"\n", 5, 'host is not used with backend = "maildir"', 'backend = "imap"'),
]


@pytest.mark.parametrize("text, line, message, hint", CASES)
def test_problem_has_line_and_hint(folder, text, line, message, hint):
    _, problems = load(folder, BASE + text)
    matching = [p for p in problems if message in p.message]
    assert matching, [str(p) for p in problems]
    problem = matching[0]
    assert str(problem).startswith(f"{problem.file}:{line}: "), str(problem)
    assert problem.file.endswith("config.toml")
    assert hint in problem.hint


def test_missing_required_keys(folder):
    config, problems = load(folder, "[program]\n")
    assert config is None
    assert sorted(p.message for p in problems) == ["[program] needs address", "[program] needs name"]
    assert all(p.line == 1 for p in problems)


def test_inline_password_is_a_warning_and_never_shown(folder):
    text = BASE + '[mailbox]\nbackend = "imap"\nhost = "h"\nusername = "u"\npassword = "hunter2"\n'
    config, problems = load(folder, text)
    assert config is not None
    [warning] = problems
    assert warning.severity == "warning" and warning.line == 8
    assert warning.hint == 'set password_env = "NAME" and export NAME'
    assert str(warning).split(": ", 1)[1].startswith("warning:")
    assert "hunter2" not in str(warning) and "hunter2" not in repr(config)
    assert config.mailbox.secret() == "hunter2"


def test_secret_of_wrong_type_is_hidden(folder):
    _, problems = load(folder, BASE + '[mailbox]\nclient_secret = 123456\n')
    assert problems and all("123456" not in str(p) for p in problems)


def test_password_from_environment(folder, monkeypatch):
    config, _ = load(folder, BASE + '[calendar]\nbackend = "caldav"\nurl = "u"\nusername = "n"\npassword_env = "PW"\n')
    monkeypatch.setenv("PW", "s3cret")
    assert config.calendar.secret() == "s3cret"


def test_all_errors_at_once(folder):
    text = BASE + (
        "[scheduling]\n"
        "meetng_minutes = 30\n"  # 5
        "horizon_weeks = 0\n"  # 6
        'accommodate = "nobody"\n'  # 7
        "[mailbox]\n"
        'backend = "imap"\n'  # 9: needs host, username, password -> 3 problems
    )
    config, problems = load(folder, text)
    assert config is None
    assert [p.line for p in sorted(problems)] == [5, 6, 7, 9, 9, 9]


def test_syntax_error(folder):
    config, [problem] = load(folder, BASE + "[scheduling]\nmeeting_minutes = \n")
    assert config is None and problem.line == 5 and "TOML syntax error" in problem.message


def test_config_path_from(monkeypatch):
    monkeypatch.delenv("MENTOR_AGENT_CONFIG", raising=False)
    assert config_path_from(None) == Path("config.toml")
    monkeypatch.setenv("MENTOR_AGENT_CONFIG", "/etc/m.toml")
    assert config_path_from(None) == Path("/etc/m.toml")
    assert config_path_from("x.toml") == Path("x.toml")
