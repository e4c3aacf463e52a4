"""``mentor-agent slots``: the weekly slot that fits two people over every occurrence, or why none does.

Two forms: ``--pair MENTEE_EMAIL`` reads both people from the roster; ``--a``/``--b`` describe two
people inline ("Europe/Berlin Mon-Fri 09:00-17:00, Sat 10:00-12:00"). Exit 3 when no slot exists.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, timedelta

from agent.commands.common import load_program
from agent.domain.model import NoSlot, Role
from agent.scheduling.hours import HoursSyntaxError
from agent.scheduling.overlap import describe_slot, plan_pair, plan_series, slots_json
from agent.scheduling.slotspec import parse_person_spec

EXIT_NO_SLOT = 3


def slots(args: argparse.Namespace) -> int:
    if args.pair:
        return _from_roster(args)
    missing = [flag for flag, value in (("--a", args.a), ("--b", args.b), ("--minutes", args.minutes),
                                         ("--start", args.start), ("--weeks", args.weeks)) if value is None]
    if missing:
        print(f"mentor-agent slots: give --pair MENTEE_EMAIL, or all of --a --b --minutes --start --weeks "
              f"(missing {' '.join(missing)})", file=sys.stderr)
        return 2
    try:
        first = parse_person_spec(args.a, name="A", role=Role.MENTEE)
        second = parse_person_spec(args.b, name="B", role=Role.MENTOR)
        start = date.fromisoformat(args.start)
    except HoursSyntaxError as exc:
        print(f"mentor-agent slots: {exc.message} ({exc.hint})", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"mentor-agent slots: {exc}", file=sys.stderr)
        return 2
    result = plan_series(first, second, minutes=args.minutes, first_day=start, weeks=args.weeks)
    return _print(args, result if isinstance(result, NoSlot) else (result,), first, second)


def _from_roster(args: argparse.Namespace) -> int:
    program = load_program(args.config, quiet_warnings=True)
    roster, settings = program.roster, program.config.scheduling
    pair = roster.pair_of(args.pair.lower())
    if pair is None:
        print(f"mentor-agent slots: {args.pair} is in no pair of the roster", file=sys.stderr)
        return 2
    mentor, mentee = roster.participants[pair.mentor], roster.participants[pair.mentee]
    not_before = max(datetime.combine(pair.start, datetime.min.time(), UTC),
                     datetime.now(UTC) + timedelta(hours=settings.min_notice_hours))
    result = plan_pair(pair, mentor, mentee, minutes=args.minutes or settings.meeting_minutes,
                       horizon_weeks=args.weeks or settings.horizon_weeks, not_before=not_before,
                       accommodate=settings.accommodate)
    return _print(args, result, mentee, mentor)


def _print(args, result, first, second) -> int:
    if isinstance(result, NoSlot):
        if args.json:
            print(json.dumps(dict(error="no slot", reason=result.reason)))
        print(f"mentor-agent slots: no slot: {result.reason}", file=sys.stderr)
        return EXIT_NO_SLOT
    if args.json:
        print(json.dumps(slots_json(result)))
    else:
        print(describe_slot(result, first, second))
    return 0
