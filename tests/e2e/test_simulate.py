"""``mentor-agent simulate`` as an administrator runs it: counts per rule, exact for a known program.

The exact test uses its own small program (3 pairs meeting weekly, no public holidays, a rules file
written here) with ideal behaviour (every agenda 72 hours before each meeting, notes 60 minutes
after it), keeps the throwaway copy, and derives the expected counts from the meetings the agent
booked there. Editing the rules file and re-running changes the counts accordingly.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

RULES = """
[[rule]]
name = "kickoff"
description = "Welcome both."
trigger = "pair_start"
action = "send"
template = "kickoff"
to = "both"

[[rule]]
name = "agenda-reminder"
description = "Ask for an agenda before each meeting."
trigger = "before_meeting"
offset = "48h"
if = { agenda_received = false }
action = "send"
template = "agenda_reminder"
to = "mentee"

[[rule]]
name = "agenda-to-mentor"
description = "Forward the agenda."
trigger = "message"
kind = "agenda"
if = { sender_role = "mentee" }
action = "send"
template = "agenda_to_mentor"
to = "mentor"

[[rule]]
name = "notes-request"
description = "Ask for notes after each meeting."
trigger = "after_meeting"
offset = "2h"
if = { notes_received = false }
action = "send"
template = "notes_request"
to = "mentee"

[[rule]]
name = "summary"
description = "Summary to both when notes arrive."
trigger = "message"
kind = "notes"
action = "send"
template = "summary"
to = "both"
"""

PAIRS = (("Europe/Berlin", "Europe/Paris"), ("America/New_York", "America/Toronto"), ("Asia/Tokyo", "Asia/Seoul"))


def write_program(folder: Path, rules: str) -> Path:
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    (folder / "rules" / "program.toml").write_text(rules)
    people, pairs = [], []
    for n, (mentor_zone, mentee_zone) in enumerate(PAIRS, 1):
        for role, zone in (("mentor", mentor_zone), ("mentee", mentee_zone)):
            people.append(f'[[participant]]\nemail = "{role}{n}@example.org"\nname = "{role.title()} {n}"\n'
                          f'role = "{role}"\ntimezone = "{zone}"\nhours = ["Mon-Fri 09:00-17:00"]\n')
        pairs.append(f'[[pair]]\nmentor = "mentor{n}@example.org"\nmentee = "mentee{n}@example.org"\n'
                     f'start = 2027-03-01\ncadence = ["weekly"]\n')
    (folder / "roster.toml").write_text("\n".join(people + pairs))
    config = folder / "config.toml"
    config.write_text(f"""
[program]
name = "Simulated Mentoring"
address = "mentoring@program.example.org"
admins = ["coordinator@program.example.org"]
roster = "roster.toml"
rules = "rules"
templates = "{REPO / 'templates'}"

[store]
url = "sqlite:///{folder}/configured/store.db"

[mailbox]
path = "{folder}/configured/inbox"

[outbound]
path = "{folder}/configured/outbox"

[calendar]
path = "{folder}/configured/calendar"
""")
    return config


def simulate(config: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([sys.executable, "-m", "agent", "simulate", "--config", str(config), *args],
                            cwd=REPO, capture_output=True, text=True, timeout=600,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    return result.stdout


def per_rule(output: str) -> dict[str, int]:
    """The final table's "messages" column, by rule or template."""
    counts = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 7 and cells[5].isdigit():
            counts[cells[0]] = int(cells[5])
    return counts


def filed(output: str) -> dict[str, int]:
    line = next(l for l in output.splitlines() if l.startswith("the agent filed: "))
    return {kind: int(n) for kind, n in re.findall(r"([\w ()]+?) (\d+)(?:, |$)", line.removeprefix("the agent filed: "))}


def booked_meetings(store: Path) -> list[tuple[datetime, datetime]]:
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT starts_at, ends_at FROM occurrences WHERE status = 'scheduled'").fetchall()
    return [tuple(datetime.fromisoformat(v).replace(tzinfo=UTC) for v in row) for row in rows]


START = datetime(2027, 2, 15, tzinfo=UTC)  # the pairs start on 2027-03-01; booking is 14 days ahead
WEEKS = 5
END = START + timedelta(weeks=WEEKS)


def run_ideal(tmp_path: Path, name: str, rules: str) -> tuple[str, list[tuple[datetime, datetime]]]:
    config = write_program(tmp_path / name, rules)
    keep = tmp_path / name / "copy"
    out = simulate(config, "--weeks", str(WEEKS), env={"MENTOR_AGENT_SIMULATE_BEHAVIOUR": "ideal",
                                                       "MENTOR_AGENT_SIMULATE_KEEP": str(keep)})
    assert not (tmp_path / name / "configured").exists(), "the configured store and mailboxes were touched"
    return out, booked_meetings(keep / "store.db")


