"""Secrets never leave the process: not in output, logs, the store, ``status --json`` or ``check``.

The agent runs as an administrator runs it (a subprocess, ``-vv`` debug logging) with the IMAP,
SMTP and CalDAV passwords and the Graph client secret given by environment variables and files,
against the real Dovecot, SMTP sink and Radicale: once with wrong credentials, once with right ones
(the protocol exchanges then include a real LOGIN and AUTH), once against servers that are not
there, and once with Graph pointing at an address that refuses connections. Afterwards every byte
of stdout and stderr of ``run``, ``status --json``, ``check`` and ``quarantine list``, and every
file the program wrote (the SQLite store with its quarantine reasons, audit and outbox, the Maildir
folders, any log) is searched for each secret, also in the encodings a leak would take (base64 as in
SMTP AUTH PLAIN, URL-quoting, repr escapes).
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import pytest
from harness import write_config

from servers import Radicale

REPO = Path(__file__).resolve().parents[2]
NOW = "2026-11-23T09:00:00Z"


def secret(kind: str) -> str:
    return f"{kind}-Pw{uuid.uuid4().hex[:12]}!#"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def forms(value: str) -> set[bytes]:
    """How a secret could appear when leaked: raw, base64 of AUTH PLAIN/LOGIN, URL-quoted, repr-escaped."""
    raw = value.encode()
    found = {raw, urllib.parse.quote(value).encode(), urllib.parse.quote_plus(value).encode(),
             repr(value)[1:-1].encode(), base64.b64encode(raw)}
    for user in ("agent@example.test", "program@example.test"):
        found.add(base64.b64encode(b"\0" + user.encode() + b"\0" + raw))
    found.add(value[:10].encode())  # a truncated secret is still a leak
    return found


class Run:
    """Everything the agent printed and wrote for one program folder."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        self.env, self.outputs = {**os.environ, "PYTHONPATH": pythonpath, **env}, []

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "agent", "-vv", *args, "--config", str(self.folder / "config.toml")],
                              capture_output=True, timeout=180, cwd=self.folder, env=self.env)
        self.outputs.append((" ".join(args), done.stdout + done.stderr))
        return done

    def everything(self) -> None:
        """The whole administrator's tour: run once, then status --json, check, quarantine list."""
        self.cli("run", "--once", "--now", NOW)
        self.cli("status", "--json")
        self.cli("check")
        self.cli("quarantine", "list")

    def assert_no_secret(self, secrets: dict[str, str], secret_files: set[Path]) -> None:
        places = list(self.outputs)
        for path in self.folder.rglob("*"):
            if path.is_file() and path not in secret_files:
                places.append((str(path.relative_to(self.folder)), path.read_bytes()))
        assert len(places) > 4
        for name, value in secrets.items():
            for where, data in places:
                for form in forms(value):
                    assert form not in data, f"the {name} secret is in {where}"


def _files(folder: Path, **secrets: str) -> dict[str, Path]:
    paths = {}
    for name, value in secrets.items():
        paths[name] = folder / f"{name}.secret"
        paths[name].write_text(value + "\n")
        paths[name].chmod(0o600)
    return paths


@pytest.mark.parametrize("refused", ["imap-and-smtp", "caldav"])
def test_wrong_credentials_at_real_servers_leak_nothing(tmp_path, dovecot, smtp_sink, radicale, refused):
    """The run stops at the first refusal, so each refusing server gets its own run."""
    user, _ = dovecot.new_account()
    secrets = {"IMAP": secret("imap"), "SMTP": secret("smtp"), "CalDAV": secret("caldav")}
    files = _files(tmp_path, smtp=secrets["SMTP"])
    calendar = 'backend = "none"'
    if refused == "caldav":
        calendar = (f'backend = "caldav"\nurl = "{radicale.url}"\nusername = "{radicale.username}"\n'
                    f'password_env = "MA_TEST_CALDAV"\ncalendar = "program"')
    smtp_sink.auth_required = True
    try:
        write_config(
            tmp_path,
            mailbox=f'backend = "imap"\nhost = "{dovecot.host}"\nport = {dovecot.imap_port}\nsecurity = "none"\n'
                    f'username = "{user}"\npassword_env = "MA_TEST_IMAP"',
            outbound=f'backend = "smtp"\nhost = "{smtp_sink.host}"\nport = {smtp_sink.port}\nsecurity = "none"\n'
                     f'username = "agent@example.test"\npassword_file = "{files["smtp"]}"',
            calendar=calendar)
        run = Run(tmp_path, {"MA_TEST_IMAP": secrets["IMAP"], "MA_TEST_CALDAV": secrets["CalDAV"]})
        run.everything()
    finally:
        smtp_sink.auth_required = False
    said = b"".join(out for _, out in run.outputs).lower()
    assert b"refused" in said or b"authentication" in said or b"login" in said, run.outputs[0]
    run.assert_no_secret(secrets, set(files.values()))


