"""``mentor-agent meeting ACTION --pair MENTEE_EMAIL ...``: an administrator changes a pair's meetings.

(Being built.) The same changes a participant can ask for by email, applied at once by an administrator.
"""

from __future__ import annotations

import argparse

from agent.errors import NotBuiltYet


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``meeting`` subcommand's arguments (kept here, light to import: the CLI's --help imports it)."""
    p.add_argument("action", choices=("reschedule", "skip", "pause", "resume", "cadence", "end"))
    p.add_argument("--pair", metavar="MENTEE_EMAIL", required=True)


def meeting(args: argparse.Namespace) -> int:
    raise NotBuiltYet("meeting changes are being built")
