"""An Exchange Web Services endpoint in memory: the SOAP operations exchangelib sends for the EWS
adapters, answered the way Exchange 2016 (15.1) answers them.

Operations: GetFolder, FindFolder, CreateFolder (folders); FindItem (paged IndexedPageItemView,
SortOrder, IsEqualTo restrictions on a FieldURI or an ExtendedFieldURI, CalendarView with
recurrences expanded, moved and deleted occurrences: ``replay.ews_calendar``), GetItem (MimeContent), MoveItem (the item gets a new id, as on Exchange),
CreateItem (SendAndSaveCopy from MIME; calendar items), UpdateItem, DeleteItem, GetUserAvailability
(people's free/busy from ``schedules``, filled with ``add_busy``: ``replay.ews_availability``) and
GetServerTimeZones. Items keep the
elements the client sent, so a property is answered exactly as it was written. ``busy_next``
injects an ``ErrorServerBusy`` fault with ``BackOffMilliseconds``.
"""

from __future__ import annotations

import base64
import itertools
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from xml.sax.saxutils import escape, quoteattr

from replay.base import ReplayServer
from replay.ews_availability import server_time_zones, user_availability
from replay.ews_calendar import delete_occurrence, move_occurrence, occurrences, view_item_xml
from replay.ews_soap import M, S, T, elem, envelope, error, ext_key, fault, matches, not_found, ok, parse_time, t
from replay.freebusy import Entry

NAMES = {"msgfolderroot": "Top of Information Store", "root": "root", "sentitems": "Sent Items",
         "deleteditems": "Deleted Items"}
FOLDER_CLASS = {"calendar": ("CalendarFolder", "IPF.Appointment")}


@dataclass
class Item:
    id: str
    folder: str
    kind: str  # Message | CalendarItem
    props: dict[str, ET.Element] = field(default_factory=dict)  # local name -> element as sent
    ext: dict[tuple, str] = field(default_factory=dict)  # (set id, name, type) -> value
    mime: bytes | None = None
    exception_props: dict[datetime, dict[str, str]] = field(default_factory=dict)  # original start -> changed

    def text(self, name: str) -> str | None:
        elem = self.props.get(name)
        return elem.text if elem is not None else None


@dataclass
class Sent:
    raw: bytes
    recipients: list[str]
    message_id: str


