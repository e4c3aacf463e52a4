"""The operator's view of a running agent: ``mentor-agent run`` as a real process with
``[service] metrics_port`` set, read through /healthz and /metrics, logging JSON lines, stopped with
SIGTERM like systemd and container runtimes stop it. Also the shipped unit file and Containerfile.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from harness import REPO, example_mail, write_config
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, func, select

from agent.store import tables as t

DEPLOY = REPO / "deploy"
HANG_GUARD = 120  # seconds: only to end a hung test; nothing asserts on time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for(what: str, probe, proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the agent exited ({proc.returncode}) before {what}:\n{log.read_text()}")
        try:
            found = probe()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"no {what} after {HANG_GUARD} s:\n{log.read_text()}")


def scrape(url: str) -> dict[tuple, float]:
    status, text = get(f"{url}/metrics")
    assert status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text.decode()) for s in family.samples}


@pytest.fixture
def running(tmp_path):
    """The example program with mail waiting in its Maildir, run as `mentor-agent run` on a free port."""
    port = free_port()
    config = write_config(tmp_path, extra=f'\n[service]\nmetrics_port = {port}\nlog_format = "json"\n')
    inbox = tmp_path / "inbox" / "new"
    inbox.mkdir(parents=True)
    for name in ("01-agenda-rania.eml", "02-notes-mia.eml", "04-out-of-office-tom.eml", "05-stranger.eml"):
        (inbox / name).write_bytes(example_mail(name))
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "agent", "run", "--config", str(config),
                                 "--now", "2026-12-03T12:00:00Z"], cwd=tmp_path, stdout=stdout, stderr=stderr,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        yield proc, port, tmp_path, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_healthz_metrics_json_logs_and_sigterm(running):
    proc, port, folder, err = running
    url = f"http://127.0.0.1:{port}"
    printed = wait_for("address on stdout", lambda: re.search(r"serving (\S+)/metrics",
                                                              (folder / "stdout.txt").read_text()), proc, err)
    assert printed.group(1) == url

    body = wait_for("healthy /healthz", lambda: (lambda r: r[0] == 200 and json.loads(r[1]))(get(f"{url}/healthz")),
                    proc, err)
    assert body["status"] == "ok" and body["store"] == "ok" and body["last_tick_ok"] is True

    metrics = scrape(url)
    engine = create_engine(f"sqlite:///{folder}/store.db")
    with engine.connect() as conn:
        rows = conn.execute(select(t.ledger.c.status, func.count()).group_by(t.ledger.c.status))
        ledger = Counter({status: count for status, count in rows})
    engine.dispose()
    assert (ledger["processed"], ledger["quarantined"]) == (3, 1)  # agenda, notes, out of office; the stranger
    for status in ("processed", "duplicate", "quarantined"):
        assert metrics[("mentor_agent_messages_total", (("status", status),))] == ledger[status]
    assert metrics[("mentor_agent_quarantine_waiting", ())] == 1
    assert metrics[("mentor_agent_outbox_sent_total", ())] >= 1
    assert metrics[("mentor_agent_pairs", (("status", "booked"),))] == 5
    assert metrics[("mentor_agent_store_up", ())] == 1 and metrics[("mentor_agent_last_tick_ok", ())] == 1
    assert metrics[("mentor_agent_last_tick_timestamp_seconds", ())] > 0
    workers = [dict(labels)["worker"] for name, labels in metrics if name == "mentor_agent_worker_info"]
    assert workers == [body["worker"]] and workers[0]
    leases = {dict(labels)["holder"]: value for (name, labels), value in metrics.items()
              if name == "mentor_agent_lease_held" and dict(labels)["name"].startswith("mailbox")}
    assert leases == {body["worker"]: 1}  # the only worker reads the mailbox

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=HANG_GUARD) == 0
    lines = [json.loads(line) for line in err.read_text().splitlines() if line.startswith("{")]
    assert any(line["logger"] == "agent.run" and "SIGTERM" in line["message"] for line in lines)
    assert {line["worker"] for line in lines if line["logger"] == "agent.run"} == {body["worker"]}
    assert not [line for line in err.read_text().splitlines() if re.match(r"\d{4}-\d\d-\d\d .* INFO ", line)]


def test_a_port_in_use_is_a_runtime_error_with_the_config_named(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = write_config(tmp_path, extra=f"\n[service]\nmetrics_port = {taken.getsockname()[1]}\n")
        done = subprocess.run([sys.executable, "-m", "agent", "run", "--config", str(config)], cwd=tmp_path,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                              timeout=HANG_GUARD)
    assert done.returncode == 1
    assert "cannot serve /metrics and /healthz on 127.0.0.1:" in done.stderr and str(config) in done.stderr


# ---- deploy/: the systemd unit and the Containerfile --------------------------------------------

def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / "mentor-agent.service")
    return parser


def test_the_systemd_unit_has_the_keys_an_operator_relies_on():
    service = unit()["Service"]
    expected = {"Type": "simple", "Restart": "on-failure", "KillSignal": "SIGTERM", "NoNewPrivileges": "yes",
                "ProtectSystem": "strict", "PrivateTmp": "yes"}
    assert {key: service.get(key) for key in expected} == expected
    for key in ("User", "WorkingDirectory", "EnvironmentFile", "ReadWritePaths", "TimeoutStopSec"):
        assert service.get(key), key
    assert re.fullmatch(r"\S*mentor-agent run --config \S+", service["ExecStart"])
    assert int(service["TimeoutStopSec"].rstrip("s")) >= 60  # the loop finishes its message, then waits no more
    assert service["WorkingDirectory"] in service["ReadWritePaths"].split()
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def containerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Containerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_containerfile_names_only_what_exists_and_runs_the_agent():
    steps = containerfile()
    kinds = [kind for kind, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    for kind in ("USER", "VOLUME", "HEALTHCHECK", "EXPOSE", "ENTRYPOINT", "CMD"):
        assert kind in kinds, kind
    for kind, args in steps:
        if kind == "COPY":
            *sources, _target = [a for a in args.split() if not a.startswith("--")]
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    args = dict(steps)
    assert json.loads(args["ENTRYPOINT"]) == ["mentor-agent"] and json.loads(args["CMD"])[0] == "run"
    assert f"127.0.0.1:{args['EXPOSE'].split('/')[0]}/healthz" in args["HEALTHCHECK"]
    assert args["USER"] not in ("root", "0")
    assert args["RUN"].startswith("pip install -e '.[postgres]'")  # editable: shipped rules/templates beside agent/
