"""The CLI's commands: each is a function in a module here, taking the parsed arguments and returning an exit status.

Modules are imported only when their command runs, so ``mentor-agent --help`` and ``check`` start quickly.
"""

from __future__ import annotations

import argparse
import importlib

# command name -> (module, function)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("agent.commands.admin", "check"),
    "run": ("agent.commands.run", "run"),
    "status": ("agent.commands.admin", "status"),
    "explain": ("agent.commands.admin", "explain"),
    "quarantine": ("agent.commands.admin", "quarantine"),
    "slots": ("agent.commands.slots", "slots"),
    "parse": ("agent.commands.parse", "parse"),
    "simulate": ("agent.commands.simulate", "simulate"),
    "report": ("agent.commands.report", "report"),
    "meeting": ("agent.commands.meeting", "meeting"),
}


def run_command(name: str, args: argparse.Namespace) -> int:
    """Import the command's module and run it."""
    module, function = COMMANDS[name]
    return getattr(importlib.import_module(module), function)(args)
