"""CalDAV calendar (the ``caldav`` library): the program's copy of every series on a CalDAV server.

See ``agent.ports.Calendar`` for the contract. Specific to CalDAV (RFC 4791):

* An object with UID ``u`` lives at ``<calendar>/<u>.ics`` (hashed if ``u`` has unusual characters); objects another client created
  under a different name are found by a UID search, so put/get/remove also work on those.
* ``busy()`` runs a time-range search with client-side recurrence expansion (works on servers
  without server-side expand) and skips transparent and cancelled events.
* Network failures and 5xx answers raise ``TransientError``; refusals raise ``AdapterError``.
* ``free_busy()`` is the port's default: nothing is known about the participants' own calendars.
  RFC 6638 free/busy (a VFREEBUSY REQUEST POSTed to the scheduling outbox) is not implemented:
  Radicale, the server the tests run, does not support it, and participants' calendars are rarely
  on the program's CalDAV server. Booking still avoids the mentor's other pairs (from the store).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

import caldav
from caldav.lib import error as dav_error
from caldav.lib.http_sync import requests as http

from agent.errors import AdapterError, TransientError
from agent.ports import BusyTime, Calendar

log = logging.getLogger(__name__)

T = TypeVar("T")
_PLAIN_UID = re.compile(r"[A-Za-z0-9@._-]{1,128}")
ICS_TYPE = {"Content-Type": "text/calendar; charset=utf-8"}


def without_userinfo(url: str) -> str:
    """``url`` without a ``user:password@`` part, for messages and logs (a password in the URL is still a secret)."""
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host.rpartition('@')[2]}{slash}{path}" if sep else url


class CalDavCalendar(Calendar):
    """``calendar`` is a full calendar URL, or the id (last path segment) or display name of one
    of the user's calendars, found through principal discovery from ``url``."""

    def __init__(self, url: str, username: str, password: str, calendar: str, timeout: float = 30):
        self.url, self.username, self.calendar_name = without_userinfo(url), username, calendar  # shown in errors
        self._client = caldav.DAVClient(url=url, username=username, password=password, timeout=timeout)
        self._calendar: caldav.Calendar | None = None

    def __repr__(self) -> str:
        return f"CalDavCalendar({self.url!r}, username={self.username!r}, calendar={self.calendar_name!r})"

    # ------------------------------------------------------------------ Calendar

    def put(self, uid: str, ics: bytes) -> None:
        def op(cal: caldav.Calendar) -> None:
            href = self._href_of(cal, uid)
            resp = self._client.put(href, ics.decode("utf-8"), ICS_TYPE)
            if resp.status in (409, 412, 403):  # UID taken by an object under another name
                existing = self._search_href(cal, uid)
                if existing and existing != href:
                    resp = self._client.put(existing, ics.decode("utf-8"), ICS_TYPE)
            self._check(resp.status, f"PUT {uid}", ok=(200, 201, 204))

        self._call(op)

    def get(self, uid: str) -> bytes | None:
        def op(cal: caldav.Calendar) -> bytes | None:
            for href in self._hrefs(cal, uid):
                resp = self._client.request(href, "GET")
                if resp.status == 200:
                    return resp.raw.encode("utf-8")
                self._check(resp.status, f"GET {uid}", ok=(404, 410))
            return None

        return self._call(op)

    def remove(self, uid: str) -> None:
        def op(cal: caldav.Calendar) -> None:
            for href in self._hrefs(cal, uid):
                resp = self._client.delete(href)
                if resp.status in (200, 204):
                    return
                self._check(resp.status, f"DELETE {uid}", ok=(404, 410))

        self._call(op)

    def busy(self, start: datetime, end: datetime) -> list[BusyTime]:
        def op(cal: caldav.Calendar) -> list[BusyTime]:
            events = cal.search(start=start, end=end, event=True, expand=True)
            periods = [p for p in (_busy_period(e.icalendar_component) for e in events) if p]
            lo, hi = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
            return sorted((p for p in periods if p.start < hi and p.end > lo), key=lambda p: (p.start, p.end))

        return self._call(op)

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ helpers

    def _call(self, op: Callable[[caldav.Calendar], T]) -> T:
        try:
            return op(self._resolve())
        except AdapterError:
            raise
        except dav_error.AuthorizationError as exc:
            raise AdapterError(f"CalDAV {self.url}: access refused for {self.username}") from exc
        except dav_error.DAVError as exc:
            status = getattr(exc, "status", None) or 0
            cls = TransientError if status >= 500 or status == 0 else AdapterError
            raise cls(f"CalDAV {self.url}: {exc}") from exc
        except (http.exceptions.RequestException, OSError) as exc:
            raise TransientError(f"CalDAV {self.url}: {exc}") from exc

    def _resolve(self) -> caldav.Calendar:
        if self._calendar is not None:
            return self._calendar
        if self.calendar_name.startswith(("http://", "https://")):
            self._calendar = caldav.Calendar(self._client, url=self.calendar_name)
            return self._calendar
        for cal in self._client.principal().calendars():
            segment = str(cal.url).rstrip("/").rsplit("/", 1)[-1]
            if self.calendar_name in (segment, cal.get_display_name()):
                self._calendar = cal
                return cal
        raise AdapterError(f"CalDAV {self.url}: no calendar {self.calendar_name!r} for {self.username}")

    @staticmethod
    def _href_of(cal: caldav.Calendar, uid: str) -> str:
        return str(cal.url).rstrip("/") + "/" + _resource_name(uid)

    def _hrefs(self, cal: caldav.Calendar, uid: str) -> Iterator[str]:
        """Where the object may be: our own name for it first, then (lazily) a UID search."""
        own = self._href_of(cal, uid)
        yield own
        found = self._search_href(cal, uid)
        if found and found != own:
            yield found

    @staticmethod
    def _search_href(cal: caldav.Calendar, uid: str) -> str | None:
        try:
            return str(cal.get_object_by_uid(uid).url)
        except dav_error.NotFoundError:
            return None

    def _check(self, status: int, what: str, ok: tuple[int, ...]) -> None:
        if status in ok:
            return
        message = f"CalDAV {self.url}: {what} answered {status}"
        raise TransientError(message) if status >= 500 or status == 429 else AdapterError(message)


def _resource_name(uid: str) -> str:
    """A UID made of plain characters names its own resource; any other (slashes, spaces, very
    long) is hashed, because servers decode %2F and the like differently."""
    if _PLAIN_UID.fullmatch(uid):
        return f"{uid}.ics"
    return hashlib.sha256(uid.encode("utf-8")).hexdigest() + ".ics"


def _busy_period(component) -> BusyTime | None:
    """The UTC span of one (expanded) VEVENT, or None if it does not block time."""
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start = component.get("DTSTART")
    if start is None:
        return None
    begin = _utc(start.dt)
    if component.get("DTEND") is not None:
        finish = _utc(component["DTEND"].dt)
    elif component.get("DURATION") is not None:
        finish = begin + component["DURATION"].dt
    else:  # RFC 5545 §3.6.1: a date lasts one day, a date-time no time at all
        finish = begin + (timedelta(days=1) if not isinstance(start.dt, datetime) else timedelta(0))
    return BusyTime(begin, finish)


def _utc(value: date | datetime) -> datetime:
    """All-day dates count from UTC midnight (a first version; the pair's zones refine it later)."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if value.tzinfo is None:  # floating time: read as UTC
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
