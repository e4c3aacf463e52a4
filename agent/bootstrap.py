"""The one place where adapters are built from the configuration and wired into an ``App``.

Secrets are read here, from the environment (``password_env``) or a file (``password_file``), at the
moment a connection needs them; they are never stored in the config objects' reprs or in logs.
"""

from __future__ import annotations

import os
from pathlib import Path

from agent.app import App
from agent.readahead import ReadAhead
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
    if section.backend == "ews":
        from agent.mail.ews import EwsMailbox

        return EwsMailbox(ews_session(program), section.processed_folder, section.quarantine_folder)
    if section.backend == "graph":
        from agent.mail.graph import GraphMailbox

        return GraphMailbox(graph_client(program), section.processed_folder, section.quarantine_folder)
    raise NotBuiltYet(f"mailbox backend {section.backend!r} is not built yet (use maildir, imap, ews or graph)")


def build_outbound(program: Program) -> Outbound:
    config = program.config
    section = config.outbound
    if section.backend == "maildir":
        from agent.mail.maildir import MaildirOutbound

        return MaildirOutbound(section.path)
    if section.backend == "smtp":
        from agent.mail.smtp import ImapSettings, SentFolderCheck, SmtpOutbound

        default_port = {"tls": 465, "starttls": 587}.get(section.security, 25)
        outbound = SmtpOutbound(section.host, section.port or default_port, section.security, section.username,
                                secret(section, config.path))
        if section.sent_folder:
            box = config.mailbox
            if box.backend != "imap":
                raise ConfigError([Problem.at(config.path, 1, "[outbound] sent_folder needs [mailbox] backend = \"imap\"")])
            imap = ImapSettings(box.host, box.port or (993 if box.security == "tls" else 143), box.security,
                                box.username, secret(box, config.path))
            outbound = SentFolderCheck(outbound, imap, folder=section.sent_folder, append=section.sent_copy == "append")
        return outbound
    if section.backend == "ews":  # the [mailbox] account sends (config.py checks that it is EWS too)
        from agent.mail.ews import EwsOutbound

        return EwsOutbound(ews_session(program))
    if section.backend == "graph":
        from agent.mail.graph import GraphOutbound

        return GraphOutbound(graph_client(program))
    raise NotBuiltYet(f"outbound backend {section.backend!r} is not built yet (use maildir, smtp, ews or graph)")


def build_calendar(program: Program) -> Calendar:
    config = program.config
    section = config.calendar
    if section.backend == "ics":
        from agent.calendar.ics_folder import IcsFolderCalendar

        return IcsFolderCalendar(section.path)
    if section.backend == "caldav":
        from agent.calendar.caldav import CalDavCalendar

        return CalDavCalendar(section.url, section.username, secret(section, config.path), section.calendar)
    if section.backend == "ews":  # the [mailbox] account's calendar
        from agent.calendar.ews import EwsCalendar

        return EwsCalendar(ews_session(program))
    if section.backend == "graph":
        from agent.calendar.graph import GraphCalendar

        return GraphCalendar(graph_client(program))
    if section.backend == "none":
        return _NoCalendar()
    raise NotBuiltYet(f"calendar backend {section.backend!r} is not built yet (use ics, caldav, ews, graph or none)")


def ews_session(program: Program):
    """A new EWS session for the [mailbox] account (one per adapter, so each can close its own).

    Without the optional ``auth_type`` and ``version`` keys exchangelib asks the server which
    authentication and version it speaks.
    """
    from agent.exchange.ews_session import EwsSession

    config = program.config
    section = config.mailbox
    version = section.version
    return EwsSession(section.primary_smtp_address or config.program.address, section.username,
                      secret(section, config.path), service_endpoint=section.service_endpoint,
                      server=None if section.service_endpoint else section.server,
                      auth_type=section.auth_type,
                      version=tuple(int(p) for p in version.split(".")) if version else None)


def graph_client(program: Program):
    """A new Graph client for the [mailbox] application and user (one per adapter).

    The login and API hosts default to Microsoft's global cloud; the [mailbox] keys
    ``authority_host`` and ``graph_url`` point them at a national cloud (or a test server). TLS trust
    follows ``SSL_CERT_FILE`` (httpx) and ``REQUESTS_CA_BUNDLE`` (msal).
    """
    from agent.exchange.graph_client import GRAPH, LOGIN, GraphClient

    config = program.config
    section = config.mailbox
    return GraphClient(section.tenant_id, section.client_id, secret(section, config.path),
                       section.user or config.program.address, authority_host=section.authority_host or LOGIN,
                       api=section.graph_url or GRAPH)


def build_app(program: Program, *, migrate_store: bool = True) -> App:
    engine = open_engine(program.config.store.url)
    if migrate_store:
        migrate(engine)
    app = App(
        program=program,
        templates=Templates(program.templates_dirs),
        engine=engine,
        mailbox=build_mailbox(program),
        outbound=build_outbound(program),
        calendar=build_calendar(program),
    )
    # the name this process holds leases and claims under: unique among live workers (default host:pid)
    if program.config.service.worker_name:
        app.worker = program.config.service.worker_name
    app.state.worker = app.worker
    if program.config.service.read_ahead:
        app.read_ahead = ReadAhead()
    return app
