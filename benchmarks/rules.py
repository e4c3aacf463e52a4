"""Benchmark one rule tick over many pairs with the default program (rules/*.toml as shipped).

    python benchmarks/rules.py [--pairs 10000] [--seed 1]

A SQLite store is seeded directly through the repository functions (participants, booked pairs,
a weekly-then-fortnightly series per pair with its occurrences, some action items with due dates),
as if the program had run for a few weeks: booking 10,000 pairs through the engine would measure
scheduling, not rules. Then the runner's rule step is timed, as ``tick`` runs it:

    cold    the first pass of a process: every pair is derived, every due action written; up to 200 fire
    steady  an hour of ticks, one per 30-second poll, after the backlog the seeding left has fired: each
            derives the pairs that need it (changed, a meeting started, the rotation) and fires what
            fell due; the slowest of them is ``tick_s``
    full    one re-derivation of every pair with nothing to change (what a restart costs)

Figures: wall time of each pass, statements are batched per tick (``agent.store.rule_queries``),
peak resident memory of the process (``resource.getrusage``), counts of due actions and firings.
The last line is ``RESULT tick_s=<slowest steady tick> rss_mb=<peak RSS> median_tick_s=...
full_derive_s=... cold_s=...``.
Targets: tick_s <= 1 and rss_mb <= 300 for 10,000 pairs.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from sqlalchemy import func, select  # noqa: E402

from agent.bootstrap import build_app  # noqa: E402
from agent.check import check_program  # noqa: E402
from agent.domain.model import SeriesPlan  # noqa: E402
from agent.store import repo  # noqa: E402
from agent.store import tables as t  # noqa: E402
from agent.timed import derive_all, derive_due, fire_due  # noqa: E402

ZONES = ["America/Los_Angeles", "America/New_York", "America/Sao_Paulo", "Europe/London", "Europe/Berlin",
         "Africa/Nairobi", "Asia/Riyadh", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney"]
NOW = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)  # the program started in December 2026
POLL, TICKS = timedelta(seconds=30), 120


def write_program(folder: Path, pairs: int, rng: random.Random) -> Path:
    people, couples = [], []
    for n in range(pairs):
        mentor, mentee = f"mentor{n}@example.org", f"mentee{n}@example.org"
        for email, role in ((mentor, "mentor"), (mentee, "mentee")):
            people.append(f'[[participant]]\nemail = "{email}"\nname = "{role.title()} {n}"\nrole = "{role}"\n'
                          f'timezone = "{rng.choice(ZONES)}"\nhours = ["Mon-Fri 08:00-20:00"]\n'
                          f'locale = "{rng.choice(["en", "en", "de", "fr", "es", "pt"])}"\n')
        start = date(2026, 12, 1) + timedelta(days=rng.randrange(28))
        couples.append(f'[[pair]]\nmentor = "{mentor}"\nmentee = "{mentee}"\nstart = {start.isoformat()}\n')
    (folder / "roster.toml").write_text("\n".join(people + couples))
    config = folder / "config.toml"
    config.write_text(f"""[program]
