"""``POST /users/{id}/calendar/getSchedule`` of the Graph replay server, answered the way Exchange
Online answers it: one ``scheduleInformation`` per address asked, in the order asked, with
``scheduleItems`` (status, subject, times as ``dateTimeTimeZone`` in the ``Prefer:
outlook.timezone`` zone, UTC otherwise), an ``availabilityView`` string and ``workingHours``; an
address without a mailbox gets an ``error`` instead. Graph's limits are kept: at most 100 addresses
(``ErrorMailboxDataArrayTooBig``) and 62 days (``ErrorTimeIntervalTooBig``), both as 400 errors.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from replay.freebusy import GRAPH_DIGIT, NOT_FOUND, Entry, instances, view_string
from replay.graph_calendar import FORMAT, moment, zone_of

MAX_DAYS = 62
MAX_SCHEDULES = 100
WORKING_HOURS = {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                 "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": {"name": "UTC"}}


def get_schedule(schedules: dict[str, list[Entry]], body: bytes, prefer: str) -> tuple[int, dict]:
    """(status, JSON answer) for one getSchedule request; ``schedules`` maps lower-case addresses."""
    request = json.loads(body)
    addresses = request.get("schedules") or []
    if len(addresses) > MAX_SCHEDULES:
        return 400, _error("ErrorMailboxDataArrayTooBig", "There are too many target users in the EmailAddress "
                           f"array. The allowed size = {MAX_SCHEDULES}; the actual size = {len(addresses)}.")
    lo, hi = moment(request["startTime"]), moment(request["endTime"])
    if hi <= lo:
        return 400, _error("ErrorInvalidTimeInterval",
                           "The time duration specified for FreeBusyViewOptions.TimeWindow is invalid.")
    days = -(-(hi - lo) // timedelta(days=1))
    if days > MAX_DAYS:
        return 400, _error("ErrorTimeIntervalTooBig", "The requested time duration specified for FreeBusyView"
                           f"Options.TimeWindow is too long. The allowed limit = {MAX_DAYS} days; the actual limit = "
                           f"{days} days.")
    minutes = int(request.get("availabilityViewInterval") or 30)
    asked = re.search(r'outlook\.timezone="([^"]+)"', prefer)
    name = asked.group(1) if asked else "UTC"
    zone = zone_of(name)
    shown = lambda value: {"dateTime": value.astimezone(zone).strftime(FORMAT), "timeZone": name}  # noqa: E731
    value = []
    for address in addresses:
        entries = schedules.get(address.lower())
        if entries is None:
            value.append({"scheduleId": address, "availabilityView": "",
                          "error": {"message": NOT_FOUND, "responseCode": "ErrorMailRecipientNotFound"}})
            continue
        rows = instances(entries, lo, hi)
        items = [{"isPrivate": False, "status": e.status, "subject": e.subject, "location": "",
                  "isMeeting": False, "isRecurring": e.weekly, "isException": False, "isReminderSet": True,
                  "start": shown(start), "end": shown(end)} for start, end, e in rows]
        value.append({"scheduleId": address, "availabilityView": view_string(rows, lo, hi, minutes, GRAPH_DIGIT),
                      "scheduleItems": items, "workingHours": WORKING_HOURS})
    return 200, {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection("
                                   "microsoft.graph.scheduleInformation)", "value": value}


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
