"""Real protocol servers on 127.0.0.1 for the integration tests.

    Dovecot     IMAP + LMTP (Debian ``dovecot-imapd dovecot-lmtpd``), generated config, nothing from /etc
    Radicale    CalDAV (PyPI ``radicale>=3.9``), ``python -m radicale --config <generated>``
    SmtpSink    aiosmtpd in a thread; records messages, optional AUTH, injectable 4xx/5xx answers
    Postgres    a throwaway cluster made with initdb/pg_ctl, trust auth, loopback only

Each class starts in its own work folder on free ports and stops cleanly. A missing binary raises
``ServerUnavailable`` (the fixtures turn that into skip, or fail under CI); any other start-up
failure raises ``RuntimeError`` with the tail of the server's log. The traps these classes avoid
are explained in the comments where they are avoided.
"""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

HOST = "127.0.0.1"


class ServerUnavailable(Exception):
    """The server's software is not installed here (a skip locally, a failure in CI)."""


def free_port(host: str = HOST) -> int:
    """A port that is free now. aiosmtpd's Controller(port=0) cannot be used, so ports are picked first."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_banner(host: str, port: int, prefix: bytes, timeout: float, proc: subprocess.Popen) -> None:
    """Wait for a greeting, not a TCP connect: Dovecot accepts before its auth process is ready."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited early with code {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                data = s.recv(512)
                if data.startswith(prefix):
                    return
                last = data
        except OSError as exc:
            last = exc
        time.sleep(0.01)
    raise TimeoutError(f"{host}:{port} not ready after {timeout}s (last: {last!r})")


def ensure_traversable(path: Path) -> None:
    """Add o+x to every ancestor lacking it: Dovecot's auth (user dovecot) and mail (nobody)
    processes, and postgres, must reach files below pytest's 0700 temp folders."""
    for d in [path, *path.parents]:
        mode = d.stat().st_mode
        if not mode & 0o001:
            os.chmod(d, (mode & 0o7777) | 0o001)


def log_tail(*paths: Path, lines: int = 30) -> str:
    out: list[str] = []
    for p in paths:
        try:
            out += p.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            pass
    return "\n".join(out) or "(empty log)"


