"""The ``mentor-agent`` command line, exactly as PRODUCT.md names it. Nothing else parses argv.

Exit status: 0 success; 1 runtime failure; 2 usage or configuration error (the message names file
and line); ``slots`` exits 3 when no slot exists and says why.
"""

from __future__ import annotations

import argparse
import sys

from agent import __version__
from agent.errors import ConfigError, MentorAgentError, NotBuiltYet
from agent.observability.logs import FORMATS, configure_logging

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_NO_SLOT = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 too; keep its wording, add the hint
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="F", help="config file (default: $MENTOR_AGENT_CONFIG, else ./config.toml)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mentor-agent", description="Runs a distance-mentoring program by email.")
    parser.add_argument("--version", action="version", version=f"mentor-agent {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("check", help="report every error in config, roster, rules and templates")
    _config(p)
    p = sub.add_parser("run", help="run the agent (read mail, book, remind, send)")
    _config(p)
    p.add_argument("--once", action="store_true", help="handle what is pending, then exit")
    p.add_argument("--now", metavar="ISO-8601", help="set the agent's clock (e.g. 2026-12-01T09:00:00Z)")
    p.add_argument("--log-format", choices=FORMATS, help="log lines as text or JSON (default: [service] log_format)")
    p = sub.add_parser("status", help="program health: each pair, next meeting, last activity")
    _config(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--now", metavar="ISO-8601", help=argparse.SUPPRESS)
    p = sub.add_parser("slots", help="the weekly slots that fit both people over every occurrence")
    _config(p)
    p.add_argument("--pair", metavar="MENTEE_EMAIL")
    p.add_argument("--a", metavar='"ZONE DAYS HH:MM-HH:MM[, ...]"')
    p.add_argument("--b", metavar='"ZONE DAYS HH:MM-HH:MM[, ...]"')
    p.add_argument("--minutes", type=int, default=None)
    p.add_argument("--start", metavar="YYYY-MM-DD")
    p.add_argument("--weeks", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("simulate", help="run the rules over N simulated weeks; nothing leaves")
    _config(p)
    p.add_argument("--weeks", type=int, required=True)
    p.add_argument("--pairs", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--behaviour", choices=("realistic", "ideal"))
    p = sub.add_parser("explain", help="why a rule did or did not fire for a pair")
    _config(p)
    p.add_argument("--pair", metavar="MENTEE_EMAIL", required=True)
    p.add_argument("--rule", metavar="NAME")
    p = sub.add_parser("report", help="write the HTML health report with each pair's overlap chart")
    _config(p)
    p.add_argument("--html", metavar="OUT.html", required=True)
    p.add_argument("--now", metavar="ISO-8601", help="the report's clock (default: now)")
    p = sub.add_parser("quarantine", help="list, show or release quarantined messages")
    p.add_argument("action", choices=("list", "show", "release"))
    p.add_argument("id", nargs="?", type=int)
    _config(p)
    p = sub.add_parser("meeting", help="reschedule, skip, pause, resume, change cadence or end a pair's meetings")
    _config(p)
    from agent.commands.meeting import add_arguments as meeting_arguments

    meeting_arguments(p)
    p = sub.add_parser("parse", help="show what the agent understands in messages; changes nothing")
    _config(p)
    p.add_argument("files", nargs="+", metavar="MESSAGE.eml")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    # run logs at INFO at least; it switches to [service] log_format once the config is read
    configure_logging(args.verbose if args.command != "run" else max(args.verbose, 1),
                      getattr(args, "log_format", None) or "text")
    from agent import commands

    try:
        return commands.run_command(args.command, args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_USAGE
    except NotBuiltYet as exc:
        print(f"mentor-agent {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MentorAgentError as exc:
        print(f"mentor-agent {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE
