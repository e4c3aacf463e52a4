"""The calendar view of the Graph replay server: series expanded by the requested window the way
Exchange Online answers ``GET /users/{id}/calendarView``.

Each instance carries Graph's own fields: ``type`` (``singleInstance``, ``occurrence`` or
``exception``), ``seriesMasterId`` and ``originalStart`` (an ``Edm.DateTimeOffset``) for instances of
a series, ``showAs``, ``isCancelled`` and ``start``/``end`` as ``dateTimeTimeZone`` objects in the
zone the ``Prefer: outlook.timezone`` header asked for (UTC otherwise). A moved instance (an
exception) is listed at its new time, and only when that time overlaps the window; a deleted
instance is not listed at all. ``$select`` keeps ``id`` and the named properties.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule
from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

WEEKDAY = {"monday": rrule.MO, "tuesday": rrule.TU, "wednesday": rrule.WE, "thursday": rrule.TH,
           "friday": rrule.FR, "saturday": rrule.SA, "sunday": rrule.SU}
FREQ = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "absoluteMonthly": rrule.MONTHLY}
FORMAT = "%Y-%m-%dT%H:%M:%S.0000000"


def zone_of(name: str) -> ZoneInfo:
    """Graph takes IANA names and Windows names ("W. Europe Standard Time") alike."""
    return ZoneInfo(MS_TIMEZONE_TO_IANA_MAP.get(name, name))


def moment(value: dict) -> datetime:
    """A ``dateTimeTimeZone`` object as an aware datetime (seven fraction digits allowed)."""
    text = value["dateTime"].rstrip("Z").split(".")[0]
    return datetime.fromisoformat(text).replace(tzinfo=zone_of(value["timeZone"]))


def original_key(value: datetime) -> str:
    """``originalStart`` as Graph writes it: UTC, whole seconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def series_starts(event: dict, hi: datetime) -> list[datetime]:
    """Every start of the event (one for a single instance) up to ``hi`` or the range's end."""
    start = moment(event["start"])
    recurrence = event.get("recurrence")
    if not recurrence:
        return [start]
    pattern, range_ = recurrence["pattern"], recurrence["range"]
    kwargs: dict = {"interval": pattern.get("interval", 1), "dtstart": start.replace(tzinfo=None)}
    if pattern.get("daysOfWeek"):
        kwargs["byweekday"] = [WEEKDAY[d] for d in pattern["daysOfWeek"]]
    if range_["type"] == "numbered":
        kwargs["count"] = range_["numberOfOccurrences"]
    elif range_["type"] == "endDate":
        kwargs["until"] = datetime.fromisoformat(range_["endDate"]) + timedelta(days=1)
    else:
        kwargs["until"] = hi.astimezone(start.tzinfo).replace(tzinfo=None) + timedelta(days=1)
    return [s.replace(tzinfo=start.tzinfo) for s in rrule.rrule(FREQ[pattern["type"]], **kwargs)]


def instances(event: dict, exceptions: dict, deleted: set, lo: datetime, hi: datetime) -> list[dict]:
    """The event's instances overlapping [lo, hi) as full Graph event objects (times still aware).

    ``exceptions`` maps (series id, original start key) to the changed properties of a moved
    instance (``start``, ``end`` and maybe ``showAs``...); ``deleted`` holds such keys too."""
    length = moment(event["end"]) - moment(event["start"])
    series = bool(event.get("recurrence"))
    out = []
    for start in series_starts(event, hi):
        key = (event["id"], original_key(start))
        if key in deleted:
            continue
        shown = {k: v for k, v in event.items() if k not in ("recurrence", "singleValueExtendedProperties")}
        shown.update({"showAs": event.get("showAs", "busy"), "isCancelled": event.get("isCancelled", False),
                      "type": "singleInstance", "start": start, "end": start + length})
        if series:
            shown.update({"id": f"{event['id']}-occ-{key[1]}", "type": "occurrence", "seriesMasterId": event["id"],
                          "originalStart": key[1], "originalStartTimeZone": event["start"]["timeZone"]})
            if key in exceptions:
                change = exceptions[key]
                shown.update({**change, "type": "exception", "start": moment(change["start"]),
                              "end": moment(change["end"])})
        if shown["start"] < hi and shown["end"] > lo:
            out.append(shown)
    return out


def calendar_view(events: dict, exceptions: dict, deleted: set, lo: datetime, hi: datetime,
                  select: str | None, prefer: str) -> list[dict]:
    """All instances in the window, ordered by start, written the way Graph writes them."""
    asked = re.search(r'outlook\.timezone="([^"]+)"', prefer)
    name = asked.group(1) if asked else "UTC"
    zone = zone_of(name)
    rows = sorted((i for e in events.values() for i in instances(e, exceptions, deleted, lo, hi)),
                  key=lambda i: (i["start"], i["end"], i["id"]))
    fields = {f.strip() for f in select.split(",")} | {"id"} if select else None
    out = []
    for row in rows:
        row = {**row, "@odata.etag": 'W/"DwAAABYAAAA="',
               "start": {"dateTime": row["start"].astimezone(zone).strftime(FORMAT), "timeZone": name},
               "end": {"dateTime": row["end"].astimezone(zone).strftime(FORMAT), "timeZone": name}}
        out.append({k: v for k, v in row.items() if fields is None or k in fields or k == "@odata.etag"})
    return out
