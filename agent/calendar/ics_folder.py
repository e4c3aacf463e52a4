"""The embedded default calendar: one ``.ics`` file per series in a local folder.

Each object is written atomically (temporary file, fsync, ``os.replace``, fsync of the folder), so a
crash leaves either the old file or the new one, never half of one. File names come from the UID
through a reversible, filesystem-safe encoding: a UID with slashes or dots cannot leave the folder.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import recurring_ical_events
from icalendar import Calendar as ICalendar

from agent.errors import AdapterError
from agent.ports import BusyTime, Calendar

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_@.")
_MAX_NAME = 200


def file_name(uid: str) -> str:
    """A safe, reversible file name for ``uid``: unsafe bytes become ``%XX``; a leading dot is escaped too."""
    encoded = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in uid)
    if encoded.startswith("."):
        encoded = "%2E" + encoded[1:]
    if not encoded or len(encoded) > _MAX_NAME:
        raise AdapterError(f"UID cannot be stored as a file name (empty or over {_MAX_NAME} characters): {uid[:60]!r}")
    return encoded + ".ics"


class IcsFolderCalendar(Calendar):
    """A ``Calendar`` (see ``agent.ports``) kept as ``<folder>/<uid>.ics``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AdapterError(f"cannot create the calendar folder {self.path}: {exc}") from exc

    def put(self, uid: str, ics: bytes) -> None:
        target = self.path / file_name(uid)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".ics", dir=self.path)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(ics)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
            self._sync_folder()
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise AdapterError(f"cannot write {target}: {exc}") from exc

    def get(self, uid: str) -> bytes | None:
        try:
            return (self.path / file_name(uid)).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AdapterError(f"cannot read the calendar object {uid!r}: {exc}") from exc

    def remove(self, uid: str) -> None:
        try:
            (self.path / file_name(uid)).unlink(missing_ok=True)
            self._sync_folder()
        except OSError as exc:
            raise AdapterError(f"cannot remove the calendar object {uid!r}: {exc}") from exc

    def busy(self, start: datetime, end: datetime) -> list[BusyTime]:
        """Every stored occurrence overlapping [start, end) that is not cancelled, in UTC, sorted."""
        found: list[BusyTime] = []
        for file in sorted(self.path.glob("*.ics")):
            if file.name.startswith(".tmp-"):
                continue
            try:
                calendar = ICalendar.from_ical(file.read_bytes())
                events = recurring_ical_events.of(calendar).between(start, end)
            except Exception as exc:  # refuse rather than under-report busy time; name the file
                raise AdapterError(f"cannot read {file}: {exc}") from exc
            for event in events:
                if str(event.get("STATUS", "")).upper() == "CANCELLED":
                    continue
                if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
                    continue
                begin, finish = _utc(event.start), _utc(event.end)
                if begin < end and finish > start:
                    found.append(BusyTime(begin, finish))
        return sorted(found, key=lambda b: (b.start, b.end))

    def _sync_folder(self) -> None:
        """fsync the folder so the rename itself survives a crash (POSIX only)."""
        if os.name != "posix":
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _utc(value) -> datetime:
    if not isinstance(value, datetime):  # an all-day event blocks the whole UTC day
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
