"""One function per CLI command, each taking the parsed arguments and returning an exit status.

Imports happen inside each command so ``mentor-agent --help`` and ``check`` start quickly.
"""

from __future__ import annotations

import argparse



def check(args: argparse.Namespace) -> int:
    from agent.commands.admin import check as command

    return command(args)


def run(args: argparse.Namespace) -> int:
    from agent.commands.run import run as command

    return command(args)


def status(args: argparse.Namespace) -> int:
    from agent.commands.admin import status as command

    return command(args)


def explain(args: argparse.Namespace) -> int:
    from agent.commands.admin import explain as command

    return command(args)


def quarantine(args: argparse.Namespace) -> int:
    from agent.commands.admin import quarantine as command

    return command(args)


def slots(args: argparse.Namespace) -> int:
    from agent.commands.slots import slots as command

    return command(args)


def parse(args: argparse.Namespace) -> int:
    from agent.commands.parse import parse as command

    return command(args)


def simulate(args: argparse.Namespace) -> int:
    from agent.commands.simulate import simulate as command

    return command(args)


def report(args: argparse.Namespace) -> int:
    from agent.commands.report import report as command

    return command(args)


def meeting(args: argparse.Namespace) -> int:
    from agent.commands.meeting import meeting as command

    return command(args)
