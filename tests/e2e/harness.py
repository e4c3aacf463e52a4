"""A whole program on the embedded default in a temporary folder, and helpers to drive it.

The example roster, the shipped rules and templates are used as they are, so these tests exercise
exactly what a newcomer runs.
"""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from agent.bootstrap import build_app
from agent.check import check_program
from agent.runner import tick

REPO = Path(__file__).resolve().parents[2]
BOOKING_DAY = datetime(2026, 11, 23, 9, tzinfo=UTC)
MAIL_DAY = datetime(2026, 12, 3, 12, tzinfo=UTC)


def write_config(folder: Path, *, roster: Path | None = None, extra: str = "", mailbox: str | None = None,
                 outbound: str | None = None, calendar: str | None = None) -> Path:
    """The example program in ``folder``; ``extra`` goes into [program], the others replace a section's body."""
    config = folder / "config.toml"
    mailbox = mailbox if mailbox is not None else f'path = "{folder}/inbox"'
    outbound = outbound if outbound is not None else f'path = "{folder}/outbox"'
    calendar = calendar if calendar is not None else f'path = "{folder}/calendar"'
    config.write_text(f"""
[program]
name = "Test Mentoring"
address = "mentoring@program.example.org"
admins = ["coordinator@program.example.org"]
roster = "{roster or REPO / 'examples' / 'roster.toml'}"
rules = "{REPO / 'rules'}"
templates = "{REPO / 'templates'}"
timezone = "Europe/London"
{extra}
[store]
url = "sqlite:///{folder}/store.db"

[mailbox]
{mailbox}

[outbound]
{outbound}

[calendar]
{calendar}
""")
    return config


class Program:
    """A running program: deliver mail, tick at a given time, read what was sent."""

    def __init__(self, folder: Path, config: Path):
        self.folder = folder
        self.config = config
        self.app = None
        self.reload()

    def reload(self):
        """A fresh process: new App over the same store and folders (a restart after a crash)."""
        if self.app is not None:
            self.app.close()
        program, problems = check_program(self.config)
        assert program is not None, [str(p) for p in problems]
        self.app = build_app(program)
        return self.app

    def deliver(self, raw: bytes | str, name: str) -> None:
        data = raw.encode() if isinstance(raw, str) else raw
        (self.folder / "inbox" / "new").mkdir(parents=True, exist_ok=True)
        (self.folder / "inbox" / "new" / name).write_bytes(data)

    def tick(self, now: datetime):
        return tick(self.app, now)

    def sent(self) -> list[email.message.EmailMessage]:
        folder = self.folder / "outbox" / "new"
        if not folder.exists():
            return []
        return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.iterdir())]

    def sent_to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.sent() if address in m["To"]]


def body(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def example_mail(name: str) -> bytes:
    return (REPO / "examples" / "mail" / name).read_bytes()