name = "Benchmark Mentoring"
address = "mentoring@program.example.org"
admins = ["coordinator@program.example.org"]
roster = "roster.toml"
rules = "{ROOT / 'rules'}"
templates = "{ROOT / 'templates'}"
[store]
url = "sqlite:///{folder}/store.db"
[mailbox]
path = "{folder}/inbox"
[outbound]
path = "{folder}/outbox"
[calendar]
backend = "none"
""")
    return config


def seed(app, rng: random.Random) -> int:
    """Booked pairs with a series each, some activity, flags and action items; returns occurrences written."""
    written = 0
    with app.engine.begin() as conn:
        repo.sync_roster(conn, app.roster.participants.values(), app.roster.pairs, NOW - timedelta(days=60))
        for index, pair in enumerate(app.roster.pairs):
            zone = app.roster.participants[pair.mentor].zone
            first = datetime.combine(pair.start, datetime.min.time(), tzinfo=zone) + timedelta(
                hours=rng.randrange(8, 18), minutes=rng.choice((0, 30)))
            weekly = [first + timedelta(weeks=w) for w in range(6)]
            fortnightly = [weekly[-1] + timedelta(weeks=2 * (w + 1)) for w in range(10)]
            starts = [s.astimezone(UTC) for s in weekly + fortnightly]
            plan = SeriesPlan(tzid=zone.key, dtstart=first, minutes=45, interval_weeks=1, count=len(starts),
                              occurrences=tuple(starts))
            repo.save_series(conn, uid=f"bench-{index}", pair_key=pair.key, phase=0, plan=plan, ics=b"",
                             sequence=0, now=NOW - timedelta(days=60))
            written += len(starts)
            repo.set_pair_status(conn, pair.key, "booked")
            repo.touch_pair(conn, pair.key, NOW - timedelta(days=rng.randrange(40)))
            if rng.random() < 0.05:
                repo.set_flags(conn, pair.key, ["digest"])
            if rng.random() < 0.3:
                ledger = repo.add_ledger(conn, mailbox="bench", mailbox_key=f"k{index}", message_id=f"<m{index}@x>",
                                         content_hash=f"h{index}", sender=pair.mentee, subject="notes", kind="notes",
                                         pair_key=pair.key, status="processed", detail="", processed_at=NOW)
                notes = repo.add_notes(conn, pair_key=pair.key, occurrence_id=None, ledger_id=ledger,
                                       received_at=NOW - timedelta(days=3), text="notes", data={})
                repo.add_action_item(conn, pair_key=pair.key, notes_id=notes, owner=rng.choice(["mentee", "both"]),
                                     text="Send the draft", due=(NOW + timedelta(days=rng.randrange(-2, 10))).date(),
                                     status="open")
    return written


def counts(app) -> dict[str, int]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(t.due_actions.c.status, func.count()).group_by(t.due_actions.c.status))
        return dict(rows.all())


def timed_pass(app, now: datetime) -> tuple[float, float, int, int]:
    """One rule step as ``tick`` runs it: (total seconds, derive seconds, due actions wanted, fired)."""
    started = time.perf_counter()
    with app.engine.begin() as conn:
        wanted = derive_due(app, conn, now)
    derived = time.perf_counter()
    fired = fire_due(app, now)
    return time.perf_counter() - started, derived - started, wanted, fired


def catch_up(app, now: datetime) -> tuple[int, float]:
    """Fire the backlog the seeding left (as after downtime); returns (fired, seconds)."""
    started, fired = time.perf_counter(), 0
    while True:
        acted = fire_due(app, now)
        fired += acted
        if not counts_due(app, now):
            return fired, time.perf_counter() - started


def counts_due(app, now: datetime) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.due_actions).where(
            t.due_actions.c.status == "pending", t.due_actions.c.due_at <= now)).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        program, problems = check_program(write_program(folder, args.pairs, rng))
        assert program is not None, [str(p) for p in problems]
        app = build_app(program)
        occurrences = seed(app, rng)
        print(f"seeded {args.pairs} pairs, {occurrences} meetings, {len(program.rules)} rules "
              f"in {time.perf_counter() - started:.1f} s")
        cold_s, derive_s, wanted, fired = timed_pass(app, NOW)
        print(f"cold pass: {cold_s:.3f} s (derive {derive_s:.3f} s); {wanted} due actions wanted, {fired} fired")
        backlog, backlog_s = catch_up(app, NOW)
        print(f"catch-up after the seeding (like after downtime): {backlog} fired in {backlog_s:.1f} s "
              f"({backlog / max(backlog_s, 1e-9):.0f}/s); {counts(app)}")
        warm, fired_total = [], 0
        for tick in range(1, TICKS + 1):  # an hour of ticks, one per 30-second poll
            warm_s, derive_s, wanted, fired = timed_pass(app, NOW + tick * POLL)
            warm.append(warm_s)
            fired_total += fired
        warm.sort()
        print(f"steady ticks over {TICKS * POLL} (every {POLL.seconds} s): median {warm[len(warm) // 2]:.3f} s, "
              f"max {warm[-1]:.3f} s; {fired_total} actions fired")
        started = time.perf_counter()
        with app.engine.begin() as conn:
            derive_all(app, conn, NOW + (TICKS + 1) * POLL)
        full_s = time.perf_counter() - started
        print(f"a full re-derivation of every pair with nothing to change (after a restart): {full_s:.3f} s")
        app.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss_mb:.0f} MB")
    print(f"RESULT tick_s={warm[-1]:.3f} rss_mb={rss_mb:.0f} median_tick_s={warm[len(warm) // 2]:.3f} "
          f"full_derive_s={full_s:.3f} cold_s={cold_s:.3f}")


if __name__ == "__main__":
    main()
