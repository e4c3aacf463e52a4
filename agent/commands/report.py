"""``mentor-agent report [--config F] --html OUT.html``: program health as one self-contained page.

Reads the configured store (never writes to it beyond bringing its schema up to date, as ``status``
does) and the roster; a store where nothing is booked yet gives a page with every pair "not started".
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from agent.commands.admin import health
from agent.commands.common import load_program, parse_now
from agent.report.html import PairView, render
from agent.store import repo
from agent.store import tables as t
from agent.store.db import migrate, open_engine

MAX_WEEKS = 52  # the meetings-held chart shows at most a year


def report(args: argparse.Namespace) -> int:
    program = load_program(args.config, quiet_warnings=True)
    now = parse_now(getattr(args, "now", None)) or datetime.now(UTC)
    engine = open_engine(program.config.store.url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            views = pair_views(conn, program.roster, now)
            quarantined = len(repo.quarantined(conn))
    finally:
        engine.dispose()
    page = render(program.config.program.name, now, views, notes=[f"{quarantined} message(s) in quarantine."])
    out = Path(args.html)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, out)
    print(f"wrote {out}: {len(views)} pair(s), {sum(v.held for v in views)} meeting(s) held")
    return 0


def pair_views(conn, roster, now: datetime) -> list[PairView]:
    pending = dict(conn.execute(select(t.due_actions.c.pair_key, func.count())
                                .where(t.due_actions.c.status == "pending").group_by(t.due_actions.c.pair_key)).all())
    views = []
    for pair in roster.pairs:
        mentor, mentee = roster.participants[pair.mentor], roster.participants[pair.mentee]
        row = repo.pair_row(conn, pair.key)
        meetings = repo.occurrences_of(conn, pair.key)
        held = [m for m in meetings if m.starts_at <= now]
        upcoming = [m for m in meetings if m.starts_at > now]
        shown = upcoming[0] if upcoming else held[-1] if held else None
        slot = (shown.starts_at, shown.ends_at) if shown else None
        state = row.status if row else "not started"
        last = row.last_activity_at if row else None
        views.append(PairView(
            mentor=mentor, mentee=mentee, status=state, reason=row.status_reason if row else "",
            next_meeting=upcoming[0].starts_at if upcoming else None, last_activity=last,
            health=health(state, last, now), pending=pending.get(pair.key, 0), held=len(held),
            week=_monday((slot[0] if slot else now).astimezone(mentee.zone).date()), slot=slot,
            held_weeks=_per_week([m.starts_at.astimezone(mentee.zone).date() for m in held],
                                 now.astimezone(mentee.zone).date()),
            rhythm=", ".join(str(phase) for phase in pair.cadence),
        ))
    return views


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _per_week(days: list[date], today: date) -> list[tuple[date, int]]:
    """(Monday, meetings) for every week from the first meeting's to this one, at most ``MAX_WEEKS``."""
    if not days:
        return []
    last = _monday(today)
    first = max(_monday(min(days)), last - timedelta(weeks=MAX_WEEKS - 1))
    counts = {first + timedelta(weeks=n): 0 for n in range((last - first).days // 7 + 1)}
    for day in days:
        if _monday(day) in counts:
            counts[_monday(day)] += 1
    return sorted(counts.items())
