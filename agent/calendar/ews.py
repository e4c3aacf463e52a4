"""Exchange on-premises calendar through EWS (exchangelib): the program's copy of each series.

See ``agent.ports.Calendar`` for the contract. Specific to EWS:

* Each series is one calendar item in the mailbox's default calendar with the subject, times and
  recurrence of its master VEVENT (``agent.exchange.event_shape``), and two named string
  properties in a property set of our own: the iCalendar UID (found again with a ``FindItem``
  restriction on it) and the whole document, read with ``GetItem`` (``FindItem`` truncates long
  strings) and returned by ``get``.
* Items carry no attendees and are saved with ``SendMeetingInvitations=SendToNone``: Exchange
  sends nothing, the program sends its own iMIP mail.
* ``busy()`` asks for a ``CalendarView``: Exchange expands each series into occurrences, lists a moved
  one (``CalendarItemType`` Exception) at its new time and leaves deleted ones out. Items shown as
  Free or WorkingElsewhere, and cancelled ones, are skipped (``blocks``).
* ``free_busy()`` asks ``GetUserAvailability`` (exchangelib's ``get_free_busy_info``) for the
  ``FreeBusy`` view, which carries times and a busy type but no subjects, at most ``WINDOW`` at a
  time (Exchange's default limit is 42 days). Busy, OOF and Tentative block; Free and
  WorkingElsewhere do not, and neither does NoData: Exchange could not read that calendar, which
  says as little as an unknown address. An address Exchange answers with an error
  (``ErrorMailRecipientNotFound``: no such mailbox, e.g. someone outside the organisation) is
  logged and left out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from exchangelib import CalendarItem, EWSDate, EWSDateTime, EWSTimeZone, ExtendedProperty
from exchangelib.items import SEND_TO_NONE
from exchangelib.recurrence import (AbsoluteMonthlyPattern, DailyPattern, EndDatePattern, NoEndPattern,
                                    NumberedPattern, Recurrence, RelativeMonthlyPattern, WeeklyPattern)

from agent.exchange.ews_session import EwsSession
from agent.exchange.event_shape import EventShape, Rule, shape_of
from agent.ports import BusyTime, Calendar

PROPERTY_SET = "9d3c5e1a-6f1b-4c39-9a4e-8d2f5b7c0e41"
NOT_BUSY = {"Free", "WorkingElsewhere"}  # Tentative, Busy, OOF and NoData block a slot
FREE_BUSY_BLOCKS = {"Busy", "OOF", "Tentative"}  # free/busy answers: Free, WorkingElsewhere, NoData do not
WINDOW = timedelta(days=42)  # Exchange's default longest GetUserAvailability time window
MERGED_INTERVAL = 1440  # minutes; the merged string is not read, so the coarsest keeps answers small

log = logging.getLogger(__name__)
FIELDS = ["subject", "body", "location", "start", "end", "is_all_day", "legacy_free_busy_status",
          "recurrence", "reminder_is_set", "mentor_agent_uid", "mentor_agent_ics"]


class MentorAgentUid(ExtendedProperty):
    property_set_id = PROPERTY_SET
    property_name = "mentorAgentUid"
    property_type = "String"


class MentorAgentIcs(ExtendedProperty):
    property_set_id = PROPERTY_SET
    property_name = "mentorAgentIcs"
    property_type = "String"


def register_properties() -> None:
    """Teach exchangelib's ``CalendarItem`` our two properties (a class-wide registration, once)."""
    names = {f.name for f in CalendarItem.FIELDS}
    for name, cls in (("mentor_agent_uid", MentorAgentUid), ("mentor_agent_ics", MentorAgentIcs)):
        if name not in names:
            CalendarItem.register(name, cls)


