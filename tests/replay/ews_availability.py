"""Free/busy of the EWS replay server: ``GetUserAvailability`` and the ``GetServerTimeZones`` call
exchangelib makes before it, answered the way Exchange 2016 answers them.

``GetUserAvailability`` has its own response layout (``FreeBusyResponseArray`` of
``FreeBusyResponse``, each a ``ResponseMessage`` and a ``FreeBusyView``), one per mailbox in the
order asked. The view holds a ``CalendarEventArray`` (``StartTime``/``EndTime`` in the request's
time zone, without an offset, and a ``BusyType``; ``CalendarEventDetails`` only for the Detailed
views), ``MergedFreeBusy`` for the merged views, and ``WorkingHours``. A mailbox the server does
not know gets ``ErrorMailRecipientNotFound`` and a view of type None; a time window over
``MAX_DAYS`` (Exchange's default, 42) gets ``ErrorTimeIntervalTooBig`` for every mailbox. Only the
request time zone's ``Bias`` is honoured (the replay has no daylight-saving rules).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

from replay.ews_soap import M, S, T, t
from replay.freebusy import EWS_STATUS, NOT_FOUND, Entry, instances, view_string

MAX_DAYS = 42
EWS_DIGIT = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "0", "unknown": "4"}
UTC_DEFINITION = ('<t:TimeZoneDefinition Id="UTC" Name="(UTC) Coordinated Universal Time"><t:Periods>'
                  '<t:Period Bias="PT0M" Name="Standard" Id="Std"/></t:Periods><t:TransitionsGroups>'
                  '<t:TransitionsGroup Id="0"><t:Transition><t:To Kind="Period">Std</t:To></t:Transition>'
                  '</t:TransitionsGroup></t:TransitionsGroups><t:Transitions><t:Transition>'
                  '<t:To Kind="Group">0</t:To></t:Transition></t:Transitions></t:TimeZoneDefinition>')
WORKING_HOURS = ('<t:WorkingHours><t:TimeZone><t:Bias>0</t:Bias><t:StandardTime><t:Bias>0</t:Bias>'
                 '<t:Time>00:00:00</t:Time><t:DayOrder>1</t:DayOrder><t:Month>1</t:Month>'
                 '<t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime><t:DaylightTime><t:Bias>0</t:Bias>'
                 '<t:Time>00:00:00</t:Time><t:DayOrder>5</t:DayOrder><t:Month>12</t:Month>'
                 '<t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime></t:TimeZone><t:WorkingPeriodArray>'
                 '<t:WorkingPeriod><t:DayOfWeek>Monday Tuesday Wednesday Thursday Friday</t:DayOfWeek>'
                 '<t:StartTimeInMinutes>480</t:StartTimeInMinutes><t:EndTimeInMinutes>1020</t:EndTimeInMinutes>'
                 '</t:WorkingPeriod></t:WorkingPeriodArray></t:WorkingHours>')


def server_time_zones(request: ET.Element) -> str:
    """The response messages of ``GetServerTimeZones``: only UTC is known to the replay."""
    ids = [i.text for i in request.iter(t("Id"))]
    if any(i != "UTC" for i in ids):
        return ('<m:GetServerTimeZonesResponseMessage ResponseClass="Error"><m:MessageText>The time zone is not '
                'supported by the replay server.</m:MessageText><m:ResponseCode>ErrorInvalidRequest</m:ResponseCode>'
                '<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:GetServerTimeZonesResponseMessage>')
    return ('<m:GetServerTimeZonesResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f'<m:TimeZoneDefinitions>{UTC_DEFINITION}</m:TimeZoneDefinitions></m:GetServerTimeZonesResponseMessage>')


def user_availability(schedules: dict[str, list[Entry]], request: ET.Element) -> bytes:
    """The whole SOAP envelope answering one ``GetUserAvailabilityRequest``."""
    bias = timedelta(minutes=int(request.findtext(f"{t('TimeZone')}/{t('Bias')}") or 0))
    local = timezone(-bias)  # EWS: UTC = local time + bias
    options = request.find(t("FreeBusyViewOptions"))
    window = options.find(t("TimeWindow"))
    lo, hi = (_moment(window.findtext(t(k)), local) for k in ("StartTime", "EndTime"))
    view = options.findtext(t("RequestedView")) or "FreeBusy"
    minutes = int(options.findtext(t("MergedFreeBusyIntervalInMinutes")) or 30)
    out = []
    for data in request.find(f"{{{M}}}MailboxDataArray"):
        address = data.findtext(f"{t('Email')}/{t('Address')}") or ""
        entries = schedules.get(address.lower())
        if hi - lo > timedelta(days=MAX_DAYS):
            days = -(-(hi - lo) // timedelta(days=1))
            out.append(_error("ErrorTimeIntervalTooBig", "The requested time duration specified for FreeBusyView"
                              f"Options.TimeWindow is too long. The allowed limit = {MAX_DAYS} days; the actual "
                              f"limit = {days} days."))
        elif entries is None:
            out.append(_error("ErrorMailRecipientNotFound", NOT_FOUND))
        else:
            out.append(_view(instances(entries, lo, hi), lo, hi, local, view, minutes))
    return (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{S}"><s:Header>'
            f'<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
            f'Version="V2017_07_11" xmlns:h="{T}" xmlns="{T}"/></s:Header><s:Body>'
            f'<m:GetUserAvailabilityResponse xmlns:m="{M}" xmlns:t="{T}"><m:FreeBusyResponseArray>{"".join(out)}'
            f'</m:FreeBusyResponseArray></m:GetUserAvailabilityResponse></s:Body></s:Envelope>').encode()


def _view(rows, lo: datetime, hi: datetime, local, view: str, minutes: int) -> str:
    events = []
    for n, (start, end, entry) in enumerate(rows):
        details = ""
        if view.startswith("Detailed"):
            details = (f"<t:CalendarEventDetails><t:ID>{n:016X}</t:ID>"
                       f"<t:Subject>{escape(entry.subject)}</t:Subject><t:Location/><t:IsMeeting>false</t:IsMeeting>"
                       f"<t:IsRecurring>{str(entry.weekly).lower()}</t:IsRecurring><t:IsException>false"
                       f"</t:IsException><t:IsReminderSet>true</t:IsReminderSet><t:IsPrivate>false</t:IsPrivate>"
                       f"</t:CalendarEventDetails>")
        events.append(f"<t:CalendarEvent><t:StartTime>{_local(start, local)}</t:StartTime>"
                      f"<t:EndTime>{_local(end, local)}</t:EndTime><t:BusyType>{EWS_STATUS[entry.status]}"
                      f"</t:BusyType>{details}</t:CalendarEvent>")
    merged = (f"<t:MergedFreeBusy>{view_string(rows, lo, hi, minutes, EWS_DIGIT)}</t:MergedFreeBusy>"
              if view.endswith("Merged") else "")
    return ('<m:FreeBusyResponse><m:ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f'</m:ResponseMessage><m:FreeBusyView><t:FreeBusyViewType>{view}</t:FreeBusyViewType>{merged}'
            f'<t:CalendarEventArray>{"".join(events)}</t:CalendarEventArray>{WORKING_HOURS}</m:FreeBusyView>'
            '</m:FreeBusyResponse>')


def _error(code: str, text: str) -> str:
    return (f'<m:FreeBusyResponse><m:ResponseMessage ResponseClass="Error"><m:MessageText>{escape(text)}'
            f'</m:MessageText><m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>'
            '</m:ResponseMessage><m:FreeBusyView><t:FreeBusyViewType>None</t:FreeBusyViewType></m:FreeBusyView>'
            '</m:FreeBusyResponse>')


def _moment(text: str, local) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=local)


def _local(value: datetime, local) -> str:
    return value.astimezone(local).strftime("%Y-%m-%dT%H:%M:%S")
