"""A Microsoft Graph and Entra ID token endpoint in memory, over TLS: the operations the Graph
adapters use, answered with the JSON shapes Graph documents.

Token: ``/{tenant}/v2.0/.well-known/openid-configuration`` and ``/{tenant}/oauth2/v2.0/token``
(client credentials; a wrong secret gets AADSTS7000215). API under ``/v1.0/users/{user}/``:
``mailFolders/inbox/messages/delta`` (``$skiptoken`` pages, ``$deltatoken`` rounds, ``@removed``),
``messages/{id}``, ``messages/{id}/$value``, ``messages/{id}/move``, ``mailFolders`` (GET with a
displayName filter, POST), ``mailFolders/{folder}/messages`` (internetMessageId filter),
``sendMail`` (base64 MIME), ``events`` (extended-property filter, POST, PATCH, DELETE) and
``calendarView`` (``replay.graph_calendar``: expanded with moved and deleted instances,
``$top``/``$skip`` pages, ``view_page_cap`` for server-driven paging) and ``calendar/getSchedule``
(``replay.graph_schedule``: people's free/busy from ``schedules``, filled with ``add_busy``).
``fail_next`` injects throttling and errors.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from replay.base import ReplayServer
from replay.freebusy import Entry
from replay.graph_calendar import calendar_view, moment, original_key
from replay.graph_schedule import get_schedule


@dataclass
class Message:
    id: str
    folder: str
    raw: bytes
    received: str
    internet_message_id: str
    inbox_seq: int | None = None  # change number of the last entry to / exit from the inbox


@dataclass
class Sent:
    raw: bytes
    recipients: list[str]
    message_id: str


@dataclass
class Failure:
    status: int
    path_contains: str
    retry_after: str | None
    times: int


@dataclass
class GraphServer(ReplayServer):
    tenant: str = "tenant-1"
    client_id: str = "app-1"
    client_secret: str = "graph-secret-XYZ"
    user: str = "program@example.org"
    page_size: int = 3
    folders: dict[str, str] = field(default_factory=dict)  # id -> displayName
    messages: dict[str, Message] = field(default_factory=dict)
    events: dict[str, dict] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    delta_pages: list[list[str]] = field(default_factory=list)  # ids (or "-id" removed) per delta page
    tokens_issued: int = 0
    exceptions: dict[tuple[str, str], dict] = field(default_factory=dict)  # (series id, original start) -> changes
    deleted: set[tuple[str, str]] = field(default_factory=set)  # (series id, original start) of deleted instances
    view_page_cap: int | None = None  # server-driven paging: at most this many instances per calendarView page
    view_pages: list[int] = field(default_factory=list)  # instances per calendarView page answered
    schedules: dict[str, list[Entry]] = field(default_factory=dict)  # lower-case address -> free/busy entries

    def __post_init__(self):
        super().__init__(tls=True)
        self.well_known = {"inbox": "AAMk-inbox", "sentitems": "AAMk-sentitems", "drafts": "AAMk-drafts"}
        self.folders.update({"AAMk-inbox": "Inbox", "AAMk-sentitems": "Sent Items", "AAMk-drafts": "Drafts"})
        self._seq = itertools.count(1)
        self._clock = itertools.count()
        self._snapshots: dict[str, tuple[list[dict], int]] = {}
        self._failures: list[Failure] = []
        self._token = "tok-" + uuid.uuid4().hex

    # ------------------------------------------------------------------ test API

    @property
    def authority_host(self) -> str:
        return self.base

    @property
    def api(self) -> str:
        return self.base + "/v1.0"

    def deliver(self, raw: bytes) -> str:
        """Put a message in the inbox, received one second after the previous one."""
        with self.lock:
            mid = "AAMk-" + uuid.uuid4().hex
            received = (datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(seconds=next(self._clock)))
            header = BytesHeaderParser().parsebytes(raw).get("Message-ID", f"<{mid}@graph.test>")
            self.messages[mid] = Message(mid, self.well_known["inbox"], raw, received.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                         str(header).strip(), next(self._seq))
            return mid

    def in_folder(self, name: str) -> list[Message]:
        ids = [fid for fid, n in self.folders.items() if n.lower() == name.lower()] + [self.well_known.get(name)]
        return [m for m in self.messages.values() if m.folder in ids]

    def fail_next(self, status: int, path_contains: str = "", retry_after: str | None = None, times: int = 1):
        self._failures.append(Failure(status, path_contains, retry_after, times))

    def add_event(self, body: dict) -> str:
        eid = "AAMk-ev-" + uuid.uuid4().hex
        self.events[eid] = {**body, "id": eid}
        return eid

    def add_busy(self, address: str, start: datetime, end: datetime, status: str = "busy", *,
                 subject: str = "Busy", weekly: bool = False) -> None:
        """An entry in someone's own calendar, seen through getSchedule (the address becomes known)."""
        self.schedules.setdefault(address.lower(), []).append(Entry(start, end, status, subject, weekly))

    def move_occurrence(self, series_id: str, original: datetime, start: dict, end: dict, **changes) -> None:
        """Move one instance of a series (``PATCH /events/{occurrence id}`` in Outlook): it becomes an
        exception, listed at its new time."""
        self.exceptions[(series_id, original_key(original))] = {"start": start, "end": end, **changes}
        moment(start), moment(end)  # fail here, not in the view, on a malformed time

    def delete_occurrence(self, series_id: str, original: datetime) -> None:
        """Delete one instance of a series (``DELETE /events/{occurrence id}``): no longer listed."""
        self.deleted.add((series_id, original_key(original)))

    # ------------------------------------------------------------------ HTTP

    def handle(self, method, path, headers, body):
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        if parts[:1] == [self.tenant]:
            return self._identity(method, parts[1:], body)
        if headers.get("authorization") != f"Bearer {self._token}":
            return _json(401, {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}})
        for failure in self._failures:
            if failure.path_contains in url.path:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                code = {429: "TooManyRequests", 503: "ServiceUnavailable"}.get(failure.status, "InternalServerError")
                return _json(failure.status, {"error": {"code": code, "message": "injected"}}, extra)
        if parts[:2] != ["v1.0", "users"] or len(parts) < 4 or parts[2].lower() != self.user.lower():
            return _json(404, {"error": {"code": "ErrorInvalidUser", "message": "The requested user is invalid."}})
        try:
            return self._route(method, parts[3:], query, headers, body)
        except KeyError:
            return _json(404, {"error": {"code": "ErrorItemNotFound", "message": "Not found."}})

    def _identity(self, method, parts, body):
        base = f"{self.base}/{self.tenant}"
        if parts == ["v2.0", ".well-known", "openid-configuration"]:
            return _json(200, {"token_endpoint": f"{base}/oauth2/v2.0/token",
                               "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                               "issuer": f"{self.base}/{self.tenant}/v2.0", "tenant_region_scope": "EU"})
        if parts == ["oauth2", "v2.0", "token"] and method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return _json(401, {"error": "invalid_client", "error_description":
                                   "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1"})
            if form.get("grant_type") != "client_credentials" or not form.get("scope", "").endswith("/.default"):
                return _json(400, {"error": "invalid_request", "error_description": "AADSTS900144"})
            self.tokens_issued += 1
            return _json(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                               "access_token": self._token})
        return _json(404, {"error": "not_found"})

    def _route(self, method, p, query, headers, body):
        if p[:4] == ["mailFolders", "inbox", "messages", "delta"]:
            return self._delta(query, headers)
        if p[0] == "messages" and len(p) == 3 and p[2] == "$value":
            return 200, {"Content-Type": "text/plain"}, self.messages[p[1]].raw
        if p[0] == "messages" and len(p) == 2 and method == "GET":
            return _json(200, self._message_json(self.messages[p[1]]))
        if p[0] == "messages" and len(p) == 3 and p[2] == "move" and method == "POST":
            msg, target = self.messages[p[1]], json.loads(body)["destinationId"]
            target = self.well_known.get(target.lower(), target)
            if target not in self.folders:
                raise KeyError(target)
            if self.well_known["inbox"] in (msg.folder, target) and msg.folder != target:
                msg.inbox_seq = next(self._seq)
            msg.folder = target
            return _json(201, self._message_json(msg))
        if p == ["mailFolders"] and method == "GET":
            wanted = re.fullmatch(r"displayName eq '((?:[^']|'')*)'", query.get("$filter", ""))
            names = {fid: n for fid, n in self.folders.items() if fid not in self.well_known.values()}
            value = [{"id": fid, "displayName": n} for fid, n in names.items()
                     if not wanted or n == wanted.group(1).replace("''", "'")]
            return _json(200, {"value": value})
        if p == ["mailFolders"] and method == "POST":
            name = json.loads(body)["displayName"]
            if name in self.folders.values():
                return _json(409, {"error": {"code": "ErrorFolderExists", "message": "exists"}})
            fid = "AAMk-f-" + uuid.uuid4().hex
            self.folders[fid] = name
            return _json(201, {"id": fid, "displayName": name, "totalItemCount": 0})
        if p[0] == "mailFolders" and p[2:] == ["messages"]:
            folder = self.well_known.get(p[1].lower(), p[1])
            wanted = re.fullmatch(r"internetMessageId eq '((?:[^']|'')*)'", query.get("$filter", ""))
            found = [self._message_json(m) for m in self.messages.values() if m.folder == folder
                     and (not wanted or m.internet_message_id == wanted.group(1).replace("''", "'"))]
            return _json(200, {"value": found[: int(query.get("$top", 10))]})
        if p == ["sendMail"] and method == "POST":
            return self._send_mail(headers, body)
        if p[0] == "events":
            return self._events(method, p[1:], query, body)
        if p == ["calendar", "getSchedule"] and method == "POST":
            status, answer = get_schedule({self.user.lower(): [], **self.schedules}, body, headers.get("prefer", ""))
            return _json(status, answer)
        if p == ["calendarView"]:
            return self._calendar_view(query, headers)
        return _json(400, {"error": {"code": "BadRequest", "message": f"unsupported {method} {'/'.join(p)}"}})

    # ------------------------------------------------------------------ mail

    def _message_json(self, m: Message) -> dict:
        return {"id": m.id, "receivedDateTime": m.received, "internetMessageId": m.internet_message_id,
                "parentFolderId": m.folder}

    def _delta(self, query, headers):
        if "$skiptoken" in query:
            items, end = self._snapshots.pop(query["$skiptoken"])
        else:
            since = int(query.get("$deltatoken", 0))
            inbox = self.well_known["inbox"]
            changed = sorted((m for m in self.messages.values() if (m.inbox_seq or 0) > since),
                             key=lambda m: m.inbox_seq)
            items = [{**self._message_json(m)} if m.folder == inbox else {"id": m.id, "@removed": {"reason": "deleted"}}
                     for m in changed if m.folder == inbox or since]
            end = max([m.inbox_seq or 0 for m in self.messages.values()] + [since])
        size = self.page_size
        asked = re.search(r"odata\.maxpagesize=(\d+)", headers.get("prefer", ""))
        if asked:
            size = min(size, int(asked.group(1)))
        page, rest = items[:size], items[size:]
        self.delta_pages.append([("-" if "@removed" in i else "") + i["id"] for i in page])
        link = f"{self.api}/users/{self.user}/mailFolders/inbox/messages/delta"
        out: dict = {"@odata.context": f"{self.api}/$metadata#Collection(message)", "value": page}
        if rest:
            token = uuid.uuid4().hex
            self._snapshots[token] = (rest, end)
            out["@odata.nextLink"] = f"{link}?$skiptoken={token}"
        else:
            out["@odata.deltaLink"] = f"{link}?$deltatoken={end}"
        return _json(200, out)

    def _send_mail(self, headers, body):
        if not headers.get("content-type", "").startswith("text/plain"):
            return _json(400, {"error": {"code": "ErrorMimeContentInvalid", "message": "MIME must be base64 text"}})
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            return _json(400, {"error": {"code": "ErrorMimeContentInvalidBase64String", "message": "Invalid base64"}})
        parsed = BytesHeaderParser().parsebytes(raw)
        recipients = [a for _, a in getaddresses([v for h in ("To", "Cc", "Bcc") for v in parsed.get_all(h, [])]) if a]
        if not recipients:
            return _json(400, {"error": {"code": "ErrorInvalidRecipients", "message": "A recipient is not valid."}})
        message_id = str(parsed.get("Message-ID") or f"<{uuid.uuid4().hex}@graph.test>").strip()
        stored = re.sub(rb"(?im)^Bcc:.*\r?\n(?:[ \t].*\r?\n)*", b"", raw)
        self.sent.append(Sent(stored, recipients, message_id))
        mid = "AAMk-s-" + uuid.uuid4().hex
        self.messages[mid] = Message(mid, self.well_known["sentitems"], stored, "2026-12-01T09:00:00Z", message_id)
        return 202, {}, b""

    # ------------------------------------------------------------------ calendar

    def _events(self, method, rest, query, body):
        if not rest and method == "POST":
            return _json(201, self.events[self.add_event(json.loads(body))])
        if not rest and method == "GET":
            found = list(self.events.values())
            match = re.fullmatch(r"singleValueExtendedProperties/Any\(ep: ep/id eq '((?:[^']|'')*)' "
                                 r"and ep/value eq '((?:[^']|'')*)'\)", query.get("$filter", ""))
            if match:
                pid, value = (g.replace("''", "'") for g in match.groups())
                found = [e for e in found if any(p["id"].lower() == pid.lower() and p["value"] == value
                                                 for p in e.get("singleValueExtendedProperties", []))]
            expand = re.fullmatch(r"singleValueExtendedProperties\(\$filter=id eq '((?:[^']|'')*)'\)",
                                  query.get("$expand", ""))
            out = []
            for event in found:
                shown = {k: v for k, v in event.items() if k != "singleValueExtendedProperties"}
                if expand:
                    shown["singleValueExtendedProperties"] = [
                        p for p in event.get("singleValueExtendedProperties", [])
                        if p["id"].lower() == expand.group(1).replace("''", "'").lower()]
                out.append(shown)
            return _json(200, {"value": out})
        event = self.events[rest[0]]
        if method == "PATCH":
            for key, value in json.loads(body).items():
                if value is None:
                    event.pop(key, None)
                elif key == "singleValueExtendedProperties":
                    props = {p["id"].lower(): p for p in event.get(key, [])}
                    props.update({p["id"].lower(): p for p in value})
                    event[key] = list(props.values())
                else:
                    event[key] = value
            return _json(200, event)
        if method == "DELETE":
            del self.events[rest[0]]
            return 204, {}, b""
        return _json(200, event)

    def _calendar_view(self, query, headers):
        lo, hi = (datetime.fromisoformat(query[k].replace("Z", "+00:00")) for k in ("startDateTime", "endDateTime"))
        rows = calendar_view(self.events, self.exceptions, self.deleted, lo, hi, query.get("$select"),
                             headers.get("prefer", ""))
        skip, top = int(query.get("$skip", 0)), int(query.get("$top", 10))
        if self.view_page_cap:
            top = min(top, self.view_page_cap)
        self.view_pages.append(len(rows[skip: skip + top]))
        out: dict = {"@odata.context": f"{self.api}/$metadata#users('{self.user}')/calendarView",
                     "value": rows[skip: skip + top]}
        if skip + top < len(rows):
            out["@odata.nextLink"] = (f"{self.api}/users/{self.user}/calendarView?"
                                      + urlencode({**query, "$top": top, "$skip": skip + top}))
        return _json(200, out)


def _json(status: int, data: dict, extra: dict | None = None) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json", **(extra or {})}, json.dumps(data).encode()
