"""Administrator commands over the store: ``check``, ``status``, ``explain``, ``quarantine``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from agent.bootstrap import build_mailbox
from agent.check import check_program, has_errors
from agent.commands.common import load_program, parse_now
from agent.config import config_path_from
from agent.store import repo
from agent.store import tables as t
from agent.store.db import migrate, open_engine
from agent.timefmt import local_time


def check(args: argparse.Namespace) -> int:
    path = config_path_from(args.config)
    if not path.exists():
        print(f"{path}:1: config file not found (pass --config F or set MENTOR_AGENT_CONFIG)", file=sys.stderr)
        return 2
    program, problems = check_program(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if has_errors(problems) or program is None:
        errors = sum(1 for p in problems if p.severity == "error")
        print(f"{errors} error(s) found", file=sys.stderr)
        return 2
    print(f"{path}: OK: {len(program.roster.participants)} participants, {len(program.roster.pairs)} pairs, "
          f"{len(program.rules.rules)} rules")
    return 0


def _store(program):
    engine = open_engine(program.config.store.url)
    migrate(engine)
    return engine


def health(status: str, last_activity: datetime | None, now: datetime) -> str:
    """on track / needs check-in / stalled, from the pair's state and its last sign of life."""
    if status in ("unschedulable",):
        return "stalled"
    if last_activity is None:
        return "on track" if status == "new" else "needs check-in"
    quiet = now - last_activity
    return "on track" if quiet < timedelta(days=21) else "needs check-in" if quiet < timedelta(days=45) else "stalled"


def status(args: argparse.Namespace) -> int:
    program = load_program(args.config, quiet_warnings=True)
    now = parse_now(args.now) or datetime.now(UTC)
    engine = _store(program)
    roster = program.roster
    rows = []
    with engine.connect() as conn:
        pending = dict(conn.execute(select(t.due_actions.c.pair_key, func.count())
                                    .where(t.due_actions.c.status == "pending").group_by(t.due_actions.c.pair_key)).all())
        for pair in roster.pairs:
            row = repo.pair_row(conn, pair.key)
            upcoming = [m for m in repo.occurrences_of(conn, pair.key) if m.starts_at > now]
            mentor, mentee = roster.participants[pair.mentor], roster.participants[pair.mentee]
            next_at = upcoming[0].starts_at if upcoming else None
            state = row.status if row else "not started"
            last = row.last_activity_at if row else None
            rows.append(dict(
                pair=pair.key, mentor=pair.mentor, status=state,
                reason=row.status_reason if row else "",
                next_meeting=next_at.isoformat() if next_at else None,
                next_meeting_mentee=local_time(next_at, mentee) if next_at else None,
                next_meeting_mentor=local_time(next_at, mentor) if next_at else None,
                last_activity=last.isoformat() if last else None,
                health=health(state, last, now),
                pending_actions=pending.get(pair.key, 0),
            ))
        outbox = dict(conn.execute(select(t.outbox.c.status, func.count()).group_by(t.outbox.c.status)).all())
        quarantined = len(repo.quarantined(conn))
    engine.dispose()
    if args.json:
        print(json.dumps(dict(now=now.isoformat(), pairs=rows, outbox=outbox, quarantined=quarantined), indent=2))
        return 0
    table = Table(title=f"{program.config.program.name}: {len(rows)} pairs")
    for column in ("mentee", "status", "next meeting (mentee / mentor)", "last activity", "health", "pending"):
        table.add_column(column)
    for r in rows:
        when = f"{r['next_meeting_mentee']}\n{r['next_meeting_mentor']}" if r["next_meeting"] else "—"
        table.add_row(r["pair"], r["status"], when, (r["last_activity"] or "—")[:16], r["health"],
                      str(r["pending_actions"]))
    console = Console(width=160)
    console.print(table)
    console.print(f"outbox: {outbox or 'empty'}; quarantined: {quarantined}")
    return 0


def explain(args: argparse.Namespace) -> int:
    program = load_program(args.config, quiet_warnings=True)
    pair = program.roster.pair_of(args.pair.lower())
    if pair is None:
        print(f"mentor-agent explain: {args.pair} is in no pair of the roster", file=sys.stderr)
        return 2
    engine = _store(program)
    query = select(t.rule_firings).where(t.rule_firings.c.pair_key == pair.key).order_by(t.rule_firings.c.at)
    if args.rule:
        query = query.where(t.rule_firings.c.rule == args.rule)
    with engine.connect() as conn:
        firings = list(conn.execute(query))
        due = list(conn.execute(select(t.due_actions).where(t.due_actions.c.pair_key == pair.key)
                                .order_by(t.due_actions.c.due_at)))
    engine.dispose()
    print(f"Rules for the pair {pair.mentee} (mentor {pair.mentor}):")
    if not firings:
        print("  no rule has been evaluated for this pair yet")
    for f in firings:
        print(f"  {f.at:%Y-%m-%d %H:%M}Z  {f.rule:<24} {'FIRED ' if f.fired else 'missed'}  {f.occasion}: {f.reason}")
    for d in due:
        if args.rule and d.rule != args.rule:
            continue
        print(f"  due {d.due_at:%Y-%m-%d %H:%M}Z  {d.rule:<24} {d.status:<9} {d.occasion} {d.detail}")
    return 0


def quarantine(args: argparse.Namespace) -> int:
    program = load_program(args.config, quiet_warnings=True)
    engine = _store(program)
    try:
        with engine.begin() as conn:
            if args.action == "list":
                entries = repo.quarantined(conn)
                for e in entries:
                    print(f"{e.id:>5}  {e.created_at:%Y-%m-%d %H:%M}Z  {e.sender or '?':<32} {e.subject[:40]!r}: "
                          f"{e.reason}")
                print(f"{len(entries)} message(s) in quarantine")
                return 0
            if args.id is None:
                print(f"mentor-agent quarantine {args.action}: give the ID from 'quarantine list'", file=sys.stderr)
                return 2
            entry = repo.quarantine_entry(conn, args.id)
            if entry is None:
                print(f"mentor-agent quarantine: no entry {args.id}", file=sys.stderr)
                return 2
            if args.action == "show":
                print(f"ID {entry.id} from {entry.sender}, subject {entry.subject!r}\nreason: {entry.reason}\n")
                sys.stdout.write(entry.raw.decode("utf-8", "replace"))
                return 0
            mailbox = build_mailbox(program)
            if not mailbox.release(entry.mailbox_key, message_id=entry.message_id or None):
                print(f"mentor-agent quarantine release: message {entry.mailbox_key} is no longer in the "
                      f"quarantine folder of {mailbox.identity}", file=sys.stderr)
                return 1
            repo.release_quarantine(conn, entry.id, datetime.now(UTC))
            print(f"released {entry.id}; it will be handled on the next run")
            return 0
    finally:
        engine.dispose()