def test_exact_counts_per_rule_and_a_rule_edit_changes_them(tmp_path):
    out, meetings = run_ideal(tmp_path, "as-shipped", RULES)
    assert "from Mon 2027-02-15" in out and "ideal behaviour" in out
    assert len(re.findall(r"^week +\d+ +\d{4}-\d\d-\d\d", out, re.M)) == WEEKS
    in_window = [(s, e) for s, e in meetings if START <= s - timedelta(hours=72) < END]
    notes = [(s, e) for s, e in meetings if e + timedelta(minutes=60) < END]
    assert len(in_window) >= 9 and len(notes) >= 9  # three or more weekly meetings per pair
    counts = per_rule(out)
    assert counts == {
        "kickoff": 6,  # 2 x 3 pairs
        "invitation": 6,  # one weekly series per pair, to both
        "agenda-reminder": 0,  # every agenda came 72 hours before, before the reminder
        "agenda-to-mentor": len(in_window),
        "notes-request": 0,  # notes came 60 minutes after, before the request
        "summary": 2 * len(notes),
        "total": 12 + len(in_window) + 2 * len(notes),
    }
    assert filed(out)["agenda"] == len(in_window) and filed(out)["notes"] == len(notes)

    edited = RULES.replace('offset = "48h"', 'offset = "96h"').replace(
        'kind = "notes"\n', 'kind = "notes"\nenabled = false\n')
    out, meetings = run_ideal(tmp_path, "edited", edited)
    reminded = [s for s, _ in meetings if START <= s - timedelta(hours=96) < END]
    counts = per_rule(out)
    assert counts["agenda-reminder"] == len(reminded) > 0  # 96 hours before: the agenda has not come yet
    assert counts["summary"] == 0  # disabled
    assert counts["kickoff"] == 6 and counts["agenda-to-mentor"] == len(
        [s for s, _ in meetings if START <= s - timedelta(hours=72) < END])
    assert re.search(r"│ summary +│ message notes \(disabled\)", out)


def test_the_hybrid_clock_gives_the_counts_of_a_full_tick_at_every_event(tmp_path):
    """The fast clock (full runner tick only when booking can happen) against the full tick at every event."""
    from agent.check import check_program
    from agent.simulation.behaviour import REALISTIC
    from agent.simulation.driver import run_simulation
    from agent.simulation.sandbox import Sandbox

    program, problems = check_program(REPO / "config.example.toml")
    assert program is not None, problems
    results = []
    for exact in (False, True):
        sandbox = Sandbox.create(program, pairs=None, seed=11, today=START.date(), folder=tmp_path / f"exact-{exact}")
        results.append(run_simulation(sandbox, 4, REALISTIC, 11, exact=exact))
    fast, full = results
    assert sum(fast.totals.values()) > 40 and fast.traffic["agenda"] > 0
    assert (fast.weeks, fast.fired, fast.missed, fast.pending) == (full.weeks, full.fired, full.missed, full.pending)
    assert fast.traffic == full.traffic


def demo_state() -> tuple[list[str], float | None]:
    outbox = REPO / "var" / "demo" / "mail" / "outbox" / "new"
    store = REPO / "var" / "demo" / "mentor-agent.db"
    return (sorted(os.listdir(outbox)) if outbox.exists() else [],
            store.stat().st_mtime if store.exists() else None)


@pytest.mark.parametrize("weeks, pairs", [(4, 6), (12, 50)])  # 12 x 50: the issue's own check, ~30-60 s
def test_synthetic_pairs_with_the_example_config(weeks, pairs):
    """Realistic behaviour: the counts hang together and the example program's store and outbox stay untouched."""
    before = demo_state()
    out = simulate(REPO / "config.example.toml", "--weeks", str(weeks), "--pairs", str(pairs), "--seed", "7")
    assert demo_state() == before
    assert len(re.findall(r"^week +\d+ +\d{4}-\d\d-\d\d +\d+ message\(s\)", out, re.M)) == weeks
    counts, understood = per_rule(out), filed(out)
    booked = int(re.search(r"pairs: .*booked (\d+)", out).group(1))
    assert booked >= pairs * 0.8
    assert counts["kickoff"] == 2 * booked
    assert counts["invitation"] == 4 * booked  # the default cadence has two phases
    assert counts["agenda-to-mentor"] == understood.get("agenda", 0)
    assert counts["summary"] == 2 * understood.get("notes", 0)
    assert counts["total"] == int(re.search(r"^total +(\d+) message", out, re.M).group(1))
    assert "out_of_office" in understood or weeks < 12  # someone is away over 12 weeks
