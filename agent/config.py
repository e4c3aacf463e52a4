"""The program's ``config.toml``: one declarative schema, read into a frozen ``Config``.

Each section is a frozen dataclass; each field carries its ``Option`` (kind, default, allowed
values, which backends use it, a check). ``load_config`` walks that schema once and reports every
problem together, each naming the file, line, ``[section] option`` and the bad value -- never the
value of a secret. A password written in the file is accepted with a warning.

Relative paths (roster, rules, templates, Maildir and ``.ics`` folders, password files, a SQLite
file in ``store.url``) are resolved against the folder that holds the config file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from agent.domain.model import CadencePhase
from agent.errors import Problem
from agent.scheduling.hours import HoursSyntaxError, parse_cadence
from agent.tomlpos import Locator, did_you_mean, display, load_toml

REQUIRED: Any = object()
SECRET_KEYS = {"password": "password_env", "client_secret": "client_secret_env"}
_EMAIL = re.compile(r"^[^@\s\"<>,;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


# -- validators shared with the roster: each returns (message, hint) or None ------------------------

def email_problem(value: str) -> tuple[str, str] | None:
    if _EMAIL.match(value):
        return None
    return f'"{value}" is not an email address', 'write it like "name@example.org"'


def zone_problem(value: str) -> tuple[str, str] | None:
    try:
        ZoneInfo(value)
        return None
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        hint = did_you_mean(value, available_timezones()) or 'use an IANA name like "Europe/Berlin"'
        return f'unknown time zone "{value}"', hint


def locale_problem(value: str) -> tuple[str, str] | None:
    import babel

    try:
        babel.Locale.parse(value.replace("-", "_"))
        return None
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return f'unknown locale "{value}"', 'use a language code like "en", "de" or "pt_BR"'


def _cadence_problem(value: list[str]) -> tuple[str, str] | None:
    try:
        parse_cadence(value)
        return None
    except HoursSyntaxError as exc:
        return exc.message, exc.hint


def _video_link_problem(value: str) -> tuple[str, str] | None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        return f"not a valid link template: {exc}", 'double a literal brace: "{{" or "}}"'
    if names - {"pair"}:
        return f"{{{sorted(names - {'pair'})[0]}}} cannot be filled in", "only {pair} can be used in the link"
    return None


def _store_url_problem(value: str) -> tuple[str, str] | None:
    if value.startswith(("sqlite:", "postgresql")):
        return None
    return f'store url "{value}" is not supported', 'use "sqlite:///var/mentor-agent.db" or "postgresql+psycopg://user@host/db"'


def _resolve_sqlite(url: str, folder: Path) -> str:
    """``sqlite:///var/x.db`` is relative to the config folder; make it absolute."""
    prefix = "sqlite:///"
    rest = url[len(prefix):] if url.startswith(prefix) else ""
    if not rest or rest.startswith(("/", ":memory:")):
        return url
    return prefix + str(folder / rest)


# -- the schema --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    """How one key is read: ``kind`` is str, int, bool, list (of strings), path or secret."""

    kind: str = "str"
    choices: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None
    backends: tuple[str, ...] = ()  # the backends that use this key; () means all
    check: Any = None  # callable(value) -> (message, hint) | None
    each: Any = None  # like ``check``, for every item of a list
    convert: Any = None  # callable(value, folder) -> the typed value, after the checks pass


def opt(default: Any = None, **option: Any) -> Any:
    """A dataclass field that carries its ``Option``; REQUIRED as default means the key must be set."""
    value = None if default is REQUIRED else default
    meta = {"option": Option(**option), "required": default is REQUIRED}
    return field(default=value, metadata=meta)


class Secret(str):
    """A password read from the file: its repr and str never show it; ``.reveal()`` does."""

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def reveal(self) -> str:
        return str.__str__(self)


def resolve_secret(env: str | None, path: Path | None, inline: Secret | None) -> str | None:
    """The secret from the environment, a file or the config file, in that order; None if unset."""
    if env:
        return os.environ.get(env)
    if path:
        return path.read_text(encoding="utf-8").strip()
    return inline.reveal() if inline else None


