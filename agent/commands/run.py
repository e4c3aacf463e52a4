"""``mentor-agent run [--once] [--now ISO-8601]``."""

from __future__ import annotations

import argparse
import logging

from agent.bootstrap import build_app
from agent.commands.common import load_program, parse_now
from agent.runner import fixed_clock, run_forever, system_clock, tick

log = logging.getLogger("agent.run")


def run(args: argparse.Namespace) -> int:
    program = load_program(args.config)
    now = parse_now(args.now)
    clock = fixed_clock(now) if now else system_clock
    app = build_app(program)
    try:
        if args.once:
            report = tick(app, clock())
            print(f"mentor-agent: {report}")
        else:
            log.info("running for %s (%d pairs); Ctrl-C or SIGTERM stops", program.config.program.name,
                     len(program.roster.pairs))
            run_forever(app, clock)
    finally:
        app.close()
    return 0
