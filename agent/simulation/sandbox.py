"""The throwaway program a simulation runs in: never the configured store or mailboxes.

A temporary folder holds its own SQLite store, Maildir inbox and outbox, ``.ics`` folder, a roster
(a copy of the configured one, or a synthetic one) and a config that points at the configured
rules and templates folders and copies the program and scheduling settings. So the simulation
runs exactly the administrator's rules and templates, and nothing it "sends" leaves the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from agent.check import Program, check_program
from agent.errors import ConfigError
from agent.simulation.synthetic import roster_toml, synthetic_pairs


@dataclass
class Sandbox:
    """A program copy in ``folder``; ``program`` is loaded from its config; ``start`` is the first tick."""

    folder: Path
    program: Program
    start: datetime
    keep: bool = False

    @classmethod
    def create(cls, configured: Program, *, pairs: int | None, seed: int, today: date,
               folder: Path | None = None) -> Sandbox:
        """Write the copy. Without ``pairs`` the configured roster is used and the simulation starts
        when its first pair would be booked; with ``pairs`` a synthetic roster starts next Monday."""
        keep = folder is not None
        folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="mentor-agent-simulate-", dir=_scratch()))
        folder.mkdir(parents=True, exist_ok=True)
        ahead = timedelta(days=configured.config.scheduling.book_days_ahead)
        if pairs is None:
            roster_path = folder / "roster.toml"
            shutil.copyfile(configured.roster.path, roster_path)
            starts = [pair.start for pair in configured.roster.pairs]
            first = min(starts) - ahead if starts else today
        else:
            first = today + timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
            people, synthetic = synthetic_pairs(pairs, seed, first + ahead)
            roster_path = folder / "roster.toml"
            roster_path.write_text(roster_toml(people, synthetic), encoding="utf-8")
        config_path = folder / "config.toml"
        config_path.write_text(_config_text(configured, folder, roster_path), encoding="utf-8")
        program, problems = check_program(config_path)
        if program is None:
            raise ConfigError(problems)
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        return cls(folder, program, start, keep)

    def remove(self) -> None:
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)


def _scratch() -> str | None:
    """Memory-backed /dev/shm when there is one and TMPDIR is not set: thousands of small commits and
    fsyncs cost nothing there. The folder is small (a few MB for 50 pairs over 12 weeks)."""
    shm = Path("/dev/shm")
    if "TMPDIR" not in os.environ and shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return str(shm)
    return None


def _config_text(configured: Program, folder: Path, roster: Path) -> str:
    """The copy's config.toml: the configured program and scheduling settings, local backends."""
    q = json.dumps
    program, scheduling = configured.config.program, configured.config.scheduling
    return "\n".join([
        "# Written by `mentor-agent simulate`: a throwaway copy of the program.",
        "[program]",
        f"name = {q(program.name)}",
        f"address = {q(program.address)}",
        f"admins = {q(list(program.admins))}",
        f"roster = {q(str(roster))}",
        f"rules = {q(str(Path(program.rules).absolute()))}",
        f"templates = {q(str(Path(program.templates).absolute()))}",
        f"share_notes_with_admins = {q(program.share_notes_with_admins)}",
        f"locale = {q(program.locale)}",
        f"timezone = {q(program.timezone)}",
        "",
        "[store]",
        f"url = {q('sqlite:///' + str(folder / 'store.db'))}",
        "",
        "[mailbox]",
        'backend = "maildir"',
        f"path = {q(str(folder / 'mail' / 'inbox'))}",
        "",
        "[outbound]",
        'backend = "maildir"',
        f"path = {q(str(folder / 'mail' / 'outbox'))}",
        "",
        "[calendar]",
        'backend = "ics"',
        f"path = {q(str(folder / 'calendar'))}",
        "",
        "[scheduling]",
        f"meeting_minutes = {scheduling.meeting_minutes}",
        f"horizon_weeks = {scheduling.horizon_weeks}",
        f"min_notice_hours = {scheduling.min_notice_hours}",
        f"accommodate = {q(scheduling.accommodate)}",
        f"cadence = {q([str(phase) for phase in scheduling.cadence])}",
        f"book_days_ahead = {scheduling.book_days_ahead}",
        f"video_link = {q(scheduling.video_link)}",
        "",
    ])