@dataclass(frozen=True)
class ProgramConfig:
    """[program]: who the program is and where its other files are."""

    name: str = opt(REQUIRED)
    address: str = opt(REQUIRED, check=email_problem)
    admins: tuple[str, ...] = opt((), kind="list", each=email_problem)
    roster: Path = opt("roster.toml", kind="path")
    rules: Path = opt("rules", kind="path")
    templates: Path = opt("templates", kind="path")
    share_notes_with_admins: bool = opt(False, kind="bool")
    locale: str = opt("en", check=locale_problem)
    timezone: str = opt("UTC", check=zone_problem)
    trusted_authserv_id: str | None = opt()  # Authentication-Results from this id decide authenticity
    daily_answer_cap: int = opt(10, kind="int", low=1, high=1000)  # automatic answers per sender per day


@dataclass(frozen=True)
class StoreConfig:
    """[store]: the database (SQLite embedded, PostgreSQL to scale out)."""

    url: str = opt("sqlite:///var/mentor-agent.db", check=_store_url_problem, convert=_resolve_sqlite)
    # how long a worker's claim on the mailbox, a due action or an outbox row lasts unless renewed;
    # a dead worker's work is taken over after this
    lease_seconds: int = opt(60, kind="int", low=5, high=3600)

    @property
    def sqlite_path(self) -> Path | None:
        """The database file for a ``sqlite:///`` URL, else None."""
        prefix = "sqlite:///"
        rest = self.url[len(prefix):] if self.url.startswith(prefix) else ""
        return Path(rest) if rest and rest != ":memory:" else None


_SEC = ("tls", "starttls", "none")
DEFAULT_CADENCE = ("weekly x6", "every 2 weeks")


@dataclass(frozen=True)
class MailboxConfig:
    """[mailbox]: where inbound mail is read (Maildir, IMAP, EWS, Graph)."""

    backend: str = opt("maildir", choices=("maildir", "imap", "ews", "graph"))
    path: Path = opt("var/mail/inbox", kind="path", backends=("maildir",))
    host: str | None = opt(backends=("imap",))
    port: int | None = opt(kind="int", low=1, high=65535, backends=("imap",))
    security: str = opt("tls", choices=_SEC, backends=("imap",))
    username: str | None = opt(backends=("imap", "ews"))
    password_env: str | None = opt(backends=("imap", "ews"))
    password_file: Path | None = opt(kind="path", backends=("imap", "ews"))
    password: Secret | None = opt(kind="secret", backends=("imap", "ews"))
    folder: str = opt("INBOX", backends=("imap",))
    processed_folder: str = opt("Processed", backends=("imap", "ews", "graph"))
    quarantine_folder: str = opt("Quarantine", backends=("imap", "ews", "graph"))
    server: str | None = opt(backends=("ews",))
    service_endpoint: str | None = opt(backends=("ews",))
    primary_smtp_address: str | None = opt(check=email_problem, backends=("ews",))
    tenant_id: str | None = opt(backends=("graph",))
    client_id: str | None = opt(backends=("graph",))
    client_secret_env: str | None = opt(backends=("graph",))
    client_secret: Secret | None = opt(kind="secret", backends=("graph",))
    user: str | None = opt(check=email_problem, backends=("graph",))
    auth_type: str | None = opt(choices=("NTLM", "basic", "digest", "no authentication"), backends=("ews",))
    version: str | None = opt(backends=("ews",))  # e.g. "15.1.2507.6": skips the server version probe
    authority_host: str | None = opt(backends=("graph",))  # national clouds; default login.microsoftonline.com
    graph_url: str | None = opt(backends=("graph",))  # default https://graph.microsoft.com/v1.0

    def secret(self) -> str | None:
        """The password (IMAP, EWS) or client secret (Graph), read now from where it is kept."""
        if self.backend == "graph":
            return resolve_secret(self.client_secret_env, None, self.client_secret)
        return resolve_secret(self.password_env, self.password_file, self.password)


