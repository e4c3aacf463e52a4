"""The command line as an administrator runs it: exit statuses and messages naming file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ("check", "run", "status", "slots", "simulate", "explain", "report", "quarantine", "parse")


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_help_lists_every_command_of_the_product():
    result = cli("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_version():
    assert cli("--version").stdout.startswith("mentor-agent ")


def test_simulate_rejects_a_bad_week_count_with_exit_2():
    result = cli("simulate", "--weeks", "0", "--config", "config.example.toml")
    assert result.returncode == 2
    assert "--weeks" in result.stderr


def test_check_accepts_the_example_program():
    result = cli("check", "--config", "config.example.toml")
    assert result.returncode == 0, result.stderr
    assert "5 pairs" in result.stdout


def test_check_names_file_and_line_of_an_unknown_time_zone(tmp_path):
    roster = (REPO / "examples" / "roster.toml").read_text().replace('"Asia/Beirut"', '"Asia/Beirt"', 1)
    (tmp_path / "roster.toml").write_text(roster)
    config = (REPO / "config.example.toml").read_text()
    config = config.replace('roster = "examples/roster.toml"', f'roster = "{tmp_path / "roster.toml"}"')
    config = config.replace('rules = "rules"', f'rules = "{REPO / "rules"}"')
    config = config.replace('templates = "templates"', f'templates = "{REPO / "templates"}"')
    (tmp_path / "config.toml").write_text(config)
    line = next(n for n, text in enumerate(roster.splitlines(), 1) if "Asia/Beirt" in text)
    result = cli("check", "--config", str(tmp_path / "config.toml"))
    assert result.returncode == 2
    assert f"roster.toml:{line}:" in result.stderr
    assert "Asia/Beirut" in result.stderr  # the did-you-mean hint


def test_a_missing_config_is_a_usage_error(tmp_path):
    result = cli("status", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "nope.toml:1: config file not found" in result.stderr


def test_parse_reports_kinds_as_json_lines():
    files = sorted(str(p) for p in (REPO / "examples" / "mail").glob("*.eml"))
    result = cli("parse", "--json", *files)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = {Path(r["file"]).name: r["kind"] for r in records}
    assert kinds == {"01-agenda-rania.eml": "agenda", "02-notes-mia.eml": "notes",
                     "03-accept-katy.eml": "calendar_reply", "04-out-of-office-tom.eml": "out_of_office",
                     "05-stranger.eml": "other"}
    assert all("reply_text" in r for r in records)
    with_roster = cli("parse", "--json", "--config", "config.example.toml", files[-1])
    assert json.loads(with_roster.stdout)["kind"] == "stranger"


def test_slots_inline_form_and_no_slot_exit_3():
    result = cli("slots", "--a", "Europe/Berlin Mon-Fri 09:00-17:00", "--b", "America/New_York Mon-Fri 09:00-17:00",
                 "--minutes", "45", "--start", "2027-03-01", "--weeks", "6", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["minutes"] == 45 and len(answer["occurrences"]) == 6
    assert all(o.endswith("Z") for o in answer["occurrences"])
    none = cli("slots", "--a", "Europe/Berlin Mon 09:00-10:00", "--b", "Pacific/Auckland Mon 09:00-10:00",
               "--minutes", "45", "--start", "2027-03-01", "--weeks", "4")
    assert none.returncode == 3
    assert "no slot" in none.stderr
