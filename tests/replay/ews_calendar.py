"""Calendar items of the EWS replay server: recurrence expansion for a ``CalendarView`` and the
items Exchange answers in one, with moved and deleted occurrences.

A recurring master keeps its exceptions the way Exchange shows them on the master item:
``ModifiedOccurrences`` (``Occurrence`` elements with ``ItemId``, ``Start``, ``End`` and
``OriginalStart``) and ``DeletedOccurrences`` (``DeletedOccurrence`` with the original ``Start``).
In a view, an unchanged occurrence is a ``CalendarItem`` of ``CalendarItemType`` ``Occurrence``, a
moved one an ``Exception`` at its new time (listed only when that time is in the view), a deleted one
is absent. As exchangelib notes, Exchange also lists items that end exactly at the view's start.
Only the properties the request's ``ItemShape`` names are returned, after the ``ItemId``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from dateutil import rrule
from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

from replay.ews_soap import elem, parse_time, t

DAYS = {"Monday": rrule.MO, "Tuesday": rrule.TU, "Wednesday": rrule.WE, "Thursday": rrule.TH,
        "Friday": rrule.FR, "Saturday": rrule.SA, "Sunday": rrule.SU}
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# calendar:* properties a view can return, in the schema's order (CalendarItemType sequence).
VIEW_FIELDS = ("Subject", "Start", "End", "OriginalStart", "IsAllDayEvent", "LegacyFreeBusyStatus", "IsCancelled",
               "IsRecurring", "CalendarItemType")


def utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime(UTC_FORMAT)


def zone_of(item) -> ZoneInfo:
    """The item's zone for expansion (an element without children is falsy: test against None)."""
    zone_elem = item.props.get("StartTimeZone")
    if zone_elem is None:
        zone_elem = item.props.get("MeetingTimeZone")
    return ZoneInfo(MS_TIMEZONE_TO_IANA_MAP.get(zone_elem.get("Id"), "UTC") if zone_elem is not None else "UTC")


def series_starts(item, start: datetime, hi: datetime) -> list[datetime]:
    """Every start of the master (expanded in its own zone, wall clock kept across DST) up to ``hi``."""
    recurrence = item.props.get("Recurrence")
    if recurrence is None:
        return [start]
    pattern, boundary = recurrence[0], recurrence[1]
    kind = pattern.tag.split("}")[1]
    freq = {"DailyRecurrence": rrule.DAILY, "WeeklyRecurrence": rrule.WEEKLY}[kind]
    kwargs: dict = {"interval": int(pattern.findtext(t("Interval"))), "dtstart": start.replace(tzinfo=None)}
    if kind == "WeeklyRecurrence":
        kwargs["byweekday"] = [DAYS[d] for d in pattern.findtext(t("DaysOfWeek")).split()]
    if boundary.tag == t("NumberedRecurrence"):
        kwargs["count"] = int(boundary.findtext(t("NumberOfOccurrences")))
    elif boundary.tag == t("EndDateRecurrence"):
        kwargs["until"] = datetime.fromisoformat(boundary.findtext(t("EndDate"))[:10]) + timedelta(days=1)
    else:
        kwargs["until"] = hi.astimezone(start.tzinfo).replace(tzinfo=None) + timedelta(days=1)
    return [s.replace(tzinfo=start.tzinfo) for s in rrule.rrule(freq, **kwargs)]


def occurrences(item, lo: datetime, hi: datetime) -> list[tuple]:
    """(item, start, end, CalendarItemType, original start or None) for each instance in the view."""
    if item.kind != "CalendarItem" or "Start" not in item.props:
        return []
    zone = zone_of(item)
    start, end = (parse_time(item.text(k)).astimezone(zone) for k in ("Start", "End"))
    if "Recurrence" not in item.props:
        return [(item, start, end, "Single", None)] if start < hi and end >= lo else []
    moved = {o.findtext(t("OriginalStart")): o for o in item.props.get("ModifiedOccurrences", [])}
    deleted = {o.findtext(t("Start")) for o in item.props.get("DeletedOccurrences", [])}
    rows = []
    for s in series_starts(item, start, hi):
        original = utc_text(s)
        if original in deleted:
            continue
        if original in moved:
            new_start, new_end = (parse_time(moved[original].findtext(t(k))) for k in ("Start", "End"))
            rows.append((item, new_start, new_end, "Exception", s))
        else:
            rows.append((item, s, s + (end - start), "Occurrence", s))
    return [r for r in rows if r[1] < hi and r[2] >= lo]


def move_occurrence(item, occurrence_id: str, original: datetime, start: datetime, end: datetime) -> None:
    """Record a moved occurrence on the master, as Exchange does after an UpdateItem on it."""
    modified = item.props.setdefault("ModifiedOccurrences", ET.Element(t("ModifiedOccurrences")))
    occurrence = ET.SubElement(modified, t("Occurrence"))
    ET.SubElement(occurrence, t("ItemId"), Id=occurrence_id, ChangeKey="DwAAAA==")
    for name, value in (("Start", start), ("End", end), ("OriginalStart", original)):
        occurrence.append(elem(name, utc_text(value)))


def delete_occurrence(item, original: datetime) -> None:
    """Record a deleted occurrence on the master, as Exchange does after a DeleteItem on it."""
    deleted = item.props.setdefault("DeletedOccurrences", ET.Element(t("DeletedOccurrences")))
    ET.SubElement(deleted, t("DeletedOccurrence")).append(elem("Start", utc_text(original)))


def view_item_xml(item, start: datetime, end: datetime, kind: str, original: datetime | None,
                  shape: ET.Element, overrides: dict[str, str]) -> str:
    """One ``CalendarItem`` of a view with the properties the ItemShape asks for."""
    values = {
        "Subject": escape(item.text("Subject") or ""), "Start": utc_text(start), "End": utc_text(end),
        "OriginalStart": utc_text(original) if original else None,
        "IsAllDayEvent": item.text("IsAllDayEvent") or "false",
        "LegacyFreeBusyStatus": item.text("LegacyFreeBusyStatus") or "Busy",
        "IsCancelled": item.text("IsCancelled") or "false",
        "IsRecurring": "true" if kind in ("Occurrence", "Exception") else "false", "CalendarItemType": kind,
    }
    values.update(overrides)
    extra = shape.find(t("AdditionalProperties"))
    asked = {ref.get("FieldURI", "").split(":")[-1] for ref in (extra if extra is not None else [])}
    body = "".join(f"<t:{name}>{values[name]}</t:{name}>" for name in VIEW_FIELDS
                   if name in asked and values[name] is not None)
    suffix = f"-{original:%Y%m%dT%H%M}" if original else ""
    return (f'<t:CalendarItem><t:ItemId Id="{item.id}{suffix}" ChangeKey="CQ=="/>{body}'
            f'</t:CalendarItem>')