@dataclass(frozen=True)
class OutboundConfig:
    """[outbound]: how mail leaves (Maildir, SMTP, EWS, Graph)."""

    backend: str = opt("maildir", choices=("maildir", "smtp", "ews", "graph"))
    path: Path = opt("var/mail/outbox", kind="path", backends=("maildir",))
    host: str | None = opt(backends=("smtp",))
    port: int | None = opt(kind="int", low=1, high=65535, backends=("smtp",))
    security: str = opt("starttls", choices=_SEC, backends=("smtp",))
    username: str | None = opt(backends=("smtp",))
    password_env: str | None = opt(backends=("smtp",))
    password_file: Path | None = opt(kind="path", backends=("smtp",))
    password: Secret | None = opt(kind="secret", backends=("smtp",))
    sent_folder: str | None = opt(backends=("smtp",))  # IMAP folder ([mailbox] account) checked before a resend
    sent_copy: str = opt("append", choices=("append", "server"), backends=("smtp",))

    def secret(self) -> str | None:
        return resolve_secret(self.password_env, self.password_file, self.password)


@dataclass(frozen=True)
class CalendarConfig:
    """[calendar]: where the program keeps its copy of every series."""

    backend: str = opt("ics", choices=("ics", "caldav", "ews", "graph", "none"))
    path: Path = opt("var/calendar", kind="path", backends=("ics",))
    url: str | None = opt(backends=("caldav",))
    username: str | None = opt(backends=("caldav",))
    password_env: str | None = opt(backends=("caldav",))
    password_file: Path | None = opt(kind="path", backends=("caldav",))
    password: Secret | None = opt(kind="secret", backends=("caldav",))
    calendar: str | None = opt(backends=("caldav",))

    def secret(self) -> str | None:
        return resolve_secret(self.password_env, self.password_file, self.password)


@dataclass(frozen=True)
class SchedulingConfig:
    """[scheduling]: meeting length, horizon, notice, cadence and who accommodates."""

    meeting_minutes: int = opt(45, kind="int", low=5, high=480)
    horizon_weeks: int = opt(26, kind="int", low=1, high=52)
    min_notice_hours: int = opt(24, kind="int", low=0, high=24 * 60)
    accommodate: str = opt("mentee", choices=("mentee", "mentor", "alternate"))
    cadence: tuple[CadencePhase, ...] = opt(
        DEFAULT_CADENCE, kind="list", check=_cadence_problem, convert=lambda v, _: parse_cadence(v)
    )
    video_link: str = opt("", check=_video_link_problem)
    book_days_ahead: int = opt(14, kind="int", low=0, high=365)


@dataclass(frozen=True)
class ServiceConfig:
    """[service]: how the daemon presents itself to operators (worker name, logs, health and metrics)."""

    worker_name: str = opt("")  # "" means host name and process id
    log_format: str = opt("text", choices=("text", "json"))
    metrics_host: str = opt("127.0.0.1")
    metrics_port: int = opt(0, kind="int", low=0, high=65535)  # 0: no /healthz and /metrics
    read_ahead: bool = opt(True, kind="bool")  # read the next batch of a backlog in a helper process


SECTIONS: dict[str, type] = {
    "program": ProgramConfig,
    "store": StoreConfig,
    "mailbox": MailboxConfig,
    "outbound": OutboundConfig,
    "calendar": CalendarConfig,
    "scheduling": SchedulingConfig,
    "service": ServiceConfig,
}

# Per section and backend: keys that must be set, and groups of which at least one must be set.
NEEDS: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("mailbox", "imap"): (("host",), ("username",), ("password_env", "password_file", "password")),
    ("mailbox", "ews"): (("server", "service_endpoint"), ("username",), ("password_env", "password_file", "password")),
    ("mailbox", "graph"): (("tenant_id",), ("client_id",), ("client_secret_env", "client_secret")),
    ("outbound", "smtp"): (("host",),),
    ("calendar", "caldav"): (("url",), ("username",), ("password_env", "password_file", "password")),
}
DEFAULT_PORTS = {("mailbox", "tls"): 993, ("mailbox", "starttls"): 143, ("mailbox", "none"): 143,
                 ("outbound", "tls"): 465, ("outbound", "starttls"): 587, ("outbound", "none"): 25}


