"""What several commands share: finding and loading the program, parsing ``--now``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from agent.check import Program, check_program, has_errors
from agent.config import config_path_from
from agent.errors import ConfigError, Problem


def load_program(config_arg: str | None, *, quiet_warnings: bool = False) -> Program:
    """Load everything or raise ConfigError with every problem; warnings go to stderr."""
    path = config_path_from(config_arg)
    if not path.exists():
        raise ConfigError([Problem.at(path, 1, "config file not found",
                                      "pass --config F, set MENTOR_AGENT_CONFIG, or copy config.example.toml")])
    program, problems = check_program(path)
    if has_errors(problems) or program is None:
        raise ConfigError(problems)
    if not quiet_warnings:
        for problem in problems:
            print(problem, file=sys.stderr)
    return program


def parse_now(text: str | None) -> datetime | None:
    """``--now``: ISO 8601; a time without an offset is taken as UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError([Problem("--now", 1, f"{text!r} is not an ISO-8601 time", "e.g. 2026-12-01T09:00:00Z")])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