def stop_process(proc: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """Terminate a server we started (its own session), killing the group if it hangs."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --------------------------------------------------------------------------- Dovecot

DOVECOT_CONF = """\
# generated for tests; nothing from /etc/dovecot is read
base_dir = {w}/run
state_dir = {w}/state
instance_name = dovecot-test-{imap_port}
listen = {host}
protocols = imap lmtp
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = {w}/dovecot.log
info_log_path = {w}/dovecot.log
default_internal_user = {internal_user}
default_login_user = {login_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:{w}/mail/%u/Maildir
mail_fsync = never
passdb {{
  driver = passwd-file
  # one passwd-file per user: a changed file is re-read at most once a second, a new file at once
  args = scheme=PLAIN username_format=%u {w}/passwd/%u
}}
userdb {{
  driver = static
  args = {userdb_args} home={w}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
protocol imap {{
  # the default 10 per user+IP is too few for an agent plus a test's own connections
  mail_max_userip_connections = 200
}}
# No auth penalty (otherwise one wrong-password test slows every later login by 2-15 s);
# no chroot (impossible without root, pointless on loopback).
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp_port}
  }}
}}
"""


class Dovecot:
    """Dovecot IMAP + LMTP with all state under ``workdir``. Each user has its own passwd-file
    (Dovecot re-reads a changed file at most once a second), so ``add_user`` works at once."""

    def __init__(self, workdir: Path, user: str = "program@example.test", password: str = "secret"):
        self.workdir = Path(workdir).resolve()
        self.host = HOST
        self.user, self.password = user, password
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        self.binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        self.doveadm_binary = shutil.which("doveadm") or "/usr/bin/doveadm"
        self.proc: subprocess.Popen | None = None
        self._counter = itertools.count(1)

    @property
    def conf_path(self) -> Path:
        return self.workdir / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.workdir / "dovecot.log"

    def _write_config(self) -> None:
        w = self.workdir
        for d in ("run", "state", "mail", "passwd"):
            (w / d).mkdir(parents=True, exist_ok=True)
        self.add_user(self.user, self.password)
        if os.geteuid() == 0:
            # Dovecot refuses uid 0 for mail ("userdb returned 0 as uid"): mail belongs to nobody,
            # helpers run as the dovecot/dovenull users the Debian package creates.
            internal, login, group = "dovecot", "dovenull", "dovecot"
            userdb = "uid=nobody gid=nogroup"
            ensure_traversable(w)
            os.chown(w / "mail", pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid)
        else:  # rootless: every process runs as us
            internal = login = pwd.getpwuid(os.geteuid()).pw_name
            group = grp.getgrgid(os.getegid()).gr_name
            userdb = f"uid={os.geteuid()} gid={os.getegid()}"
        self.conf_path.write_text(DOVECOT_CONF.format(
            w=w, host=self.host, imap_port=self.imap_port, lmtp_port=self.lmtp_port,
            internal_user=internal, login_user=login, internal_group=group, userdb_args=userdb))

    def start(self, timeout: float = 15.0) -> "Dovecot":
        if not (os.access(self.binary, os.X_OK) and Path("/usr/lib/dovecot/lmtp").exists()):
            raise ServerUnavailable("dovecot not installed (apt-get install dovecot-imapd dovecot-lmtpd)")
        self._write_config()
        out = open(self.workdir / "dovecot.stdout", "ab")
        self.proc = subprocess.Popen([self.binary, "-F", "-c", str(self.conf_path)], stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        try:
            wait_banner(self.host, self.imap_port, b"* OK", timeout, self.proc)
            wait_banner(self.host, self.lmtp_port, b"220", timeout, self.proc)
        except Exception as exc:
            self.stop()
            raise RuntimeError(f"dovecot did not start: {exc}\n{self._tail()}") from None
        return self

    def _tail(self) -> str:
        return log_tail(self.workdir / "dovecot.stdout", self.log_path)

    def stop(self) -> None:
        stop_process(self.proc)  # the master needs ~1 s to stop its children
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop_all(self, sig: int = signal.SIGTERM) -> None:
        """Stop the master and every login and mail process together. ``stop()`` lets IMAP
        sessions that are already running live on for a while; this is what clients see when the
        server goes down (SIGKILL: a crash, connections reset without a BYE)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(10)
        self.proc = None

    def add_user(self, user: str, password: str) -> None:
        (self.workdir / "passwd" / user).write_text(f"{user}:{{PLAIN}}{password}::::::\n")

    def new_account(self) -> tuple[str, str]:
        """A fresh user with an empty mailbox: (user, password)."""
        user = f"u{next(self._counter)}-{uuid.uuid4().hex[:8]}@example.test"
        password = uuid.uuid4().hex
        self.add_user(user, password)
        return user, password

    def client(self, user: str | None = None, password: str | None = None):
        """A logged-in imapclient connection (plaintext: imapclient defaults to ssl=True)."""
        from imapclient import IMAPClient

        c = IMAPClient(self.host, self.imap_port, ssl=False, timeout=10)
        c.login(user or self.user, password if password is not None else self.password)
        return c

    def append(self, raw: bytes, folder: str = "INBOX", user: str | None = None,
               password: str | None = None) -> None:
        with self.client(user, password) as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            c.append(folder, raw)

    def deliver(self, raw: bytes, rcpt: str | None = None, mail_from: str = "sender@example.org") -> None:
        """Deliver like an MTA (LMTP), which adds Return-Path, Delivered-To and Received."""
        with smtplib.LMTP(self.host, self.lmtp_port) as lmtp:
            lmtp.sendmail(mail_from, [rcpt or self.user], raw)

    def maildir(self, user: str | None = None) -> Path:
        """The user's INBOX Maildir (``mail_location`` above)."""
        return self.workdir / "mail" / (user or self.user) / "Maildir"

    def drop_into_maildir(self, raw: bytes, user: str | None = None) -> Path:
        """Put a message straight into the user's INBOX ``new/``, as a local delivery agent would.
        Works while Dovecot is stopped (mail "arriving during an outage"); Dovecot sees it on its
        next look at the folder."""
        root = self.maildir(user)
        ids = (pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid) if os.geteuid() == 0 else None
        for sub in ("", "new", "cur", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)
            if ids:
                os.chown(root / sub, *ids)
        name = f"{int(time.time())}.M{uuid.uuid4().hex}P{os.getpid()}.test"
        tmp = root / "tmp" / name
        tmp.write_bytes(raw)
        if ids:
            os.chown(tmp, *ids)
        return tmp.rename(root / "new" / name)

    def doveadm(self, *args: str) -> str:
        res = subprocess.run([self.doveadm_binary, "-c", str(self.conf_path), *args],
                             capture_output=True, text=True, timeout=30)
        if res.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed ({res.returncode}): {res.stderr.strip()}")
        return res.stdout

    def fresh_folder(self, name: str = "test", user: str | None = None, password: str | None = None) -> str:
        """Create and return a new, empty, uniquely named folder."""
        folder = f"{name}-{next(self._counter)}-{uuid.uuid4().hex[:6]}"
        with self.client(user, password) as c:
            c.create_folder(folder)
        return folder