@dataclass(frozen=True)
class Config:
    """The whole program configuration; ``path`` is the config file, absolute."""

    path: Path
    program: ProgramConfig
    store: StoreConfig = StoreConfig()
    mailbox: MailboxConfig = MailboxConfig()
    outbound: OutboundConfig = OutboundConfig()
    calendar: CalendarConfig = CalendarConfig()
    scheduling: SchedulingConfig = SchedulingConfig()
    service: ServiceConfig = ServiceConfig()

    @property
    def folder(self) -> Path:
        return self.path.parent


def config_path_from(arg: str | None) -> Path:
    """``--config``, else ``$MENTOR_AGENT_CONFIG``, else ``./config.toml``."""
    return Path(arg or os.environ.get("MENTOR_AGENT_CONFIG") or "config.toml")


def load_config(path: Path) -> tuple[Config | None, list[Problem]]:
    """Read and validate ``path``; the Config is None when any problem is an error."""
    config, _, problems = load_config_partial(path)
    return config, problems


def load_config_partial(path: Path) -> tuple[Config | None, dict[str, dict[str, Any]], list[Problem]]:
    """Like ``load_config``, and also every value that was valid, per section (defaults filled in).

    ``check`` uses the partial values to go on checking the roster, rules and templates even when
    some unrelated key of the config is wrong.
    """
    path = Path(path).absolute()
    data, locator, problems = load_toml(path)
    if data is None:
        return None, {}, problems
    reader = _Reader(display(path), locator, path.parent, problems)
    for name, value in data.items():
        if name not in SECTIONS:
            what = f"unknown section [{name}]" if isinstance(value, dict) else f"{name} is outside any section"
            hint = did_you_mean(name, SECTIONS) or "sections are " + ", ".join(f"[{s}]" for s in SECTIONS)
            reader.error((name,), what, hint)
    values = {name: reader.section(name, cls, data.get(name, {})) for name, cls in SECTIONS.items()}
    reader.cross_checks(data, values)
    if any(p.severity == "error" for p in problems):
        return None, values, problems
    sections = {name: cls(**values[name]) for name, cls in SECTIONS.items()}
    return Config(path=path, **sections), values, problems