class EwsCalendar(Calendar):
    def __init__(self, session: EwsSession):
        self.session = session
        register_properties()

    def __repr__(self) -> str:
        return f"EwsCalendar({self.session!r})"

    def put(self, uid: str, ics: bytes) -> None:
        shape = shape_of(ics)

        def op(account) -> None:
            values = item_values(shape, uid, ics)
            existing = self._find(account, uid)
            if existing is None:
                CalendarItem(account=account, folder=account.calendar, **values).save(
                    send_meeting_invitations=SEND_TO_NONE)
                return
            for name, value in values.items():
                setattr(existing, name, value)
            existing.save(update_fields=FIELDS, send_meeting_invitations=SEND_TO_NONE)

        self.session.call(f"put {uid}", op)

    def get(self, uid: str) -> bytes | None:
        found = self.session.call(f"get {uid}", lambda a: self._find(a, uid))
        if found is None or not found.mentor_agent_ics:
            return None
        # A bare CR in XML text reaches the parser as LF unless the server wrote it as &#13;:
        # iCalendar lines end in CRLF (RFC 5545 §3.1), so put them back.
        return re.sub(r"\r?\n", "\r\n", found.mentor_agent_ics).encode("utf-8")

    def remove(self, uid: str) -> None:
        def op(account) -> None:
            found = self._find(account, uid)
            if found is not None:
                found.delete(send_meeting_cancellations=SEND_TO_NONE)

        self.session.call(f"remove {uid}", op)

    def busy(self, start: datetime, end: datetime) -> list[BusyTime]:
        lo, hi = (EWSDateTime.from_datetime(v.astimezone(timezone.utc)) for v in (start, end))

        def op(account) -> list[BusyTime]:
            view = account.calendar.view(start=lo, end=hi).only("start", "end", "legacy_free_busy_status",
                                                                  "is_cancelled", "type")
            periods = (BusyTime(_utc(i.start), _utc(i.end)) for i in view if blocks(i))
            # Exchange also lists items that end exactly at the view's start: they block nothing.
            return [p for p in periods if p.start < end and p.end > start]

        return sorted(self.session.call("read busy times", op), key=lambda p: (p.start, p.end))

    def free_busy(self, addresses: Sequence[str], start: datetime, end: datetime) -> dict[str, list[BusyTime]]:
        addresses = list(addresses)
        found: dict[str, list[BusyTime]] = {}
        unknown: dict[str, str] = {}
        lo = start
        while addresses and lo < end:
            hi = min(end, lo + WINDOW)
            window = tuple(EWSDateTime.from_datetime(v.astimezone(timezone.utc)) for v in (lo, hi))

            def op(account, window=window) -> list:
                return list(account.protocol.get_free_busy_info(
                    accounts=[(a, "Required", False) for a in addresses], start=window[0], end=window[1],
                    merged_free_busy_interval=MERGED_INTERVAL, requested_view="FreeBusy"))

            for address, view in zip(addresses, self.session.call("read free/busy", op), strict=True):
                if isinstance(view, Exception):
                    unknown[address] = f"{type(view).__name__}: {view}"
                    continue
                periods = found.setdefault(address, [])
                periods.extend(p for p in view_busy(view) if p.start < hi and p.end > lo)
            lo = hi
        for address, reason in unknown.items():
            log.warning("EWS free/busy of %s unknown: %s", address, reason)
        return {a: sorted(set(p), key=lambda b: (b.start, b.end)) for a, p in found.items()}

    def close(self) -> None:
        self.session.close()

    @staticmethod
    def _find(account, uid: str) -> CalendarItem | None:
        ids = list(account.calendar.filter(mentor_agent_uid=uid).values_list("id", "changekey")[:1])
        if not ids:
            return None
        (item,) = account.fetch(ids=ids, only_fields=FIELDS)
        return None if isinstance(item, Exception) else item


def blocks(item) -> bool:
    """Whether one item of a ``CalendarView`` makes its time busy. Occurrences, moved occurrences
    (``Exception``, listed at their new time) and single items count; deleted occurrences are not in
    the view. Cancelled meetings and items shown as Free or WorkingElsewhere do not block; Tentative
    (the person may well go), Busy, OOF and NoData (nothing says the time is free) do, as in Graph.
    A ``RecurringMaster`` is never part of a view (its times are only the first occurrence's), so
    it is skipped should a server send one."""
    return (item.legacy_free_busy_status not in NOT_BUSY and not item.is_cancelled
            and item.type != "RecurringMaster")


def view_busy(view) -> list[BusyTime]:
    """The busy periods of one exchangelib ``FreeBusyView`` (see the module docstring)."""
    return [BusyTime(_utc(e.start), _utc(e.end)) for e in view.calendar_events or () if e.busy_type in FREE_BUSY_BLOCKS]


def item_values(shape: EventShape, uid: str, ics: bytes) -> dict:
    """The CalendarItem fields for a series; times keep their zone so the series keeps its local time."""
    if shape.all_day:
        start, end = EWSDate.from_date(shape.start.date()), EWSDate.from_date(shape.end.date())
    else:
        zone = EWSTimeZone(shape.zone)
        start, end = (EWSDateTime.from_datetime(v).astimezone(zone) for v in (shape.start, shape.end))
    return {
        "subject": shape.summary, "body": shape.description, "location": shape.location or None,
        "start": start, "end": end, "is_all_day": shape.all_day,
        "legacy_free_busy_status": "Busy" if shape.busy else "Free",
        "recurrence": recurrence_of(shape.rule, shape.start) if shape.rule else None,
        "reminder_is_set": False, "mentor_agent_uid": uid, "mentor_agent_ics": ics.decode("utf-8"),
    }


def recurrence_of(rule: Rule, start: datetime) -> Recurrence:
    """exchangelib's ``Recurrence`` for a ``Rule`` (EWS day names are capitalised: "Monday")."""
    days = [d.capitalize() for d in rule.weekdays]
    if rule.kind == "daily":
        pattern = DailyPattern(interval=rule.interval)
    elif rule.kind == "weekly":
        pattern = WeeklyPattern(interval=rule.interval, weekdays=days,
                                first_day_of_week=rule.first_day_of_week.capitalize())
    elif rule.kind == "absoluteMonthly":
        pattern = AbsoluteMonthlyPattern(interval=rule.interval, day_of_month=rule.month_day)
    else:
        pattern = RelativeMonthlyPattern(interval=rule.interval, weekday=days[0],
                                         week_number=rule.week_index.capitalize())
    first = EWSDate.from_date(start.date())
    if rule.count:
        boundary = NumberedPattern(start=first, number=rule.count)
    elif rule.until:
        boundary = EndDatePattern(start=first, end=EWSDate.from_date(rule.until))
    else:
        boundary = NoEndPattern(start=first)
    return Recurrence(pattern=pattern, boundary=boundary)


def _utc(value) -> datetime:
    if not isinstance(value, datetime):  # an all-day date
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    moment = datetime(*value.timetuple()[:6], value.microsecond, tzinfo=value.tzinfo)  # plain, not EWSDateTime
    return moment.astimezone(timezone.utc)