# --------------------------------------------------------------------------- Radicale

RADICALE_CONF = """\
[server]
hosts = {host}:{port}
max_connections = 20
delay_on_error = 0

[auth]
type = htpasswd
htpasswd_filename = {w}/users
htpasswd_encryption = plain
# Radicale sleeps 0.5-1.5 s on every 401, and every CalDAV client's first request is one
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = {w}/collections

[web]
type = none

[logging]
level = warning
mask_passwords = True
"""


class Radicale:
    """Radicale 3.9 (PyPI; Debian's 3.1.8 lacks free-busy and server-side expand)."""

    def __init__(self, workdir: Path, username: str = "program@example.test", password: str = "secret"):
        self.workdir = Path(workdir).resolve()
        self.host, self.port = HOST, free_port()
        self.username, self.password = username, password
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def log_path(self) -> Path:
        return self.workdir / "radicale.log"

    def start(self, timeout: float = 20.0) -> "Radicale":
        try:
            import radicale  # noqa: F401
        except ImportError:
            raise ServerUnavailable("radicale not installed (pip install 'radicale>=3.9')") from None
        (self.workdir / "collections").mkdir(parents=True, exist_ok=True)
        (self.workdir / "users").write_text(f"{self.username}:{self.password}\n")
        conf = self.workdir / "radicale.conf"
        conf.write_text(RADICALE_CONF.format(host=self.host, port=self.port, w=self.workdir))
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(conf)], stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"radicale exited with {self.proc.returncode}\n{log_tail(self.log_path)}")
            try:
                if self._request("OPTIONS", "/")[0] < 500:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"radicale not ready after {timeout}s\n{log_tail(self.log_path)}")
            time.sleep(0.02)

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        import base64
        import http.client

        conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        conn.request(method, path, body=body, headers={"Authorization": f"Basic {token}", **(headers or {})})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, data

    def make_calendar(self, cal_id: str, name: str | None = None) -> str:
        """MKCALENDAR /<user>/<cal_id>/ (idempotent); returns the calendar's URL."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
            f"<D:displayname>{name or cal_id}</D:displayname>"
            '<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>'
            "</D:prop></D:set></C:mkcalendar>"
        )
        path = f"/{self.username}/{cal_id}/"
        status, data = self._request("MKCALENDAR", path, body.encode(),
                                     {"Content-Type": "application/xml; charset=utf-8"})
        if status not in (201, 405, 409):
            raise RuntimeError(f"MKCALENDAR {path} -> {status} {data[:200]!r}")
        return self.url.rstrip("/") + path

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


# --------------------------------------------------------------------------- SMTP sink


@dataclass
class Captured:
    """One message the sink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None
    received: float = field(default_factory=time.time)

    @property
    def message_id(self) -> str | None:
        return BytesHeaderParser().parsebytes(self.data).get("Message-ID")


class _SinkHandler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if reply := self.sink._take_fault("MAIL"):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if reply := self.sink._take_fault("RCPT"):
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if reply := self.sink._take_fault("DATA"):
            return reply
        data = envelope.original_content or envelope.content
        if self.sink.on_accept is not None:  # e.g. file a Sent copy before the 250, as Gmail does
            self.sink.on_accept(data)
        login = getattr(getattr(session, "auth_data", None), "login", None)
        if isinstance(login, bytes):
            login = login.decode()
        self.sink._record(Captured(envelope.mail_from, list(envelope.rcpt_tos), data, login))
        return "250 2.0.0 OK: queued"