@dataclass
class EwsServer(ReplayServer):
    address: str = "program@example.org"
    username: str | None = None  # with a password: HTTP basic auth is required
    password: str | None = None
    folders: dict[str, dict] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    schedules: dict[str, list[Entry]] = field(default_factory=dict)  # lower-case address -> free/busy entries

    def __post_init__(self):
        super().__init__(tls=False)
        self._clock = itertools.count()
        self._busy: list[tuple[str, int]] = []
        for name, parent in (("root", None), ("msgfolderroot", "root"), ("inbox", "msgfolderroot"),
                             ("sentitems", "msgfolderroot"), ("drafts", "msgfolderroot"),
                             ("deleteditems", "msgfolderroot"), ("calendar", "msgfolderroot")):
            shown = NAMES.get(name, name.capitalize())
            self.folders[f"F-{name}"] = {"name": shown, "parent": parent and f"F-{parent}", "distinguished": name}

    @property
    def endpoint(self) -> str:
        return self.base + "/EWS/Exchange.asmx"

    # ------------------------------------------------------------------ test API

    def deliver(self, raw: bytes) -> str:
        item = Item(self._new_id(), "F-inbox", "Message", mime=raw)
        received = datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(seconds=next(self._clock))
        item.props["DateTimeReceived"] = elem("DateTimeReceived", received.strftime("%Y-%m-%dT%H:%M:%SZ"))
        header = BytesHeaderParser().parsebytes(raw).get("Message-ID")
        if header:
            item.props["InternetMessageId"] = elem("InternetMessageId", str(header).strip())
        self.items[item.id] = item
        return item.id

    def in_folder(self, name: str) -> list[Item]:
        ids = {fid for fid, f in self.folders.items() if name.lower() in (f["name"].lower(), f["distinguished"])}
        return [i for i in self.items.values() if i.folder in ids]

    def add_calendar_item(self, subject: str, start: datetime, end: datetime, *, zone: str = "UTC",
                          weekly: str | None = None, status: str = "Busy", cancelled: bool = False) -> str:
        """A calendar item made by someone else (Outlook), ``weekly`` as EWS ``DaysOfWeek``
        ("Monday Wednesday", no end); ``zone`` a Windows zone name ("W. Europe Standard Time")."""
        item = Item(self._new_id(), "F-calendar", "CalendarItem")
        for name, value in (("Subject", subject), ("Start", start.isoformat()), ("End", end.isoformat()),
                            ("LegacyFreeBusyStatus", status), ("IsCancelled", "true" if cancelled else "false")):
            item.props[name] = elem(name, value)
        item.props["StartTimeZone"] = ET.Element(t("StartTimeZone"), Id=zone)
        if weekly:
            item.props["Recurrence"] = ET.fromstring(
                f'<t:Recurrence xmlns:t="{T}"><t:WeeklyRecurrence><t:Interval>1</t:Interval>'
                f'<t:DaysOfWeek>{weekly}</t:DaysOfWeek></t:WeeklyRecurrence><t:NoEndRecurrence>'
                f'<t:StartDate>{start.date().isoformat()}</t:StartDate></t:NoEndRecurrence></t:Recurrence>')
        self.items[item.id] = item
        return item.id

    def add_busy(self, address: str, start: datetime, end: datetime, status: str = "busy", *,
                 subject: str = "Busy", weekly: bool = False) -> None:
        """An entry in someone's own calendar, seen through GetUserAvailability (the address becomes
        known); ``status`` in Graph's words (``replay.freebusy``)."""
        self.schedules.setdefault(address.lower(), []).append(Entry(start, end, status, subject, weekly))

    def move_occurrence(self, item_id: str, original: datetime, start: datetime, end: datetime, **props) -> None:
        """Move one occurrence (it becomes an exception); ``props`` change it too, e.g.
        ``LegacyFreeBusyStatus="Free"``."""
        item = self.items[item_id]
        move_occurrence(item, self._new_id(), original, start, end)
        item.exception_props[original.astimezone(UTC)] = props

    def delete_occurrence(self, item_id: str, original: datetime) -> None:
        delete_occurrence(self.items[item_id], original)

    def busy_next(self, operation: str, back_off_ms: int, times: int = 1) -> None:
        self._busy.extend([(operation, back_off_ms)] * times)

    # ------------------------------------------------------------------ SOAP

    def handle(self, method, path, headers, body):
        if method != "POST" or not path.startswith("/EWS/Exchange.asmx"):
            return 404, {}, b""
        if self.password is not None:
            expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            if headers.get("authorization") != f"Basic {expected}":
                return 401, {"WWW-Authenticate": 'Basic realm="ews"'}, b""
        request = ET.fromstring(body).find(f"{{{S}}}Body")[0]
        op = request.tag.split("}")[1]
        self.operations.append(op)
        for busy in self._busy:
            if busy[0] == op:
                self._busy.remove(busy)
                return 500, {"Content-Type": "text/xml; charset=utf-8"}, fault(busy[1])
        handler = getattr(self, f"_{op}", None)
        if handler is None:
            messages = error(op, "ErrorInvalidOperation", f"{op} is not implemented by the replay server")
        else:
            messages = handler(request)
        if isinstance(messages, bytes):  # an operation with its own response layout
            return 200, {"Content-Type": "text/xml; charset=utf-8"}, messages
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, envelope(op, messages)

    def _new_id(self) -> str:
        return "AAMkAD" + base64.b64encode(uuid.uuid4().bytes).decode().rstrip("=")

    def _folder_ref(self, elem: ET.Element) -> str | None:
        if elem.tag == t("DistinguishedFolderId"):
            return f"F-{elem.get('Id')}" if f"F-{elem.get('Id')}" in self.folders else None
        return elem.get("Id") if elem.get("Id") in self.folders else None

    def _folder_xml(self, fid: str) -> str:
        f = self.folders[fid]
        tag, cls = FOLDER_CLASS.get(f["distinguished"], ("Folder", "IPF.Note"))
        children = sum(1 for g in self.folders.values() if g["parent"] == fid)
        count = sum(1 for i in self.items.values() if i.folder == fid)
        parent = f'<t:ParentFolderId Id="{f["parent"]}" ChangeKey="AQ=="/>' if f["parent"] else ""
        if f["distinguished"]:
            parent += f'<t:DistinguishedFolderId>{f["distinguished"]}</t:DistinguishedFolderId>'
        return (f'<t:{tag}><t:FolderId Id="{fid}" ChangeKey="AQ=="/>{parent}<t:FolderClass>{cls}</t:FolderClass>'
                f'<t:DisplayName>{escape(f["name"])}</t:DisplayName><t:TotalCount>{count}</t:TotalCount>'
                f'<t:ChildFolderCount>{children}</t:ChildFolderCount><t:UnreadCount>0</t:UnreadCount></t:{tag}>')

    # ------------------------------------------------------------------ folders

    def _GetFolder(self, req):
        out = []
        for ref in req.find(f"{{{M}}}FolderIds"):
            fid = self._folder_ref(ref)
            out.append(ok("GetFolder", f"<m:Folders>{self._folder_xml(fid)}</m:Folders>") if fid
                       else error("GetFolder", "ErrorFolderNotFound", "The folder was not found."))
        return "".join(out)

    def _FindFolder(self, req):
        out = []
        for ref in req.find(f"{{{M}}}ParentFolderIds"):
            parent = self._folder_ref(ref)
            children = [fid for fid, f in self.folders.items() if f["parent"] == parent]
            body = "".join(self._folder_xml(fid) for fid in children)
            out.append(ok("FindFolder", f'<m:RootFolder IndexedPagingOffset="{len(children)}" TotalItemsInView='
                                         f'"{len(children)}" IncludesLastItemInRange="true"><t:Folders>{body}'
                                         f'</t:Folders></m:RootFolder>'))
        return "".join(out)

    def _CreateFolder(self, req):
        parent = self._folder_ref(req.find(f"{{{M}}}ParentFolderId")[0])
        out = []
        for folder in req.find(f"{{{M}}}Folders"):
            name = folder.findtext(t("DisplayName"))
            if any(f["parent"] == parent and f["name"].lower() == name.lower() for f in self.folders.values()):
                out.append(error("CreateFolder", "ErrorFolderExists", "A folder with that name already exists."))
                continue
            fid = "F-" + uuid.uuid4().hex
            self.folders[fid] = {"name": name, "parent": parent, "distinguished": ""}
            out.append(ok("CreateFolder", f'<m:Folders><t:Folder><t:FolderId Id="{fid}" ChangeKey="AQ=="/>'
                                           f'</t:Folder></m:Folders>'))
        return "".join(out)

    # ------------------------------------------------------------------ free/busy

    def _GetUserAvailabilityRequest(self, req):
        return user_availability({self.address.lower(): [], **self.schedules}, req)

    def _GetServerTimeZones(self, req):
        return server_time_zones(req)

    # ------------------------------------------------------------------ items

    def _FindItem(self, req):
        shape = req.find(f"{{{M}}}ItemShape")
        parents = [self._folder_ref(ref) for ref in req.find(f"{{{M}}}ParentFolderIds")]
        found = [i for i in self.items.values() if i.folder in parents]
        restriction = req.find(f"{{{M}}}Restriction")
        if restriction is not None:
            found = [i for i in found if matches(i, restriction[0])]
        view = req.find(f"{{{M}}}CalendarView")
        if view is not None:
            lo, hi = (parse_time(view.get(k)) for k in ("StartDate", "EndDate"))
            rows = sorted((o for i in found for o in occurrences(i, lo, hi)), key=lambda o: (o[1], o[0].id))
            body = "".join(view_item_xml(i, s, e, kind, original, shape,
                                         i.exception_props.get(original and original.astimezone(UTC), {}))
                           for i, s, e, kind, original in rows)
            return ok("FindItem", f'<m:RootFolder TotalItemsInView="{len(rows)}" IncludesLastItemInRange="true">'
                                   f'<t:Items>{body}</t:Items></m:RootFolder>')
        for order in reversed(list(req.find(f"{{{M}}}SortOrder") or [])):
            name = order[0].get("FieldURI").split(":")[1]
            found.sort(key=lambda i: i.text(name) or "", reverse=order.get("Order") == "Descending")
        page = req.find(f"{{{M}}}IndexedPageItemView")
        offset = int(page.get("Offset", 0)) if page is not None else 0
        size = int(page.get("MaxEntriesReturned", 1000)) if page is not None else 1000
        chunk = found[offset:offset + size]
        body = "".join(self._item_xml(i, shape) for i in chunk)
        last = "true" if offset + len(chunk) >= len(found) else "false"
        return ok("FindItem", f'<m:RootFolder IndexedPagingOffset="{offset + len(chunk)}" TotalItemsInView='
                               f'"{len(found)}" IncludesLastItemInRange="{last}"><t:Items>{body}</t:Items>'
                               f'</m:RootFolder>')

    def _GetItem(self, req):
        shape = req.find(f"{{{M}}}ItemShape")
        out = []
        for ref in req.find(f"{{{M}}}ItemIds"):
            item = self.items.get(ref.get("Id"))
            out.append(ok("GetItem", f"<m:Items>{self._item_xml(item, shape)}</m:Items>") if item
                       else not_found("GetItem"))
        return "".join(out)

    def _MoveItem(self, req):
        target = self._folder_ref(req.find(f"{{{M}}}ToFolderId")[0])
        out = []
        for ref in req.find(f"{{{M}}}ItemIds"):
            item = self.items.pop(ref.get("Id"), None)
            if item is None:
                out.append(not_found("MoveItem"))
                continue
            item.id, item.folder = self._new_id(), target  # Exchange gives a moved item a new id
            self.items[item.id] = item
            out.append(ok("MoveItem", f'<m:Items><t:{item.kind}><t:ItemId Id="{item.id}" ChangeKey="CQ=="/>'
                                       f'</t:{item.kind}></m:Items>'))
        return "".join(out)

    def _CreateItem(self, req):
        disposition = req.get("MessageDisposition")
        saved = req.find(f"{{{M}}}SavedItemFolderId")
        folder = self._folder_ref(saved[0]) if saved is not None else None
        out = []
        for elem in req.find(f"{{{M}}}Items"):
            kind = elem.tag.split("}")[1]
            item = Item(self._new_id(), folder or ("F-calendar" if kind == "CalendarItem" else "F-drafts"), kind)
            self._apply(item, elem)
            if kind == "Message" and disposition in ("SendOnly", "SendAndSaveCopy"):
                problem = self._send(item)
                if problem:
                    out.append(problem)
                    continue
                if disposition == "SendAndSaveCopy":
                    item.folder = folder or "F-sentitems"
                    self.items[item.id] = item
                out.append(ok("CreateItem", "<m:Items/>"))  # sent items are not returned
                continue
            self.items[item.id] = item
            out.append(ok("CreateItem", f'<m:Items><t:{kind}><t:ItemId Id="{item.id}" ChangeKey="DwAAAA=="/>'
                                         f'</t:{kind}></m:Items>'))
        return "".join(out)

    def _send(self, item: Item) -> str | None:
        if item.mime is None:
            return error("CreateItem", "ErrorInvalidRequest", "only MIME messages are supported here")
        parsed = BytesHeaderParser().parsebytes(item.mime)
        recipients = [a for _, a in getaddresses([v for h in ("To", "Cc", "Bcc") for v in parsed.get_all(h, [])]) if a]
        if not recipients:
            return error("CreateItem", "ErrorInvalidRecipients", "At least one recipient isn't valid.")
        message_id = str(parsed.get("Message-ID") or f"<{uuid.uuid4().hex}@ews.test>").strip()
        item.props["InternetMessageId"] = elem("InternetMessageId", message_id)
        self.sent.append(Sent(item.mime, recipients, message_id))
        return None

    def _UpdateItem(self, req):
        out = []
        for change in req.find(f"{{{M}}}ItemChanges"):
            item = self.items.get(change.find(t("ItemId")).get("Id"))
            if item is None:
                out.append(not_found("UpdateItem"))
                continue
            for update in change.find(t("Updates")):
                if update.tag == t("SetItemField"):
                    self._apply(item, update[1])
                elif update.tag == t("DeleteItemField"):
                    ref = update[0]
                    if ref.tag == t("ExtendedFieldURI"):
                        item.ext.pop(ext_key(ref), None)
                    else:
                        item.props.pop(ref.get("FieldURI").split(":")[1], None)
            out.append(ok("UpdateItem", f'<m:Items><t:{item.kind}><t:ItemId Id="{item.id}" ChangeKey="EQ=="/>'
                                         f'</t:{item.kind}></m:Items><m:ConflictResults><t:Count>0</t:Count>'
                                         f'</m:ConflictResults>'))
        return "".join(out)

    def _DeleteItem(self, req):
        out = []
        for ref in req.find(f"{{{M}}}ItemIds"):
            out.append(ok("DeleteItem", "") if self.items.pop(ref.get("Id"), None) else not_found("DeleteItem"))
        return "".join(out)

    def _apply(self, item: Item, elem: ET.Element) -> None:
        for child in elem:
            name = child.tag.split("}")[1]
            if name == "MimeContent":
                item.mime = base64.b64decode(child.text or "")
            elif name == "ExtendedProperty":
                item.ext[ext_key(child.find(t("ExtendedFieldURI")))] = child.findtext(t("Value")) or ""
            else:
                item.props[name] = child

    def _item_xml(self, item: Item, shape: ET.Element) -> str:
        parts = [f'<t:ItemId Id="{item.id}" ChangeKey="CQAAAA=="/>']
        if shape.findtext(t("IncludeMimeContent")) == "true" and item.mime is not None:
            parts.append(f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(item.mime).decode()}</t:MimeContent>')
        for ref in shape.find(t("AdditionalProperties")) if shape.find(t("AdditionalProperties")) is not None else []:
            if ref.tag == t("ExtendedFieldURI"):
                if ext_key(ref) in item.ext:
                    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in ref.attrib.items())
                    parts.append(f"<t:ExtendedProperty><t:ExtendedFieldURI {attrs}/>"
                                 f"<t:Value>{escape(item.ext[ext_key(ref)])}</t:Value></t:ExtendedProperty>")
                continue
            name = ref.get("FieldURI", "").split(":")[-1]
            if name == "MimeContent" and item.mime is not None and "MimeContent" not in "".join(parts):
                parts.append(f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(item.mime).decode()}'
                             f'</t:MimeContent>')
            elif name in item.props:
                parts.append(ET.tostring(item.props[name], encoding="unicode"))
        return f"<t:{item.kind}>{''.join(parts)}</t:{item.kind}>"
