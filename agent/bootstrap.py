"""The one place where adapters are built from the configuration and wired into an ``App``.

Secrets are read here, from the environment (``password_env``) or a file (``password_file``), at the
moment a connection needs them; they are never stored in the config objects' reprs or in logs.
"""

from __future__ import annotations

import os
from pathlib import Path

from agent.app import App
from agent.check import Program
from agent.errors import ConfigError, NotBuiltYet, Problem
from agent.ports import Calendar, Mailbox, Outbound
from agent.store.db import migrate, open_engine
from agent.templating import Templates


class _NoCalendar(Calendar):
    """``backend = "none"``: the program keeps no calendar copy (invitations still go out)."""

    def put(self, uid: str, ics: bytes) -> None:
        return None

    def get(self, uid: str) -> bytes | None:
        return None

    def remove(self, uid: str) -> None:
        return None


def secret(section, config_path: Path) -> str | None:
    """The section's secret (environment, then file, then inline); an unset variable is a config error."""
    env_name = getattr(section, "password_env", None) or getattr(section, "client_secret_env", None)
    if env_name and env_name not in os.environ:
        raise ConfigError([Problem.at(config_path, 1, f"environment variable {env_name} is not set",
                                      f"export {env_name}=... before starting the agent")])
    return section.secret()


def build_mailbox(program: Program) -> Mailbox:
    config = program.config
    section = config.mailbox
    if section.backend == "maildir":
        from agent.mail.maildir import MaildirMailbox

        return MaildirMailbox(section.path, section.processed_folder, section.quarantine_folder)
    if section.backend == "imap":
        from agent.mail.imap import ImapMailbox

        return ImapMailbox(section.host, section.port or (993 if section.security == "tls" else 143),
                           section.security, section.username, secret(section, config.path),
                           folder=section.folder, processed_folder=section.processed_folder,
                           quarantine_folder=section.quarantine_folder)
    raise NotBuiltYet(f"mailbox backend {section.backend!r} is not built yet (use maildir or imap)")


def build_outbound(program: Program) -> Outbound:
    config = program.config
    section = config.outbound
    if section.backend == "maildir":
        from agent.mail.maildir import MaildirOutbound

        return MaildirOutbound(section.path)
    if section.backend == "smtp":
        from agent.mail.smtp import SmtpOutbound

        default_port = {"tls": 465, "starttls": 587}.get(section.security, 25)
        return SmtpOutbound(section.host, section.port or default_port, section.security, section.username,
                            secret(section, config.path))
    raise NotBuiltYet(f"outbound backend {section.backend!r} is not built yet (use maildir or smtp)")


def build_calendar(program: Program) -> Calendar:
    config = program.config
    section = config.calendar
    if section.backend == "ics":
        from agent.calendar.ics_folder import IcsFolderCalendar

        return IcsFolderCalendar(section.path)
    if section.backend == "caldav":
        from agent.calendar.caldav import CalDavCalendar

        return CalDavCalendar(section.url, section.username, secret(section, config.path), section.calendar)
    if section.backend == "none":
        return _NoCalendar()
    raise NotBuiltYet(f"calendar backend {section.backend!r} is not built yet (use ics, caldav or none)")


def build_app(program: Program, *, migrate_store: bool = True) -> App:
    engine = open_engine(program.config.store.url)
    if migrate_store:
        migrate(engine)
    return App(
        program=program,
        templates=Templates(program.templates_dirs),
        engine=engine,
        mailbox=build_mailbox(program),
        outbound=build_outbound(program),
        calendar=build_calendar(program),
    )
