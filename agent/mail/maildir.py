"""Maildir in and out: the embedded default, no server needed.

Inbound: mail waits in ``<path>/new`` and ``<path>/cur``. Processed mail is moved (never deleted)
into the Maildir++ sub-folder ``<path>/.Processed``, quarantined mail into ``<path>/.Quarantine``.
Moves are ``os.rename`` within one file system, so a message is always in exactly one place.

Outbound: each message is written to ``<path>/new/<name>`` where the name is derived from its
Message-ID, through ``tmp/`` and a rename, so a resend after a crash finds the file and does not
write a second copy: that is how "each outbound email is sent once" holds for this backend.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from agent.errors import AdapterError
from agent.ports import InboundMail, Mailbox, Outbound

_SUBDIRS = ("tmp", "new", "cur")


def ensure_maildir(path: Path) -> Path:
    for sub in _SUBDIRS:
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def _key(filename: str) -> str:
    """The stable part of a Maildir file name: everything before the ``:2,FLAGS`` info."""
    return filename.split(":", 1)[0]


class MaildirMailbox(Mailbox):
    """See ``agent.ports.Mailbox``."""

    def __init__(self, path: Path, processed_folder: str = "Processed", quarantine_folder: str = "Quarantine"):
        self.path = ensure_maildir(Path(path))
        self.identity = f"maildir:{self.path.resolve()}"
        self._processed = ensure_maildir(self.path / f".{processed_folder}")
        self._quarantine = ensure_maildir(self.path / f".{quarantine_folder}")

    def pending(self) -> Iterator[InboundMail]:
        entries = []
        for sub in ("new", "cur"):
            with os.scandir(self.path / sub) as scan:
                entries.extend((entry.stat().st_mtime, entry.name, entry.path) for entry in scan if entry.is_file())
        for _mtime, name, path in sorted(entries):
            try:
                raw = Path(path).read_bytes()
            except FileNotFoundError:  # moved by another reader between listing and reading
                continue
            yield InboundMail(key=_key(name), raw=raw)

    def mark_processed(self, key: str) -> None:
        self._move(key, self._processed)

    def quarantine(self, key: str) -> None:
        self._move(key, self._quarantine)

    def release(self, key: str, message_id: str | None = None) -> bool:
        """Move a quarantined message back to ``new/`` so it is handled again (the key names it here)."""
        found = _find(self._quarantine, key)
        if found is None:
            return False
        os.rename(found, self.path / "new" / key)
        return True

    def _move(self, key: str, folder: Path) -> None:
        found = _find(self.path, key)
        if found is None:
            return  # already moved: moving is idempotent
        try:
            os.rename(found, folder / "cur" / f"{key}:2,S")
        except FileNotFoundError:
            pass  # another reader moved it first


def _find(maildir: Path, key: str) -> Path | None:
    """The file holding ``key`` in ``new/`` (fast path, the usual case) or ``cur/`` (any flags)."""
    direct = maildir / "new" / key
    if direct.exists():
        return direct
    for sub in ("cur", "new"):
        with os.scandir(maildir / sub) as scan:
            for entry in scan:
                if _key(entry.name) == key:
                    return Path(entry.path)
    return None


class MaildirOutbound(Outbound):
    """See ``agent.ports.Outbound``. ``recipients`` are recorded in an ``X-Envelope-To`` header line."""

    def __init__(self, path: Path):
        self.path = ensure_maildir(Path(path))

    @staticmethod
    def file_name(message_id: str) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", message_id.strip("<>"))[:80]
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
        return f"{safe}.{digest}.eml"

    def already_sent(self, message_id: str) -> bool:
        name = self.file_name(message_id)
        return any((self.path / sub / name).exists() for sub in ("new", "cur"))

    def send(self, message_id: str, raw: bytes, recipients: Sequence[str]) -> None:
        if self.already_sent(message_id):
            return
        name = self.file_name(message_id)
        envelope = ("X-Envelope-To: " + ", ".join(recipients) + "\r\n").encode()
        temporary = self.path / "tmp" / name
        try:
            with open(temporary, "wb") as handle:
                handle.write(envelope + raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(temporary, self.path / "new" / name)
        except OSError as exc:
            raise AdapterError(f"cannot write to the outbound Maildir {self.path}: {exc.strerror}") from exc

    def sent_messages(self) -> list[Path]:
        """Every file in the outbound Maildir, oldest first (for the demo, tests and `status`)."""
        files = [p for sub in ("new", "cur") for p in (self.path / sub).iterdir() if p.is_file()]
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))