class SmtpSink:
    """aiosmtpd in a background thread. AUTH PLAIN/LOGIN is offered on the plaintext port and
    optional unless ``auth_required``; ``users`` are the accepted credentials."""

    def __init__(self, users: dict[str, str] | None = None, auth_required: bool = False):
        self.host, self.port = HOST, free_port()
        self.users = dict(users or {})
        self.auth_required = auth_required
        self.messages: list[Captured] = []
        self._faults: list[tuple[str, str]] = []  # (stage, reply)
        self.on_accept = None  # called with each accepted message's bytes before the 250 is sent
        self._cond = threading.Condition()
        self._controller = None

    def start(self) -> "SmtpSink":
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            raise ServerUnavailable("aiosmtpd not installed (pip install aiosmtpd)") from None
        self._controller = Controller(
            _SinkHandler(self), hostname=self.host, port=self.port, authenticator=self._authenticate,
            auth_require_tls=False, auth_required=self.auth_required, ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        # auth_data keeps the login visible on the session; handled=False makes aiosmtpd answer
        # 535 itself (the default handled=True on a failure sends nothing and the client hangs)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def fail_next(self, code: int, n: int = 1, stage: str = "DATA", text: str = "injected failure") -> None:
        """Answer the next ``n`` MAIL/RCPT/DATA commands (``stage``) with ``code``."""
        with self._cond:
            self._faults += [(stage.upper(), f"{code} {text}")] * n

    def _take_fault(self, stage: str) -> str | None:
        with self._cond:
            for i, (s, reply) in enumerate(self._faults):
                if s == stage:
                    del self._faults[i]
                    return reply
        return None

    def _record(self, msg: Captured) -> None:
        with self._cond:
            self.messages.append(msg)
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()
            self._faults.clear()
            self.on_accept = None

    def wait_for(self, n: int = 1, timeout: float = 10.0) -> list[Captured]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"expected {n} messages, got {len(self.messages)}")
                self._cond.wait(left)
            return list(self.messages)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_bindir() -> Path | None:
    """The newest Debian server bindir, else the folder of ``postgres`` on PATH (wrappers in
    /usr/local/bin may provide initdb and pg_ctl but not the server binary itself)."""
    def version(p: Path) -> int:
        name = p.parent.parent.name
        return int(name) if name.isdigit() else 0

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=version)
    if candidates:
        return candidates[-1].parent
    found = shutil.which("postgres")
    if found and (Path(found).parent / "initdb").exists():
        return Path(found).parent
    return None


class Postgres:
    """A throwaway cluster: trust auth, TCP on 127.0.0.1 only, unix sockets in its own folder.
    initdb refuses to run as root, so as root everything runs as the ``postgres`` system user."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir).resolve()
        self.host, self.port = HOST, free_port()
        self.bindir = _pg_bindir()
        self.proc: subprocess.Popen | None = None
        self._counter = itertools.count(1)

    @property
    def datadir(self) -> Path:
        return self.workdir / "data"

    @property
    def log_path(self) -> Path:
        return self.workdir / "postgres.log"

    @staticmethod
    def _as_postgres() -> dict:
        """Popen arguments that drop root (the child itself becomes postgres: no runuser wrapper
        that would swallow the shutdown signal)."""
        if os.geteuid() != 0:
            return {}
        pw = pwd.getpwnam("postgres")
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": [],
                "env": {**os.environ, "HOME": pw.pw_dir, "USER": "postgres", "LOGNAME": "postgres"}}

    def _run(self, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, **self._as_postgres(), capture_output=True, text=True, timeout=timeout,
                              cwd=self.workdir, start_new_session=True)

    def start(self) -> "Postgres":
        if self.bindir is None:
            raise ServerUnavailable("PostgreSQL server binaries not installed (apt-get install postgresql)")
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise ServerUnavailable("running as root but there is no 'postgres' system user") from None
            ensure_traversable(self.workdir)
            os.chown(self.workdir, pw.pw_uid, pw.pw_gid)
        res = self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                        "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
        if res.returncode != 0:
            raise RuntimeError(f"initdb failed ({res.returncode}):\n{res.stdout[-2000:]}{res.stderr[-2000:]}")
        return self._launch()

    def restart(self, down_seconds: float = 0.0) -> "Postgres":
        """Stop the cluster (fast shutdown: every client is disconnected), stay down ``down_seconds``,
        and start it again on the same port and data: what a worker sees when its database restarts."""
        self.stop()
        time.sleep(down_seconds)
        return self._launch()

    def _launch(self) -> "Postgres":
        # postgres itself, not pg_ctl: it stays our child, so it is stopped like the other servers
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(self.bindir / "postgres"), "-D", str(self.datadir), "-p", str(self.port),
             "-c", f"listen_addresses={self.host}", "-c", f"unix_socket_directories={self.workdir}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=50"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            cwd=self.workdir, **self._as_postgres())
        log.close()
        deadline = time.monotonic() + 30
        while not self._accepts_connections():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"postgres did not start\n{log_tail(self.log_path)}")
            time.sleep(0.05)
        return self

    def _accepts_connections(self) -> bool:
        import psycopg

        try:
            psycopg.connect(host=self.host, port=self.port, user="postgres", dbname="postgres",
                            connect_timeout=2).close()
            return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # "fast" shutdown: disconnect clients, then exit
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        import psycopg

        name = name or f"test_{next(self._counter)}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(host=self.host, port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
