"""Benchmark inbound mail end to end over IMAP against the raw client-and-parser rate.

    python benchmarks/ingest.py [--n 10000] [--pairs 50] [--batch 500] [--agent-batch 100] [--profile]

Starts its own Dovecot (tests/servers.py), seeds ``--n`` realistic messages from the roster's
participants with MULTIAPPEND (agendas and notes as plain replies with quoted history,
multipart/alternative replies, out-of-office answers; ~3 KB median), then measures on the same
server and mailbox:

* baseline: imapclient ``FETCH BODY.PEEK[]`` in batches of ``--batch`` UIDs plus the stdlib parse
  (``email.message_from_bytes(policy=default)`` and ``get_body(("plain",)).get_content()``), run
  twice (the first read after APPEND also builds Dovecot's caches; the agent reads after it), the
  faster of the two taken;
* agent: ``mailbox.pending()`` + ``handle_all`` (what the runner does: ``--agent-batch`` messages
  per transaction), i.e. until each message's ledger row and effects (agenda or notes filed, outbox
  rows queued with their rendered content, rules decided) are committed to the SQLite store and the
  message is moved to Processed. Booking happens before the timer
  starts; delivering the outbox afterwards is timed and reported separately.

``--profile`` prints where the agent's time goes (cProfile, top functions by cumulative time).
Last line: ``RESULT agent_msgs_per_s=... baseline=... ratio=...`` (target ratio >= 0.5).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import email
import email.policy
import io
import os
import pstats
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import Dovecot  # noqa: E402

from agent.bootstrap import build_app  # noqa: E402
from agent.check import check_program  # noqa: E402
from agent.inbound import BATCH, handle_all  # noqa: E402
from agent.outbox import flush  # noqa: E402
from agent.runner import tick  # noqa: E402

BOOKING_DAY = datetime(2026, 11, 23, 9, tzinfo=UTC)
MAIL_DAY = datetime(2026, 12, 3, 12, tzinfo=UTC)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Africa/Nairobi",
         "America/Los_Angeles", "Europe/London", "Asia/Tokyo", "America/Sao_Paulo", "Asia/Beirut"]
WORDS = ("career plan interview portfolio design review feedback goal progress team project system talk "
         "certificate promotion salary negotiation mentor meeting deadline architecture cloud python").split()


def roster(pairs: int) -> tuple[str, list[tuple[str, str]]]:
    """A roster of ``pairs`` pairs in ten zones, all with overlapping hours; returns (toml, pairs)."""
    out, people = [], []
    for i in range(pairs):
        mentor, mentee = f"mentor{i}@example.org", f"mentee{i}@example.org"
        for email_, role, zone in ((mentor, "mentor", ZONES[i % 10]), (mentee, "mentee", ZONES[(i + 3) % 10])):
            out.append(f'[[participant]]\nemail = "{email_}"\nname = "{role.title()} {i}"\nrole = "{role}"\n'
                       f'timezone = "{zone}"\nhours = ["Mon-Fri 00:00-24:00"]\n')
        out.append(f'[[pair]]\nmentor = "{mentor}"\nmentee = "{mentee}"\nstart = 2026-12-01\n')
        people.append((mentor, mentee))
    return "\n".join(out), people


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def message(i: int, rng: random.Random, people: list[tuple[str, str]]) -> bytes:
    mentor, mentee = people[i % len(people)]
    kind = rng.random()
    sender = mentee if kind < 0.6 else mentor
    quoted = "\r\n".join("> " + sentence(rng, 12) for _ in range(rng.randint(15, 40)))
    head = (f"From: {sender.split('@')[0]} <{sender}>\r\nTo: Program <mentoring@program.example.org>\r\n"
            f"Date: Thu, 03 Dec 2026 09:{i % 60:02d}:00 +0000\r\nMessage-ID: <bench-{i}@mail.example.org>\r\n"
            f"Received: from mail.example.org (mail.example.org [192.0.2.{i % 250}]) by mx.program.example.org\r\n"
            f"In-Reply-To: <kickoff-{i % 97}@program.example.org>\r\nMIME-Version: 1.0\r\n")
    if kind < 0.45:
        subject = "Agenda for our next meeting"
        text = ("Hi,\r\n\r\nAgenda for Thursday:\r\n\r\n" + "".join(f"{k}. {sentence(rng, 10)}\r\n" for k in range(1, 4))
                + "\r\nProgress on goals:\r\n- Portfolio: 60%\r\n\r\nThanks\r\n")
    elif kind < 0.75:
        subject = "Notes from today's meeting"
        text = ("Notes from our meeting:\r\n\r\nWe agreed:\r\n- " + sentence(rng, 10) + "\r\n\r\nNext steps:\r\n"
                f"- I will {sentence(rng, 6).lower()}\r\n- Mentor will {sentence(rng, 6).lower()}\r\n")
    elif kind < 0.9:
        subject = "Re: Your meeting"
        text = "Thanks, see you then. " + sentence(rng, 20) + "\r\n"
    else:
        subject = "Automatic reply: Agenda"
        text = "I am out of the office until 14 December with limited access to email.\r\n"
        head += "Auto-Submitted: auto-replied\r\n"
    body = f"{text}\r\nOn Mon, 30 Nov 2026, Program wrote:\r\n{quoted}\r\n"
    if rng.random() < 0.2:
        html = "<html><body><p>" + text.replace("\r\n", "<br>") + "</p><blockquote>" + quoted + "</blockquote></body></html>"
        return (head + f"Subject: {subject}\r\nContent-Type: multipart/alternative; boundary=\"b{i}\"\r\n\r\n"
                f"--b{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--b{i}\r\n"
                f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b{i}--\r\n").encode()
    return (head + f"Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()


def write_config(folder: Path, dovecot: Dovecot, roster_path: Path) -> Path:
    config = folder / "config.toml"
    config.write_text(f"""
