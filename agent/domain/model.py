"""The program's vocabulary as frozen values: people, pairs, hours, series and what people send.

Nothing here does I/O or reads the clock. Every datetime that crosses a module boundary is
timezone-aware; instants are carried in UTC and turned into a person's local time only for display
or for checking that person's working hours.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Role(enum.StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


@dataclass(frozen=True, slots=True, order=True)
class TimeWindow:
    """A span of local wall-clock time inside one day, in minutes since midnight (end exclusive)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ValueError(f"bad window {self.start}-{self.end}")

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Working hours per weekday: ``days[0]`` is Monday; each day holds zero or more windows."""

    days: tuple[tuple[TimeWindow, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("WeeklyHours needs exactly 7 days")

    def on(self, weekday: int) -> tuple[TimeWindow, ...]:
        return self.days[weekday]

    def contains(self, weekday: int, start_minute: int, end_minute: int) -> bool:
        """True when [start_minute, end_minute) on that weekday lies inside one window."""
        return any(w.contains(start_minute, end_minute) for w in self.days[weekday])

    def is_empty(self) -> bool:
        return not any(self.days)

    def describe(self) -> str:
        parts = []
        for index, windows in enumerate(self.days):
            if windows:
                parts.append(f"{WEEKDAYS[index]} " + ", ".join(str(w) for w in windows))
        return "; ".join(parts) or "no hours"


@dataclass(frozen=True)
class Participant:
    """A mentor or mentee as the roster describes them."""

    email: str
    name: str
    role: Role
    timezone: str
    hours: WeeklyHours
    stretch: WeeklyHours | None = None
    country: str | None = None
    subdivision: str | None = None
    locale: str = "en"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.email.split("@")[0]


@dataclass(frozen=True, slots=True)
class CadencePhase:
    """One stretch of a pair's meeting rhythm: every ``interval_weeks`` weeks, ``count`` times.

    ``count`` None means "until the end of the horizon" and is only allowed on the last phase.
    """

    interval_weeks: int
    count: int | None = None

    def __str__(self) -> str:
        rhythm = "weekly" if self.interval_weeks == 1 else f"every {self.interval_weeks} weeks"
        return f"{rhythm} x{self.count}" if self.count else rhythm


@dataclass(frozen=True)
class Pair:
    """One mentor and one mentee. A mentee belongs to one pair, so the mentee's address is its key."""

    mentor: str
    mentee: str
    start: date
    cadence: tuple[CadencePhase, ...]

    @property
    def key(self) -> str:
        return self.mentee

    def partner_of(self, email: str) -> str:
        return self.mentor if email == self.mentee else self.mentee

    def includes(self, email: str) -> bool:
        return email in (self.mentor, self.mentee)


@dataclass(frozen=True)
class SeriesPlan:
    """A recurring meeting as it will be written to calendars: one weekly rhythm in one zone.

    ``dtstart`` is aware and expressed in ``tzid`` (the zone whose wall-clock time stays fixed);
    ``occurrences`` are the UTC starts of every meeting that will take place (EXDATEs removed);
    ``exdates`` are the local starts that the rule generates but that are skipped; ``notes`` say
    in plain words why any date is skipped or differs, for the message to the pair.
    """

    tzid: str
    dtstart: datetime
    minutes: int
    interval_weeks: int
    count: int
    occurrences: tuple[datetime, ...]
    exdates: tuple[datetime, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def rrule(self) -> str:
        day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[self.dtstart.weekday()]
        interval = f";INTERVAL={self.interval_weeks}" if self.interval_weeks != 1 else ""
        return f"FREQ=WEEKLY{interval};BYDAY={day};COUNT={self.count}"


@dataclass(frozen=True)
class NoSlot:
    """The honest answer when no series fits: ``reason`` is a sentence an administrator can act on."""

    reason: str


@dataclass(frozen=True)
class GoalProgress:
    goal: str
    status: str | None = None
    percent: int | None = None
    blockers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agenda:
    """What a mentee wants to cover: topics and questions, progress per goal, asks of the mentor."""

    topics: tuple[str, ...] = ()
    goals: tuple[GoalProgress, ...] = ()
    asks: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionItem:
    text: str
    owner: str | None = None  # "mentor", "mentee", "both" or None when not stated
    due: date | None = None


@dataclass(frozen=True)
class Notes:
    """What a pair agreed in a meeting and who does what next."""

    agreements: tuple[str, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    meeting_date: date | None = None  # a date the writer named; None = the latest past meeting


@dataclass(frozen=True)
class CalendarAnswer:
    """An iMIP REPLY or COUNTER from one attendee (RFC 5546 §3.2.3, §3.2.7)."""

    method: str  # "REPLY" | "COUNTER" | "REFRESH"
    uid: str
    attendee: str
    partstat: str | None  # ACCEPTED | DECLINED | TENTATIVE | None
    sequence: int = 0
    recurrence_id: datetime | None = None  # UTC; None = the whole series
    proposed_start: datetime | None = None  # COUNTER only, UTC
    proposed_end: datetime | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Understanding:
    """Everything the agent understood in one inbound message; the result of ``understand()``."""

    kind: str  # one of KINDS
    reply_text: str
    confidence: float = 1.0
    agenda: Agenda | None = None
    notes: Notes | None = None
    calendar: CalendarAnswer | None = None
    out_of_office_until: date | None = None
    reasons: tuple[str, ...] = field(default=())  # why this kind, for `parse` and `explain`


KINDS = (
    "agenda",
    "notes",
    "request",
    "availability",
    "calendar_reply",
    "calendar_counter",
    "out_of_office",
    "bounce",
    "other",
    "stranger",
)
