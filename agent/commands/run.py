"""``mentor-agent run [--once] [--now ISO-8601] [--log-format text|json]``.

The loop runs in the foreground until SIGTERM or SIGINT and then exits 0 (systemd's and a
container's way of stopping it). With ``[service] metrics_port`` set, ``/metrics`` and ``/healthz``
are served beside the loop from the moment before its first pass until after its last.
"""

from __future__ import annotations

import argparse
import logging

from agent.app import App
from agent.bootstrap import build_app
from agent.commands.common import load_program, parse_now
from agent.errors import MentorAgentError
from agent.observability.http import OperatorServer
from agent.observability.logs import configure_logging
from agent.runner import Clock, fixed_clock, run_forever, system_clock, tick

log = logging.getLogger("agent.run")


def run(args: argparse.Namespace) -> int:
    program = load_program(args.config)
    now = parse_now(args.now)
    clock = fixed_clock(now) if now else system_clock
    # the config is read only now: switch to its log format unless --log-format chose one, and
    # again once the App knows the worker's name, which every JSON line carries
    verbosity, fmt = max(getattr(args, "verbose", 0), 1), getattr(args, "log_format", None)
    fmt = fmt or program.config.service.log_format
    configure_logging(verbosity, fmt, worker=program.config.service.worker_name)
    app = build_app(program)
    worker = app.state.worker or app.worker
    app.state.worker = worker
    configure_logging(verbosity, fmt, worker=worker)
    try:
        if args.once:
            report = tick(app, clock())
            print(f"mentor-agent: {report}")
        else:
            server = _start_server(app, clock, worker)
            try:
                log.info("running for %s (%d pairs) as worker %s; Ctrl-C or SIGTERM stops",
                         program.config.program.name, len(program.roster.pairs), worker)
                run_forever(app, clock)
            finally:
                if server is not None:
                    server.stop()
    finally:
        app.close()
    return 0


def _start_server(app: App, clock: Clock, worker: str) -> OperatorServer | None:
    """``/metrics`` and ``/healthz`` when ``[service] metrics_port`` is set; the address is printed once."""
    service = app.config.service
    if not service.metrics_port:
        return None
    try:
        server = OperatorServer(app.engine, app.state, clock, host=service.metrics_host, port=service.metrics_port,
                                worker=worker).start()
    except OSError as exc:
        raise MentorAgentError(f"cannot serve /metrics and /healthz on {service.metrics_host}:"
                               f"{service.metrics_port} ([service] in {app.config.path}): {exc.strerror or exc}")
    print(f"mentor-agent: serving {server.url}/metrics and {server.url}/healthz", flush=True)
    return server