[program]
name = "Bench"
address = "mentoring@program.example.org"
admins = ["coordinator@program.example.org"]
roster = "{roster_path}"
rules = "{ROOT / 'rules'}"
templates = "{ROOT / 'templates'}"

[store]
url = "sqlite:///{folder}/store.db"

[mailbox]
backend = "imap"
host = "{dovecot.host}"
port = {dovecot.imap_port}
security = "none"
username = "{dovecot.user}"
password_env = "BENCH_IMAP_PASSWORD"

[outbound]
path = "{folder}/outbox"

[calendar]
backend = "none"
""")
    return config


def seed(dovecot: Dovecot, raws: list[bytes], batch: int) -> float:
    started = time.perf_counter()
    with dovecot.client() as client:
        for i in range(0, len(raws), batch):
            client.multiappend("INBOX", raws[i:i + batch])
    return time.perf_counter() - started


def baseline(dovecot: Dovecot, batch: int) -> tuple[float, int]:
    """imapclient FETCH BODY.PEEK[] in batches + stdlib parse with policy=default and the plain body."""
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    with dovecot.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search("ALL"))
        for i in range(0, len(uids), batch):
            for data in client.fetch(uids[i:i + batch], ["BODY.PEEK[]"]).values():
                msg = email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)
                part = msg.get_body(("plain",))
                if part is not None:
                    part.get_content()
                count += 1
    print(f"baseline CPU time (this process): {time.process_time() - cpu:.2f} s")
    return time.perf_counter() - started, count


def agent_run(app, profile: bool, top: int = 35, sort: str = "cumulative",
              batch: int = BATCH) -> tuple[float, dict[str, int], str]:
    statuses: dict[str, int] = {}
    profiler = cProfile.Profile() if profile else None
    helper_cpu = _helper_cpu(app)
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for status in handle_all(app, app.mailbox.pending(), MAIL_DAY, batch):
        statuses[status] = statuses.get(status, 0) + 1
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"agent CPU time (this process): {time.process_time() - cpu:.2f} s"
          + (f"; read-ahead helper process: {_helper_cpu(app) - helper_cpu:.2f} s" if app.read_ahead else ""))
    report = ""
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats(sort).print_stats(top)
        report = buffer.getvalue()
    return elapsed, statuses, report


def _helper_cpu(app) -> float:
    """CPU seconds (user + system) used so far by the read-ahead helper process, from /proc."""
    pool = getattr(app.read_ahead, "_pool", None)
    total = 0.0
    for process in (getattr(pool, "_processes", None) or {}).values():
        try:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--batch", type=int, default=500, help="UIDs per FETCH in the baseline")
    parser.add_argument("--agent-batch", type=int, default=BATCH, help="messages per transaction (1: one by one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-read-ahead", action="store_true", help="read every message in this process")
    parser.add_argument("--top", type=int, default=35, help="functions listed by --profile")
    parser.add_argument("--sort", default="cumulative", help="--profile order: cumulative or tottime")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.chmod(0o711)
    dovecot = Dovecot(work / "dovecot")
    (work / "dovecot").mkdir()
    dovecot.start()
    app = None
    try:
        rng = random.Random(args.seed)
        text, people = roster(args.pairs)
        (work / "roster.toml").write_text(text)
        raws = [message(i, rng, people) for i in range(args.n)]
        sizes = sorted(len(r) for r in raws)
        seconds = seed(dovecot, raws, args.batch)
        print(f"seeded {args.n} messages ({sum(sizes) / 1e6:.1f} MB, median {sizes[len(sizes) // 2]} B) "
              f"with MULTIAPPEND in {seconds:.2f} s ({args.n / seconds:,.0f} msg/s)")

        rates = []
        for attempt in ("cold", "warm"):  # the first read after APPEND also builds Dovecot's caches
            raw_s, count = baseline(dovecot, args.batch)
            rates.append(count / raw_s)
            print(f"baseline ({attempt}): FETCH + parse (policy=default, plain body) of {count} messages in "
                  f"{raw_s:.2f} s = {rates[-1]:,.0f} msg/s")
        base_rate = max(rates)  # the faster of the two: the ratio is never flattered by a slow first read

        os.environ["BENCH_IMAP_PASSWORD"] = dovecot.password
        program, problems = check_program(write_config(work, dovecot, work / "roster.toml"))
        assert program is not None, [str(p) for p in problems]
        app = build_app(program)
        booked = tick_without_mail(app)
        print(f"booked {booked} pairs before timing")
        if args.no_read_ahead:
            app.read_ahead = None
        elif app.read_ahead is not None:
            app.read_ahead.start()  # as the daemon does when it starts
            print("read-ahead helper process started before timing ([service] read_ahead)")
        started = time.perf_counter()
        listed = sum(1 for _ in app.mailbox.pending())  # the adapter alone: FETCH in batches, no parse
        print(f"IMAP adapter alone (pending(), nothing moved): {listed} messages in "
              f"{time.perf_counter() - started:.2f} s = {listed / (time.perf_counter() - started):,.0f} msg/s")
        agent_s, statuses, report = agent_run(app, args.profile, args.top, args.sort, args.agent_batch)
        handled = sum(statuses.values())
        agent_rate = handled / agent_s
        print(f"agent: {handled} messages handled and committed in {agent_s:.2f} s = {agent_rate:,.0f} msg/s "
              f"({', '.join(f'{v} {k}' for k, v in sorted(statuses.items()))})")
        started = time.perf_counter()
        sent = flush(app, MAIL_DAY)
        print(f"then the outbox: {sent} messages delivered (Maildir outbound) in {time.perf_counter() - started:.2f} s")
        if report:
            print(report)
        print(f"RESULT agent_msgs_per_s={agent_rate:.0f} baseline={base_rate:.0f} ratio={agent_rate / base_rate:.2f}")
    finally:
        if app is not None:
            app.close()
        dovecot.stop()


def tick_without_mail(app) -> int:
    """Book every pair (the runner's first pass) without touching the inbox: its mail is timed later."""
    class _Empty:
        identity = app.mailbox.identity

        @staticmethod
        def pending():
            return iter(())

        moving = staticmethod(contextlib.nullcontext)

    real, app.mailbox = app.mailbox, _Empty()
    try:
        return tick(app, BOOKING_DAY).booked
    finally:
        app.mailbox = real


if __name__ == "__main__":
    main()
