"""Logging for people and for log collectors: one stderr handler, text or JSON lines.

``configure_logging`` is called twice by ``run``: once by the command line before anything is read
(the format from ``--log-format``, else text), and again once the config is loaded, because
``[service] log_format`` and the worker's name are known only then. It owns one handler on the root
logger and replaces only that one, so calling it again never doubles lines; when the host process
already configured logging (pytest, a program embedding the agent) it leaves the root alone, as
``logging.basicConfig`` does.

Secrets never reach a line: ``Secret`` values are masked wherever they appear (message arguments
already use its masked ``str``; ``extra`` fields are masked here), and a password inside a URL
(``scheme://user:password@host``) is replaced by ``***`` in every message and exception text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra={...}``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:)[^@\s/]+@")


def redact(text: str) -> str:
    """``text`` with any password written in a URL replaced by ``***``."""
    return _URL_PASSWORD.sub(r"\g<head>***@", text)


def _plain(value: Any) -> Any:
    """A JSON-safe copy of an ``extra`` value; secrets masked, unknown objects as their str."""
    from agent.config import Secret  # here, not at the top: `mentor-agent --help` stays quick

    if isinstance(value, Secret):
        return repr(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts (ISO-8601 UTC), level, logger, message, worker, exception, extras."""

    def __init__(self, worker: str = ""):
        super().__init__()
        self.worker = worker

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "ts": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "worker": self.worker,
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        if record.stack_info:
            line["stack"] = record.stack_info
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_") and key not in line:
                line[key] = _plain(value)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The classic ``time LEVEL logger: message`` line, with URL passwords masked."""

    def __init__(self):
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def level_for(verbosity: int) -> int:
    """``-v`` count -> level: none WARNING, one INFO, two or more DEBUG."""
    return logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG


def configure_logging(verbosity: int, fmt: str = "text", *, worker: str = "", stream: IO[str] | None = None,
                      root: logging.Logger | None = None) -> logging.Handler | None:
    """Install (or replace) the agent's stderr handler on ``root``; returns it, or None when the host owns logging."""
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: expected one of {', '.join(FORMATS)}")
    root = root if root is not None else logging.getLogger()
    logging.getLogger("alembic").setLevel(logging.WARNING if verbosity < 2 else logging.INFO)
    ours = [h for h in root.handlers if getattr(h, "_mentor_agent", False)]
    if not ours and root.handlers:
        return None  # someone else configured logging first; leave it as basicConfig would
    for handler in ours:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler._mentor_agent = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter(worker) if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level_for(verbosity))
    return handler