def test_right_credentials_and_debug_protocol_logs_leak_nothing(tmp_path, dovecot, smtp_sink, server_root):
    user, imap_password = dovecot.new_account()
    secrets = {"IMAP": imap_password, "SMTP": secret("smtp"), "CalDAV": secret("caldav")}
    smtp_sink.users["agent@example.test"] = secrets["SMTP"]
    own = Radicale(tmp_path.parent / f"radicale-{uuid.uuid4().hex[:6]}", password=secrets["CalDAV"])
    try:
        own.start()
    except Exception as exc:  # noqa: BLE001 - the fixture's policy: no Radicale, no test (CI fails elsewhere)
        pytest.skip(f"Radicale did not start: {exc}")
    try:
        own.make_calendar("program")
        files = _files(tmp_path, imap=secrets["IMAP"], caldav=secrets["CalDAV"])
        write_config(
            tmp_path,
            mailbox=f'backend = "imap"\nhost = "{dovecot.host}"\nport = {dovecot.imap_port}\nsecurity = "none"\n'
                    f'username = "{user}"\npassword_file = "{files["imap"]}"',
            outbound=f'backend = "smtp"\nhost = "{smtp_sink.host}"\nport = {smtp_sink.port}\nsecurity = "none"\n'
                     f'username = "agent@example.test"\npassword_env = "MA_TEST_SMTP"',
            calendar=f'backend = "caldav"\nurl = "{own.url}"\nusername = "{own.username}"\n'
                     f'password_file = "{files["caldav"]}"\ncalendar = "program"')
        run = Run(tmp_path, {"MA_TEST_SMTP": secrets["SMTP"]})
        run.everything()
        assert smtp_sink.messages, run.outputs[0][1][-3000:]
        run.assert_no_secret(secrets, set(files.values()))
    finally:
        smtp_sink.users["agent@example.test"] = "secret"
        own.stop()


def test_unreachable_servers_leak_nothing(tmp_path):
    secrets = {"IMAP": secret("imap"), "SMTP": secret("smtp"), "CalDAV": secret("caldav")}
    files = _files(tmp_path, caldav=secrets["CalDAV"])
    write_config(
        tmp_path,
        mailbox=f'backend = "imap"\nhost = "127.0.0.1"\nport = {closed_port()}\nsecurity = "none"\n'
                f'username = "agent@example.test"\npassword_env = "MA_TEST_IMAP"',
        outbound=f'backend = "smtp"\nhost = "127.0.0.1"\nport = {closed_port()}\nsecurity = "none"\n'
                 f'username = "agent@example.test"\npassword_env = "MA_TEST_SMTP"',
        calendar=f'backend = "caldav"\nurl = "http://agent%40example.test:{urllib.parse.quote(secrets["CalDAV"])}'
                 f'@127.0.0.1:{closed_port()}/"\nusername = "agent@example.test"\npassword_file = "{files["caldav"]}"\n'
                 f'calendar = "program"')
    run = Run(tmp_path, {"MA_TEST_IMAP": secrets["IMAP"], "MA_TEST_SMTP": secrets["SMTP"]})
    run.everything()
    # the CalDAV password is also written into the URL here (administrators do that): still never shown
    run.assert_no_secret(secrets, set(files.values()) | {tmp_path / "config.toml"})


def test_graph_client_secret_leaks_nothing(tmp_path):
    secrets = {"Graph": secret("graph")}
    port = closed_port()
    graph = (f'backend = "graph"\ntenant_id = "00000000-0000-0000-0000-000000000001"\n'
             f'client_id = "00000000-0000-0000-0000-000000000002"\nclient_secret_env = "MA_TEST_GRAPH"\n'
             f'user = "mentoring@program.example.org"\nauthority_host = "http://127.0.0.1:{port}"\n'
             f'graph_url = "http://127.0.0.1:{port}/v1.0"')
    write_config(tmp_path, mailbox=graph, outbound='backend = "graph"', calendar='backend = "graph"')
    run = Run(tmp_path, {"MA_TEST_GRAPH": secrets["Graph"]})
    run.everything()
    run.assert_no_secret(secrets, set())
