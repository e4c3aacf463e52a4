"""The exception tree. Each class says when it is raised.

    MentorAgentError
    ├── ConfigError          a config, roster, rule or template file is wrong; carries Problems
    ├── MessageRejected      an inbound message cannot be acted on; becomes a quarantine reason
    │   └── CalendarRejected an iCalendar object is broken, hostile or not ours
    ├── AdapterError         a mailbox, outbound or calendar backend failed (network, server)
    │   └── TransientError   the same call may succeed later (4xx, timeouts, dropped connections)
    └── NotBuiltYet          a command of PRODUCT.md that this version does not implement yet
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an administrator's file, printed as ``file:line: message (hint)``."""

    file: str
    line: int
    message: str
    hint: str = ""
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}{hint}"

    @classmethod
    def at(cls, path: Path | str, line: int, message: str, hint: str = "", severity: str = "error") -> "Problem":
        return cls(str(path), max(int(line), 1), message, hint, severity)


class MentorAgentError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(MentorAgentError):
    """Administrator files are wrong. ``problems`` holds every error found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class MessageRejected(MentorAgentError):
    """An inbound message cannot be acted on. ``str(exc)`` is the quarantine reason a person reads."""


class CalendarRejected(MessageRejected):
    """An iCalendar object is broken, hostile (unbounded recurrence, huge) or names no series of ours."""


class AdapterError(MentorAgentError):
    """A backend (IMAP, SMTP, EWS, Graph, CalDAV, Maildir, .ics folder) failed."""


class TransientError(AdapterError):
    """A backend failure worth retrying later with backoff."""


class NotBuiltYet(MentorAgentError):
    """A command or backend that PRODUCT.md names but this version does not implement yet."""
