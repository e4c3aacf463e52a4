"""Scale-out: the same timed workload done by one worker and by two on PostgreSQL, and SQLite vs PostgreSQL.

    python benchmarks/scaleout.py [--actions 1500] [--pairs 50] [--runs 1] [--profile]

The workload is what several workers share: ``--actions`` open action items due now, spread over
``--pairs`` booked pairs in one zone, with one rule (``action_item_due``, quiet hours off). Each item
is a due action; firing it decides the rule (``rule_firings``), renders the reminder into the outbox
and finishes the action in one transaction; delivering it composes the bytes and writes one file to
a Maildir outbound. Inbound mail is left out on purpose: one mailbox is read by one worker at a time
by design (a lease), so it does not scale out; due actions and outbox rows do (claims with SKIP
LOCKED). The Maildir outbound keeps an SMTP server's own speed out of the figure.

Each run gets a fresh store seeded identically (pairs booked, items written and the due actions
derived, untimed). The workers are real ``run_forever`` loops in subprocesses; they start, migrate,
mirror the roster and derive (finding every due action there already) before the clock starts, then
are released together. The time is until every due action is done and the outbox is empty, polled
from this process every 20 ms; then the workers get SIGTERM. PostgreSQL is a throwaway cluster
(tests/servers.py) on this machine, so its server processes share the same cores as the workers.

``--profile`` also runs one worker in this process on PostgreSQL under cProfile and prints where its
time goes. Last line: ``RESULT one_worker=<actions/s> two_workers=<actions/s> ratio=<two/one>``
(target ratio >= 1.6 on 2 cores), preceded by the SQLite figure.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import Postgres  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from agent.bootstrap import build_app  # noqa: E402
from agent.check import check_program  # noqa: E402
from agent.store import repo  # noqa: E402
from agent.store import tables as t  # noqa: E402
from agent.timed import derive_all, derive_due  # noqa: E402

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
RULE = """[[rule]]
name = "action-item-due"
description = "Remind the owner of an action item on its due date."
trigger = "action_item_due"
at = "09:00"
action = "send"
template = "action_item_reminder"
to = "owner"
quiet_hours = "off"
"""

WORKER = """
import logging, os, sys, time
from datetime import datetime
from pathlib import Path
logging.basicConfig(level=os.environ.get("SCALEOUT_LOG", "WARNING"), format="%(asctime)s %(process)d %(name)s %(message)s")
from agent.bootstrap import build_app
from agent.check import check_program
from agent.runner import fixed_clock, run_forever
from agent.store import repo
from agent.timed import derive_due
now = datetime.fromisoformat(sys.argv[2])
program, problems = check_program(Path(sys.argv[1]))
app = build_app(program)
with app.engine.begin() as conn:  # warm up: what a running worker has done already
    repo.sync_roster(conn, program.roster.participants.values(), program.roster.pairs, now)
    derive_due(app, conn, now)
app.roster_synced = True
print("ready", flush=True)
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.002)
run_forever(app, fixed_clock(now), poll_seconds=0.5)
"""


def write_program(folder: Path, store_url: str, pairs: int) -> Path:
    people, couples = [], []
    for n in range(pairs):
        for role in ("mentor", "mentee"):
            people.append(f'[[participant]]\nemail = "{role}{n}@example.org"\nname = "{role.title()} {n}"\n'
                          f'role = "{role}"\ntimezone = "Europe/London"\nhours = ["Mon-Fri 08:00-20:00"]\n')
        couples.append(f'[[pair]]\nmentor = "mentor{n}@example.org"\nmentee = "mentee{n}@example.org"\n'
                       f'start = 2026-11-01\n')
    (folder / "roster.toml").write_text("\n".join(people + couples))
    (folder / "rules").mkdir(exist_ok=True)
    (folder / "rules" / "10-items.toml").write_text(RULE)
    config = folder / "config.toml"
    config.write_text(f"""[program]
name = "Scale-out Benchmark"
address = "mentoring@program.example.org"
admins = ["coordinator@program.example.org"]
roster = "roster.toml"
rules = "rules"
templates = "{ROOT / 'templates'}"
timezone = "Europe/London"
[store]
url = "{store_url}"
lease_seconds = 30
[mailbox]
path = "{folder}/inbox"
[outbound]
path = "{folder}/outbox"
[calendar]
backend = "none"
""")
    return config


def seed(config: Path, actions: int) -> None:
    """Booked pairs, ``actions`` open items due today, and their due actions derived (untimed)."""
    program, problems = check_program(config)
    assert program is not None, [str(p) for p in problems]
    app = build_app(program)
    pairs = program.roster.pairs
    with app.engine.begin() as conn:
        repo.sync_roster(conn, program.roster.participants.values(), pairs, NOW - timedelta(days=30))
        notes = {}
        for n, pair in enumerate(pairs):
            repo.set_pair_status(conn, pair.key, "booked")
            ledger = repo.add_ledger(conn, mailbox="seed", mailbox_key=f"k{n}", message_id=f"<seed-{n}@x>",
                                     content_hash=f"h{n}", sender=pair.mentee, subject="notes", kind="notes",
                                     pair_key=pair.key, status="processed", detail="", processed_at=NOW)
            notes[pair.key] = repo.add_notes(conn, pair_key=pair.key, occurrence_id=None, ledger_id=ledger,
                                             received_at=NOW - timedelta(days=3), text="notes", data={})
        for i in range(actions):
            pair = pairs[i % len(pairs)]
            repo.add_action_item(conn, pair_key=pair.key, notes_id=notes[pair.key], owner="mentee",
                                 text=f"Send the draft, part {i}", due=NOW.date(), status="open")
    with app.engine.begin() as conn:
        wanted = derive_all(app, conn, NOW)
    assert wanted == actions, (wanted, actions)
    app.close()


def remaining(engine) -> int:
    with engine.connect() as conn:
        due = conn.execute(select(func.count()).select_from(t.due_actions)
                           .where(t.due_actions.c.status == "pending")).scalar_one()
        out = conn.execute(select(func.count()).select_from(t.outbox)
                           .where(t.outbox.c.status == "pending")).scalar_one()
    return due + out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def postgres_pids(server: Postgres | None) -> list[int]:
    """The cluster's processes (postmaster and its children: backends, WAL writer, ...)."""
    if server is None or server.proc is None:
        return []
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == server.proc.pid:
                    children.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return [server.proc.pid, *children]


