"""Microsoft Graph calendar (Exchange Online): the program's copy of each series as an event.

See ``agent.ports.Calendar`` for the contract. Specific to Graph:

* Each series is one event in the user's default calendar, with the subject, times and recurrence
  of its master VEVENT (``agent.exchange.event_shape``) so Outlook shows it and counts it as busy,
  and two single-value extended properties: the iCalendar UID (to find it again with
  ``$filter=singleValueExtendedProperties/Any(...)``) and the whole document, which ``get`` returns.
* Events carry no attendees, so Exchange sends no invitations: the program sends its own iMIP mail.
* ``busy()`` reads ``calendarView`` in UTC, following ``@odata.nextLink`` pages: Exchange expands
  each series into its instances, lists a moved instance at its new time and leaves deleted ones
  out. Instances shown as free or working elsewhere, and cancelled ones, are skipped (``blocks``).
* ``free_busy()`` asks ``POST /users/{program user}/calendar/getSchedule`` (application permission
  ``Calendars.Read``) for at most ``SCHEDULES`` addresses and ``WINDOW`` at a time (Graph refuses
  more than 62 days with ``ErrorTimeIntervalTooBig``) and reads each ``scheduleItems`` entry's times
  and status only (``schedule_busy``); subjects and locations, which Graph may send, are dropped.
  An address Graph answers with an ``error`` (no such mailbox, another organisation, no access) is
  logged and left out: nothing is known about that person.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.errors import AdapterError
from agent.exchange.event_shape import EventShape, Rule, shape_of
from agent.exchange.graph_client import GraphClient, odata_string
from agent.ports import BusyTime, Calendar

PROPERTY_SET = "{9d3c5e1a-6f1b-4c39-9a4e-8d2f5b7c0e41}"
UID_PROP = f"String {PROPERTY_SET} Name mentorAgentUid"
ICS_PROP = f"String {PROPERTY_SET} Name mentorAgentIcs"
NOT_BUSY = {"free", "workingElsewhere"}  # tentative, busy, oof and unknown block a slot
SCHEDULE_BLOCKS = {"busy", "oof", "tentative"}  # free/busy answers: free, workingElsewhere, unknown do not
WINDOW = timedelta(days=62)  # the longest getSchedule time window Graph accepts
SCHEDULES = 100  # the most addresses in one getSchedule request
INTERVAL = 1440  # availabilityViewInterval: the view string is not read, so the coarsest keeps answers small

log = logging.getLogger(__name__)


class GraphCalendar(Calendar):
    def __init__(self, client: GraphClient):
        self.client = client

    def __repr__(self) -> str:
        return f"GraphCalendar({self.client!r})"

    def put(self, uid: str, ics: bytes) -> None:
        body = event_json(shape_of(ics))
        body["singleValueExtendedProperties"] = [{"id": UID_PROP, "value": uid},
                                                 {"id": ICS_PROP, "value": ics.decode("utf-8")}]
        existing = self._find(uid)
        if existing is None:
            self.client.request("POST", "events", json=body, ok=(201,))
        else:
            if "recurrence" not in body:
                body["recurrence"] = None
            self.client.request("PATCH", f"events/{existing['id']}", json=body, ok=(200,))

    def get(self, uid: str) -> bytes | None:
        found = self._find(uid)
        if found is None:
            return None
        for prop in found.get("singleValueExtendedProperties", []):
            if prop.get("id", "").lower() == ICS_PROP.lower():
                return prop["value"].encode("utf-8")
        return None

    def remove(self, uid: str) -> None:
        found = self._find(uid)
        if found is not None:
            self.client.request("DELETE", f"events/{found['id']}", ok=(204, 404))

    def busy(self, start: datetime, end: datetime) -> list[BusyTime]:
        params = {"startDateTime": _utc_text(start), "endDateTime": _utc_text(end),
                  "$select": "start,end,showAs,isCancelled,type", "$top": "100"}
        periods = []
        for event in self.client.items("calendarView", params=params, headers={"Prefer": 'outlook.timezone="UTC"'}):
            if not blocks(event):
                continue
            period = BusyTime(_parse_utc(event["start"]), _parse_utc(event["end"]))
            if period.start < end and period.end > start:
                periods.append(period)
        return sorted(periods, key=lambda p: (p.start, p.end))

    def free_busy(self, addresses: Sequence[str], start: datetime, end: datetime) -> dict[str, list[BusyTime]]:
        found: dict[str, list[BusyTime]] = {}
        unknown: dict[str, str] = {}
        for first in range(0, len(addresses), SCHEDULES):
            chunk = list(addresses[first:first + SCHEDULES])
            lo = start
            while lo < end:
                hi = min(end, lo + WINDOW)
                for address, periods in self._schedule(chunk, lo, hi, unknown).items():
                    found.setdefault(address, []).extend(periods)
                lo = hi
        for address, reason in unknown.items():
            log.warning("Graph free/busy of %s unknown: %s", address, reason)
        return {a: sorted(set(p), key=lambda b: (b.start, b.end)) for a, p in found.items()}

    def close(self) -> None:
        self.client.close()

    def _schedule(self, addresses: list[str], start: datetime, end: datetime,
                  unknown: dict[str, str]) -> dict[str, list[BusyTime]]:
        body = {"schedules": addresses, "availabilityViewInterval": INTERVAL,
                "startTime": {"dateTime": _utc_text(start)[:-1], "timeZone": "UTC"},
                "endTime": {"dateTime": _utc_text(end)[:-1], "timeZone": "UTC"}}
        answer = self.client.json("POST", "calendar/getSchedule", json=body,
                                  headers={"Prefer": 'outlook.timezone="UTC"'})
        wanted = {a.lower(): a for a in addresses}
        out: dict[str, list[BusyTime]] = {}
        for info in answer.get("value", []):
            address = wanted.get(str(info.get("scheduleId", "")).lower())
            if address is None:
                continue
            periods = schedule_busy(info)
            if periods is None:
                error = info.get("error") or {}
                unknown[address] = f"{error.get('responseCode', '')}: {error.get('message', '')}"
                continue
            out[address] = [p for p in periods if p.start < end and p.end > start]
        return out

    def _find(self, uid: str) -> dict | None:
        params = {
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq {odata_string(UID_PROP)} "
                       f"and ep/value eq {odata_string(uid)})",
            "$expand": f"singleValueExtendedProperties($filter=id eq {odata_string(ICS_PROP)})",
            "$select": "id,subject",
        }
        found = self.client.json("GET", "events", params=params).get("value", [])
        return found[0] if found else None


def blocks(event: dict) -> bool:
    """Whether one ``calendarView`` instance makes its time busy. Occurrences, moved instances
    (``exception``, listed at their new time) and single events count; a deleted instance is not
    listed at all. Cancelled meetings and events shown as free or working elsewhere do not block;
    tentative ones do (the person may well go), and so do ``unknown`` ones (nothing says the time is
    free), as in EWS. A ``seriesMaster`` is never part of a view, and
    its own times are only the first instance's, so it is skipped should a server send one."""
    return (not event.get("isCancelled") and event.get("showAs") not in NOT_BUSY
            and event.get("type") != "seriesMaster")


