"""iTIP/iMIP objects for invitations (RFC 5545, 5546, 6047): pure builders and parsers, no I/O, no clock.

Outbound (``imip_out``): ``build_request`` and ``build_cancel`` write a series as ``DTSTART;TZID=``
plus RRULE, EXDATE and an Outlook-friendly VTIMEZONE; ``series_uid`` gives each series a stable UID.
Inbound (``imip_in``): ``method_of`` peeks at a text/calendar part; ``parse_itip`` reads a REPLY,
COUNTER or REFRESH into a ``CalendarAnswer`` within fixed bounds, or raises ``CalendarRejected``.
"""

from agent.calendar.imip_in import (
    MAX_BYTES,
    MAX_COMPONENTS,
    MAX_LINE,
    ItipObject,
    method_of,
    parse_itip,
    read_itip,
    resolve_tzid,
)
from agent.calendar.imip_out import (
    PRODID,
    Attendee,
    build_cancel,
    build_request,
    cancel_from_request,
    declinecounter,
    occurrence_request,
    series_exdates,
    series_uid,
    series_update,
    with_exdate,
    with_override,
)

__all__ = [
    "MAX_BYTES",
    "MAX_COMPONENTS",
    "MAX_LINE",
    "PRODID",
    "Attendee",
    "ItipObject",
    "build_cancel",
    "build_request",
    "cancel_from_request",
    "declinecounter",
    "method_of",
    "occurrence_request",
    "parse_itip",
    "read_itip",
    "resolve_tzid",
    "series_exdates",
    "series_uid",
    "series_update",
    "with_exdate",
    "with_override",
]
