"""People's own calendars for the free/busy questions of the replay servers (Graph ``getSchedule``,
EWS ``GetUserAvailability``): per address, a list of entries, each once or every week without end.

Statuses are Graph's words (``free``, ``tentative``, ``busy``, ``oof``, ``workingElsewhere``,
``unknown``); the EWS server shows them as EWS ``BusyType``s (``EWS_STATUS``). An address with no
list is no mailbox the server knows: both servers answer it with ``ErrorMailRecipientNotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

EWS_STATUS = {"free": "Free", "tentative": "Tentative", "busy": "Busy", "oof": "OOF",
              "workingElsewhere": "WorkingElsewhere", "unknown": "NoData"}
GRAPH_DIGIT = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4", "unknown": "0"}
RANK = ["free", "unknown", "workingElsewhere", "tentative", "busy", "oof"]  # the stronger wins a slot
NOT_FOUND = "The SMTP address has no mailbox associated with it."


@dataclass(frozen=True)
class Entry:
    start: datetime  # aware
    end: datetime
    status: str = "busy"
    subject: str = "Busy"
    weekly: bool = False  # every week from ``start``, no end


def instances(entries: list[Entry], lo: datetime, hi: datetime) -> list[tuple[datetime, datetime, Entry]]:
    """Each (start, end, entry) overlapping [lo, hi), by start; weekly entries keep their UTC time."""
    out = []
    for entry in entries:
        start, length = entry.start, entry.end - entry.start
        if entry.weekly and start + length <= lo:
            start += timedelta(weeks=(lo - start - length) // timedelta(weeks=1) + 1)
        while start < hi:
            if start + length > lo:
                out.append((start, start + length, entry))
            if not entry.weekly:
                break
            start += timedelta(weeks=1)
    return sorted(out, key=lambda i: (i[0], i[1], i[2].subject))


def view_string(rows: list[tuple[datetime, datetime, Entry]], lo: datetime, hi: datetime, minutes: int,
                digits: dict[str, str]) -> str:
    """The availability view: one digit per ``minutes`` slot from ``lo``, the strongest status there."""
    step, out, slot = timedelta(minutes=minutes), [], lo
    while slot < hi:
        there = [e.status for s, e_end, e in rows if s < slot + step and e_end > slot] or ["free"]
        out.append(digits[max(there, key=RANK.index)])
        slot += step
    return "".join(out)