def schedule_busy(info: dict) -> list[BusyTime] | None:
    """The busy periods of one ``scheduleInformation`` (None when Graph answered it with an
    ``error``): items of status busy, oof and tentative block; free, workingElsewhere and unknown
    (Graph could not tell) do not."""
    if info.get("error"):
        return None
    return [BusyTime(_parse_utc(item["start"]), _parse_utc(item["end"]))
            for item in info.get("scheduleItems", []) if item.get("status") in SCHEDULE_BLOCKS]


def event_json(shape: EventShape) -> dict:
    """The Graph ``event`` resource for a series (no attendees: Exchange must not invite anyone)."""
    body: dict = {
        "subject": shape.summary,
        "body": {"contentType": "text", "content": shape.description},
        "start": _when(shape.start, shape), "end": _when(shape.end, shape),
        "isAllDay": shape.all_day,
        "showAs": "busy" if shape.busy else "free",
        "isReminderOn": False,
    }
    if shape.location:
        body["location"] = {"displayName": shape.location}
    if shape.rule:
        body["recurrence"] = recurrence_json(shape.rule, shape.start)
    return body


def recurrence_json(rule: Rule, start: datetime) -> dict:
    """Graph ``patternedRecurrence`` for a ``Rule``."""
    pattern: dict = {"type": rule.kind, "interval": rule.interval}
    if rule.weekdays:
        pattern["daysOfWeek"] = list(rule.weekdays)
    if rule.kind == "weekly":
        pattern["firstDayOfWeek"] = rule.first_day_of_week
    if rule.month_day:
        pattern["dayOfMonth"] = rule.month_day
    if rule.week_index:
        pattern["index"] = rule.week_index
    first = start.date().isoformat()
    if rule.count:
        range_ = {"type": "numbered", "startDate": first, "numberOfOccurrences": rule.count}
    elif rule.until:
        range_ = {"type": "endDate", "startDate": first, "endDate": rule.until.isoformat()}
    else:
        range_ = {"type": "noEnd", "startDate": first}
    return {"pattern": pattern, "range": range_}


def _when(value: datetime, shape: EventShape) -> dict:
    """``dateTimeTimeZone``: wall-clock time in the series' IANA zone, so the series keeps its
    local time across daylight-saving changes."""
    if shape.all_day:
        return {"dateTime": value.strftime("%Y-%m-%dT00:00:00"), "timeZone": "UTC"}
    return {"dateTime": value.replace(tzinfo=None).isoformat(timespec="seconds"), "timeZone": shape.zone}


def _utc_text(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_utc(value: dict) -> datetime:
    """Graph answers ``2026-12-01T10:00:00.0000000`` with ``timeZone: UTC`` (asked for with Prefer);
    an IANA zone, should a server ignore the header, is honoured too."""
    text = value["dateTime"].rstrip("Z")
    head, _, fraction = text.partition(".")
    name = value.get("timeZone") or "UTC"
    try:
        zone = timezone.utc if name.upper() in ("UTC", "ETC/UTC") else ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise AdapterError(f"Graph calendarView: unexpected time zone {name!r}") from None
    moment = datetime.fromisoformat(head).replace(tzinfo=zone).astimezone(timezone.utc)
    return moment + timedelta(microseconds=int((fraction or "0")[:6].ljust(6, "0")))
