"""``mentor-agent simulate [--config F] --weeks N [--pairs N] [--seed N]``: what the rules would send.

The configured rules and templates run through the real runner over N simulated weeks in a
throwaway copy of the program (``agent.simulation``); the configured store and mailboxes are never
opened. Without ``--pairs`` the configured roster is simulated from the day its first pair would be
booked; with ``--pairs N`` a seeded synthetic roster starts next Monday. People behave realistically
(``$MENTOR_AGENT_SIMULATE_BEHAVIOUR=ideal``: everyone sends every agenda and notes on time).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.commands.common import load_program
from agent.errors import ConfigError, Problem
from agent.simulation.behaviour import BEHAVIOURS
from agent.simulation.driver import SimulationResult, run_simulation
from agent.simulation.sandbox import Sandbox

BEHAVIOUR_ENV = "MENTOR_AGENT_SIMULATE_BEHAVIOUR"
KEEP_ENV = "MENTOR_AGENT_SIMULATE_KEEP"  # a folder: keep the program copy there to look at it afterwards


def simulate(args: argparse.Namespace) -> int:
    configured = load_program(args.config, quiet_warnings=True)
    behaviour = _behaviour(getattr(args, "behaviour", None) or os.environ.get(BEHAVIOUR_ENV) or "realistic")
    if not 1 <= args.weeks <= 104:
        raise ConfigError([Problem("--weeks", 1, f"{args.weeks} weeks is out of range", "simulate 1 to 104 weeks")])
    if args.pairs is not None and not 1 <= args.pairs <= 10_000:
        raise ConfigError([Problem("--pairs", 1, f"{args.pairs} pairs is out of range", "use 1 to 10000 pairs")])
    seed = 1 if args.seed is None else args.seed
    if not args.verbose:  # the copy's own warnings (a synthetic pair without a slot) are in the tables
        logging.getLogger("agent").setLevel(logging.ERROR)
    sandbox = Sandbox.create(configured, pairs=args.pairs, seed=seed, today=datetime.now(UTC).date(),
                             folder=os.environ.get(KEEP_ENV) or None)
    who = f"{args.pairs} synthetic pairs" if args.pairs else f"the roster's {len(configured.roster.pairs)} pairs"
    print(f"Simulating {args.weeks} weeks from {sandbox.start:%a %Y-%m-%d} with {who} "
          f"(seed {seed}, {behaviour.name} behaviour) in a throwaway copy of the program; nothing leaves it.")
    try:
        result = _run(sandbox, args.weeks, behaviour, seed)
    finally:
        sandbox.remove()
    _print(result, [rule.name for rule in sandbox.program.rules.rules], sandbox.program)
    return 0


def _behaviour(name: str):
    if name not in BEHAVIOURS:
        raise ConfigError([Problem(BEHAVIOUR_ENV, 1, f"unknown behaviour {name!r}",
                                   "use one of " + ", ".join(sorted(BEHAVIOURS)))])
    return BEHAVIOURS[name]


def _run(sandbox: Sandbox, weeks: int, behaviour, seed: int) -> SimulationResult:
    console = Console(stderr=True)
    columns = (TextColumn("simulating"), BarColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("", total=1.0)

        def progress(share: float) -> None:
            day = sandbox.start + timedelta(weeks=weeks) * share
            bar.update(task, completed=share, description=f"{day:%Y-%m-%d}")

        return run_simulation(sandbox, weeks, behaviour, seed, progress)


def _order(labels, rule_names: list[str]) -> list[str]:
    """Rules in the order the files give them, then templates sent without a rule, by name."""
    return [r for r in rule_names if r in labels] + sorted(label for label in labels if label not in rule_names)


def _print(result: SimulationResult, rule_names: list[str], program) -> None:
    totals = result.totals
    for index, week in enumerate(result.weeks):
        first = result.start + timedelta(weeks=index)
        parts = ", ".join(f"{label} {week[label]}" for label in _order(week, rule_names))
        print(f"week {index + 1:>3}  {first:%Y-%m-%d}  {sum(week.values()):>6} message(s)" +
              (f": {parts}" if parts else ""))
    print(f"total      {sum(totals.values()):>17} message(s)")
    print()
    table = Table(title="What would be sent, per rule", title_justify="left")
    for name, justify in (("rule", "left"), ("trigger", "left"), ("to", "left"), ("fired", "right"),
                          ("missed", "right"), ("messages", "right"), ("pending", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    rules = {rule.name: rule for rule in program.rules.rules}
    for label in _order(set(rule_names) | set(totals), rule_names):
        rule = rules.get(label)
        when = _trigger(rule) if rule else "booking" if label == "invitation" else "agent"
        table.add_row(label, when, (rule.to or "") if rule else "both" if label == "invitation" else "",
                      str(result.fired[label]) if rule else "", str(result.missed[label]) if rule else "",
                      str(totals[label]), str(result.pending[label]) if rule else "")
    table.add_row("total", "", "", "", "", str(sum(totals.values())), str(sum(result.pending.values())))
    console = Console(width=max(120, Console().width), soft_wrap=True)
    console.print(table)
    print("simulated people sent: " + _counts(result.traffic))
    print("the agent filed: " + _counts(result.understood))
    print(f"pairs: {_counts(result.pairs)}; {result.silent_pairs} silent pair(s), {result.away_people} "
          f"person(s) away for a while")
    print(f"{result.ticks} ticks in {result.seconds:.1f} s")
    sys.stdout.flush()


def _trigger(rule) -> str:
    detail = rule.kind or (f"{rule.days} days" if rule.days else "") or (_duration(rule.offset) if rule.offset else "")
    return f"{rule.trigger} {detail}".strip() + ("" if rule.enabled else " (disabled)")


def _duration(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g}h"


def _counts(counter: Counter) -> str:
    return ", ".join(f"{label} {count}" for label, count in sorted(counter.items())) or "nothing"
