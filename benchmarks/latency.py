"""Benchmark how long a participant waits: IMAP APPEND -> the agent's answer at the SMTP server.

    python benchmarks/latency.py [--n 200]

Starts its own Dovecot and SMTP sink (tests/servers.py) and the agent as a real process
(``python -m agent run`` with an IMAP mailbox and SMTP outbound, the example roster, rules and
templates). Then, one at a time, it APPENDs an agenda from a mentee and waits until the forward
to the mentor (the ``agenda-to-mentor`` rule) is accepted by the SMTP sink. p50 and p99 are over
``--n`` messages.

Dovecot adds a fixed 0.5 s (NOTIFY_DELAY_MSECS) before it tells an IDLE client about new mail. It
is reported separately: a second client IDLEs on the same folder and timestamps each EXISTS, and
the latency is also shown minus 0.5 s (the agent's own share: its tick, SMTP, the sink).
Last line: ``RESULT p50_s=... p99_s=...`` (targets: p50 <= 1.0 s, p99 <= 2.0 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import Dovecot, SmtpSink  # noqa: E402

MENTEES = {"rania@example.org": "katy@example.org", "mia@example.org": "tom@example.org",
           "li@example.org": "ana@example.org", "priya@example.org": "ana@example.org",
           "omar@example.org": "sam@example.org"}


def agenda(i: int, sender: str) -> bytes:
    return (f"From: {sender}\r\nTo: mentoring@program.example.org\r\nSubject: Agenda for our next meeting\r\n"
            f"Date: Thu, 03 Dec 2026 09:12:00 +0000\r\nMessage-ID: <latency-{i}@mail.example.org>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi,\r\n\r\nAgenda for Thursday:\r\n\r\n"
            f"1. Career plan, question {i}\r\n2. System design interviews\r\n\r\nThanks\r\n").encode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


class IdleWatch:
    """A second IMAP session in IDLE that timestamps every EXISTS: Dovecot's own notification delay."""

    def __init__(self, dovecot: Dovecot):
        self.client = dovecot.client()
        self.client.select_folder("INBOX")
        self.times: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.client.idle()
        while not self.stop.is_set():
            for response in self.client.idle_check(timeout=0.2):
                if len(response) > 1 and response[1] == b"EXISTS":
                    self.times.append(time.time())

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        try:
            self.client.idle_done()
            self.client.logout()
        except Exception:  # noqa: BLE001
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    work.chmod(0o711)
    dovecot = Dovecot(work / "dovecot").start()
    sink = SmtpSink().start()
    config = work / "config.toml"
    config.write_text(f"""
[program]
name = "Latency"
address = "mentoring@program.example.org"
admins = ["coordinator@program.example.org"]
roster = "{ROOT / 'examples' / 'roster.toml'}"
rules = "{ROOT / 'rules'}"
templates = "{ROOT / 'templates'}"
[store]
url = "sqlite:///{work}/store.db"
[mailbox]
backend = "imap"
host = "{dovecot.host}"
port = {dovecot.imap_port}
security = "none"
username = "{dovecot.user}"
password_env = "BENCH_IMAP_PASSWORD"
[outbound]
backend = "smtp"
host = "{sink.host}"
port = {sink.port}
security = "none"
[calendar]
backend = "none"
""")
    env = {**os.environ, "BENCH_IMAP_PASSWORD": dovecot.password, "PYTHONPATH": str(ROOT)}
    log = open(work / "agent.log", "ab")
    agent = subprocess.Popen([sys.executable, "-m", "agent", "run", "--config", str(config),
                              "--now", "2026-12-03T12:00:00+00:00"], env=env, stdout=log, stderr=log)
    watch = None
    try:
        settle(sink)  # the first pass books the pairs and sends their kickoffs
        print(f"agent started; {len(sink.messages)} booking messages sent first")
        watch = IdleWatch(dovecot)
        latencies, idle_delays = [], []
        senders = list(MENTEES)
        with dovecot.client() as client:
            for i in range(args.n):
                sender = senders[i % len(senders)]
                before = len(sink.messages)
                seen_exists = len(watch.times)
                started = time.time()
                client.append("INBOX", agenda(i, sender))
                answer = wait_for_answer(sink, before, MENTEES[sender], agent)
                latencies.append(answer - started)
                if len(watch.times) > seen_exists:
                    idle_delays.append(watch.times[seen_exists] - started)
                time.sleep(0.05)
        agent_share = [lat - 0.5 for lat in latencies]
        print(f"{len(latencies)} messages: APPEND -> answer at the SMTP server")
        print(f"  latency       p50 {percentile(latencies, 50):.3f} s  p99 {percentile(latencies, 99):.3f} s  "
              f"max {max(latencies):.3f} s")
        if idle_delays:
            print(f"  Dovecot IDLE  p50 {percentile(idle_delays, 50):.3f} s  p99 {percentile(idle_delays, 99):.3f} s "
                  f"as seen by a second IDLE session (Dovecot's NOTIFY_DELAY_MSECS is 0.5 s)")
        print(f"  latency minus Dovecot's 0.5 s: p50 {percentile(agent_share, 50):.3f} s  "
              f"p99 {percentile(agent_share, 99):.3f} s (the agent's tick, SMTP and the sink)")
        print(f"RESULT p50_s={percentile(latencies, 50):.3f} p99_s={percentile(latencies, 99):.3f}")
    finally:
        if watch is not None:
            watch.close()
        agent.terminate()
        try:
            agent.wait(30)
        except subprocess.TimeoutExpired:
            agent.kill()
        log.close()
        sink.stop()
        dovecot.stop()


def settle(sink: SmtpSink, quiet: float = 3.0, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if len(sink.messages) != last:
            last, since = len(sink.messages), time.monotonic()
        elif last > 0 and time.monotonic() - since > quiet:
            return
        time.sleep(0.1)
    raise TimeoutError("the agent sent nothing at start-up")


def wait_for_answer(sink: SmtpSink, before: int, recipient: str, agent: subprocess.Popen,
                    timeout: float = 30.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sink.messages[before:]:
            if recipient in message.rcpt_tos:
                return message.received
        if agent.poll() is not None:
            raise RuntimeError(f"the agent exited with {agent.returncode}")
        time.sleep(0.002)
    raise TimeoutError(f"no answer to {recipient} within {timeout} s")


if __name__ == "__main__":
    main()