def timed_run(folder: Path, store_url: str, workers: int, *, actions: int, pairs: int,
              server: Postgres | None = None) -> float:
    """Seconds for ``workers`` worker processes to fire ``actions`` due actions and deliver their mail;
    prints the CPU the workers and the database used in that time."""
    folder.mkdir(parents=True)
    config = write_program(folder, store_url, pairs)
    seed(config, actions)
    go = folder / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = open(folder / "workers.log", "ab")
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(config), NOW.isoformat(), str(go)], env=env,
                              stdout=subprocess.PIPE, stderr=log, cwd=folder) for _ in range(workers)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == b"ready", f"a worker failed; see {folder}/workers.log"
        from agent.store.db import open_engine

        engine = open_engine(store_url)
        worker_pids, db_pids = [p.pid for p in procs], postgres_pids(server)
        cpu_before = cpu_seconds(worker_pids), cpu_seconds(db_pids)
        started = time.perf_counter()
        go.touch()
        while remaining(engine):
            assert all(p.poll() is None for p in procs), f"a worker died; see {folder}/workers.log"
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        used = cpu_seconds(worker_pids) - cpu_before[0], cpu_seconds(db_pids) - cpu_before[1]
        engine.dispose()
        print(f"  {workers} worker(s): {elapsed:.2f} s wall; CPU: workers {used[0]:.2f} s "
              f"({1000 * used[0] / actions:.1f} ms/action), database {used[1]:.2f} s; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(60)
        log.close()
    sent = len(list((folder / "outbox" / "new").iterdir()))
    assert sent == actions, f"{sent} mails for {actions} actions"
    return elapsed


def profile(folder: Path, store_url: str, *, actions: int, pairs: int) -> None:
    """One worker in this process under cProfile: where a worker's time goes."""
    from agent.runner import tick

    folder.mkdir(parents=True)
    config = write_program(folder, store_url, pairs)
    seed(config, actions)
    program, _ = check_program(config)
    app = build_app(program)
    with app.engine.begin() as conn:  # warm, as the timed workers are: roster mirrored, actions derived
        repo.sync_roster(conn, program.roster.participants.values(), program.roster.pairs, NOW)
        derive_due(app, conn, NOW)
    app.roster_synced = True
    repo_engine = app.engine
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    while remaining(repo_engine):
        tick(app, NOW)
    profiler.disable()
    print(f"profile: one in-process worker, {time.perf_counter() - started:.2f} s (with profiling overhead)")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(r"agent/|sqlalchemy/engine/base|psycopg/cursor", 30)
    print(out.getvalue())
    app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=1500)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1, help="repeat each configuration, keep the best")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mentor-agent-scaleout-"))
    root.chmod(0o711)
    server = Postgres(root / "postgres")
    (root / "postgres").mkdir()
    (root / "postgres").chmod(0o711)
    server.start()
    try:
        size = dict(actions=args.actions, pairs=args.pairs)
        best: dict[str, float] = {}
        for run in range(args.runs):
            for name, workers in (("pg1", 1), ("pg2", 2)):
                seconds = timed_run(root / f"{name}-{run}", server.create_database(), workers, server=server, **size)
                print(f"PostgreSQL, {workers} worker(s): {seconds:.2f} s, {args.actions / seconds:.0f} actions/s",
                      flush=True)
                best[name] = min(best.get(name, seconds), seconds)
            seconds = timed_run(root / f"sqlite-{run}", f"sqlite:///{root}/sqlite-{run}.db", 1, **size)
            print(f"SQLite, 1 worker: {seconds:.2f} s, {args.actions / seconds:.0f} actions/s", flush=True)
            best["sqlite"] = min(best.get("sqlite", seconds), seconds)
        if args.profile:
            profile(root / "profile", server.create_database(), **size)
        one, two, lite = (args.actions / best[k] for k in ("pg1", "pg2", "sqlite"))
        print(f"os.cpu_count()={os.cpu_count()}; load average {os.getloadavg()[0]:.1f} at the end")
        print(f"sqlite_one_worker={lite:.0f} actions/s postgresql_one_worker={one:.0f} actions/s "
              f"(sqlite/postgresql {lite / one:.2f})")
        print(f"RESULT one_worker={one:.1f} two_workers={two:.1f} ratio={two / one:.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