class _Reader:
    """Walks the schema over one parsed file, appending Problems as it goes."""

    def __init__(self, shown: str, locator: Locator, folder: Path, problems: list[Problem]):
        self.shown, self.locator, self.folder, self.problems = shown, locator, folder, problems

    def error(self, where: tuple, message: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append(Problem.at(self.shown, self.locator.line(where), message, hint, severity))

    def section(self, name: str, cls: type, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.error((name,), f"{name} must be a section [{name}], not {show(raw)}", f"write [{name}] on its own line")
            raw = {}
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key in raw:
            if key not in fields:
                hint = did_you_mean(key, fields) or f"[{name}] takes " + ", ".join(fields)
                self.error((name, key), f"[{name}] has no option {key}", hint)
        backend = None
        if "backend" in fields:
            choices = fields["backend"].metadata["option"].choices
            backend = raw["backend"] if raw.get("backend") in choices else fields["backend"].default
        values: dict[str, Any] = {}
        for key, f in fields.items():
            option: Option = f.metadata["option"]
            if key not in raw:
                if f.metadata["required"]:
                    self.error((name,), f"[{name}] needs {key}", f'add {key} = "..." under [{name}]')
                elif f.default is not None:
                    values[key] = self.convert(option, f.default)
                continue
            if option.backends and backend not in option.backends:
                self.error((name, key), f'[{name}] {key} is not used with backend = "{backend}"',
                           f'remove it, or set backend = "{option.backends[0]}"', "warning")
            value = self.value(name, key, option, raw[key])
            if value is not _BAD:
                values[key] = value
        if values.get("port") is None and (name, values.get("security")) in DEFAULT_PORTS:
            values["port"] = DEFAULT_PORTS[(name, values["security"])]
        return values

    def value(self, section: str, key: str, option: Option, value: Any) -> Any:
        where, secret = (section, key), option.kind == "secret"
        label = f"[{section}] {key} = {show(value, secret)}"
        kind_ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "list": isinstance(value, list) and all(isinstance(v, str) for v in value),
        }.get(option.kind, isinstance(value, str))
        if not kind_ok:
            self.error(where, f"{label} should be {_KIND_WORDS.get(option.kind, 'text in quotes')}",
                       _KIND_HINTS.get(option.kind, f'write {key} = "..."'))
            return _BAD
        if secret:
            self.error(where, f"[{section}] {key} is written in the config file",
                       f'set {SECRET_KEYS[key]} = "NAME" and export NAME', "warning")
            return Secret(value)
        if option.choices and value not in option.choices:
            allowed = ", ".join(f'"{c}"' for c in option.choices)
            hint = did_you_mean(value, option.choices) or f"use one of {allowed}"
            self.error(where, f"{label} is not one of {allowed}", hint)
            return _BAD
        if option.kind == "int" and not (option.low or 0) <= value <= (option.high or value):
            self.error(where, f"{label} is out of range", f"use {option.low} to {option.high}")
            return _BAD
        found = [(where, option.check(value))] if option.check else []
        found += [(where + (i,), option.each(item)) for i, item in enumerate(value)] if option.each else []
        for at, problem in found:
            if problem:
                self.error(at, f"[{section}] {key}: {problem[0]}", problem[1])
        if any(problem for _, problem in found):
            return _BAD
        return self.convert(option, value)

    def convert(self, option: Option, value: Any) -> Any:
        if option.convert:
            return option.convert(value, self.folder)
        if option.kind == "path":
            return self.folder / Path(value).expanduser()
        return tuple(value) if option.kind == "list" else value

    def cross_checks(self, data: dict[str, Any], values: dict[str, dict[str, Any]]) -> None:
        """Keys that depend on the backend, and files and folders that must exist."""
        given = {name: data[name] if isinstance(data.get(name), dict) else {} for name in SECTIONS}
        for (section, backend), groups in NEEDS.items():
            if values[section].get("backend") != backend:
                continue
            for group in groups:
                if not any(key in given[section] for key in group):
                    keys = " or ".join(group)
                    self.error((section, "backend"), f'[{section}] backend = "{backend}" needs {keys}',
                               f'add {group[0]} = "..." under [{section}]')
            if "password_env" in given[section] and "password_file" in given[section]:
                self.error((section, "password_file"), f"[{section}] sets both password_env and password_file",
                           "keep one of them")
            if values[section].get("password_file") and not values[section]["password_file"].is_file():
                self.error((section, "password_file"), f"[{section}] password_file "
                           f"{display(values[section]['password_file'])} does not exist", "create it or fix the path",
                           "warning")
        outbound = values["outbound"]
        if outbound.get("backend") == "smtp" and outbound.get("username") and not (
            {"password_env", "password_file", "password"} & set(given["outbound"])
        ):
            self.error(("outbound", "username"), "[outbound] username is set but no password",
                       'add password_env = "NAME" and export NAME')
        mailbox_backend = values["mailbox"].get("backend")
        for section in ("outbound", "calendar"):
            backend = values[section].get("backend")
            if backend in ("ews", "graph") and mailbox_backend != backend:
                self.error((section, "backend"), f'[{section}] backend = "{backend}" uses the [mailbox] account',
                           f'set [mailbox] backend = "{backend}" too')
        program = values["program"]
        for key, exists, what in (("roster", Path.is_file, "file"), ("rules", Path.is_dir, "folder"),
                                  ("templates", Path.is_dir, "folder")):
            if key in program and not exists(program[key]):
                self.error(("program", key), f"[program] {key}: the {what} {display(program[key])} does not exist",
                           f"create it or set {key} = \"...\" under [program]")


_BAD: Any = object()


def show(value: Any, secret: bool = False) -> str:
    """A value as it would be written in TOML, for messages; secrets are never shown."""
    if secret:
        return "<hidden>"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)

_KIND_WORDS = {"int": "a whole number", "bool": "true or false", "list": "a list of texts in quotes",
               "path": "a path in quotes", "secret": "text in quotes"}
_KIND_HINTS = {"int": "write the number without quotes", "bool": "write true or false without quotes",
               "list": 'write a list like ["a", "b"]', "path": 'write a path like "folder/file"'}
