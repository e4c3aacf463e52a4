"""The bitmask core of the overlap engine: which local start minutes work on every occurrence.

A candidate series is (anchor zone, weekday, local start minute). For one anchor and weekday the
occurrence dates are fixed, and for each date the valid start minutes form a 1,440-bit mask: each
person's start mask (see ``weekmask``) cut out at the position where the anchor's day begins on
that person's clock. Dates on which neither zone changes offset near the meeting share their masks
("states"), so a 26-week series usually costs two or three mask look-ups per weekday, not 26.
Dates near an offset change, a holiday or a busy time get an exact mask of their own, built from
the zones' constant-offset pieces, so gaps, repeated hours and meetings that straddle a change are
all handled to the minute.

Masks are kept per person and per kind of hours (``core``, or ``ext`` = core plus stretch), so one
scan serves every accommodation level.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from agent.domain.model import Participant, WeeklyHours
from agent.scheduling.tzminutes import DAY, EPOCH_ORDINAL, MONDAY0, WEEK, Timeline
from agent.scheduling.weekmask import DAY_BITS, all_set, availability, ones_before, ones_from, span, starts

Kinds = tuple[str, str]  # the kind of hours used by (mentee, mentor): "core" or "ext"


@dataclass
class Person:
    """One participant prepared for a plan: timeline, masks per kind of hours, holiday spans."""

    who: Participant
    line: Timeline
    starts: dict[str, int]
    avail: dict[str, int]
    holidays: list[tuple[int, int, str]]

    @classmethod
    def build(cls, who: Participant, line: Timeline, minutes: int, holidays) -> "Person":
        stretch = who.stretch if who.stretch and not who.stretch.is_empty() else None
        start_masks, avail_masks = _masks(who.hours, stretch, minutes)
        return cls(who, line, start_masks, avail_masks, holidays)


@lru_cache(maxsize=4096)
def _masks(hours: WeeklyHours, stretch: WeeklyHours | None, minutes: int) -> tuple[dict[str, int], dict[str, int]]:
    """Start and availability masks per kind of hours; "ext" is the same int as "core" without stretch.

    Callers must not mutate the returned dicts (they are cached)."""
    kinds = {"core": (hours, None), "ext": (hours, stretch)}
    return (
        {k: starts(core, extra, minutes) for k, (core, extra) in kinds.items()},
        {k: availability(core, extra) for k, (core, extra) in kinds.items()},
    )


@dataclass
class Entry:
    """Masks shared by ``weight`` dates of a group (one date when it is near a change or a block)."""

    weight: int
    hours: dict[tuple[int, str], int]
    positions: tuple[int, int]
    busy: int = 0
    holiday: tuple[int, int] = (0, 0)

    def valid(self, kinds: Kinds, *, busy: bool = True, holidays: bool = True) -> int:
        mask = self.hours[0, kinds[0]] & self.hours[1, kinds[1]]
        if busy:
            mask &= ~self.busy
        if holidays:
            mask &= ~(self.holiday[0] | self.holiday[1])
        return mask


@dataclass
class Group:
    """All occurrence dates of one anchor zone and weekday, with their masks."""

    anchor: int
    weekday: int
    ordinals: list[int]
    allowed: int
    entries: list[Entry] = field(default_factory=list)
    single: dict[int, int] = field(default_factory=dict)  # date index -> entry of its own
    segments: list[tuple[int, int, int]] = field(default_factory=list)  # (first, end, entry) for the rest

    def entry_for(self, index: int) -> Entry:
        """The masks that apply to date ``index``."""
        if index in self.single:
            return self.entries[self.single[index]]
        return next(self.entries[e] for low, high, e in self.segments if low <= index < high)


class Scanner:
    """Builds ``Group``s for one pair, one meeting length, one horizon, one list of busy times."""

    def __init__(self, people: tuple[Person, Person], minutes: int, horizon: tuple[int, int], busy):
        self.people = people
        self.minutes = minutes
        self.width = DAY + minutes
        start = horizon[0] - 3 * DAY
        events = sorted(
            (t, who, person.line.offsets[k + 1])
            for who, person in enumerate(people)
            for k, t in enumerate(person.line.times)
            if start <= t < horizon[1] + 3 * DAY
        )
        self.initial = [person.line.offset(start) for person in people]
        self.event_times = [e[0] for e in events]
        self.events = events
        self.blocks = [("busy", list(busy))] + [("holiday", [(a, b) for a, b, _ in p.holidays]) for p in people]
        self.block_spans = [spans for _, spans in self.blocks]
        self.block_ends = [[b for _, b in spans] for spans in self.block_spans]
        # Anchor-local dates that may hold a meeting touching a change or a block (offsets are
        # within 14 hours of UTC, hence the margins).
        self.event_days = {EPOCH_ORDINAL + d for t in self.event_times for d in range((t - self.width) // DAY - 2, t // DAY + 3)}
        self.block_days = {
            EPOCH_ORDINAL + d for _, spans in self.blocks for a, b in spans for d in range((a - self.width - 840) // DAY, (b + 840) // DAY + 1)
        }
        self._cache: dict[tuple[int, int, int], Entry] = {}
        self._hopeful: dict[int, int] = {}  # anchor -> weekdays (bits) worth scanning

    def scan(self, anchor: int, weekday: int, ordinals: list[int], allowed: int) -> Group | None:
        """Masks for every date of one anchor and weekday (see the module docstring).

        Dates near an offset change or a block get an exact entry of their own; the others share
        one entry per constant-offset segment between changes. None when no date of this weekday
        can work even with stretch hours (the common case for weekends), which saves the rest.
        """
        if self._hopeless(weekday, anchor, len(ordinals)):
            return None
        group = Group(anchor, weekday, ordinals, allowed)
        special = self._near(ordinals, self.event_days)
        blocked = self._near(ordinals, self.block_days)
        offsets = list(self.initial)
        by_state: dict[tuple[int, int], int] = {}
        low = 0
        midnights = [(o - EPOCH_ORDINAL) * DAY for o in ordinals]
        for k, bound in enumerate([*self.event_times, 1 << 62]):
            high = bisect_left(midnights, bound)
            plain = high - low
            for i in (i for i in range(low, high) if i in special or i in blocked) if special or blocked else ():
                if i in special:
                    entry = self.exact(anchor, midnights[i])
                else:
                    busy, first, second = self._blocked(midnights[i] - offsets[anchor], 0, DAY)
                    if not busy | first | second:
                        continue
                    entry = self._copy(self.fast(weekday, offsets, anchor), 1)
                    entry.busy, entry.holiday = busy, (first, second)
                plain -= 1
                group.single[i] = len(group.entries)
                group.entries.append(entry)
            if plain:
                state = (offsets[0] - offsets[anchor], offsets[1] - offsets[anchor])
                slot = by_state.get(state)
                if slot is None:
                    slot = by_state[state] = len(group.entries)
                    group.entries.append(self._copy(self.fast(weekday, offsets, anchor), 0))
                group.entries[slot].weight += plain
                group.segments.append((low, high, slot))
            if k < len(self.events):
                offsets[self.events[k][1]] = self.events[k][2]
            low = high
        return group

    def _hopeless(self, weekday: int, anchor: int, dates: int) -> bool:
        """True when no offset state of the horizon leaves a start in both people's widest hours
        and too few dates are near a change for a series to live on them alone."""
        if dates <= 2 * len(self.events):
            return False
        hopeful = self._hopeful.get(anchor)
        if hopeful is None:
            hopeful = self._hopeful[anchor] = self._hopeful_weekdays(anchor)
        return not hopeful >> weekday & 1

    def _hopeful_weekdays(self, anchor: int) -> int:
        """Bit ``w`` set when weekday ``w`` of the anchor has a start in both people's widest hours
        in some offset state: one AND of two week masks per state instead of one per weekday."""
        ext = [person.starts["ext"] for person in self.people]
        offsets, hopeful = list(self.initial), 0
        for k in range(len(self.events) + 1):
            both = (ext[0] >> ((offsets[0] - offsets[anchor]) % WEEK)) & (ext[1] >> ((offsets[1] - offsets[anchor]) % WEEK))
            for weekday in range(7):
                if not hopeful >> weekday & 1 and (both >> weekday * DAY) & DAY_BITS:
                    hopeful |= 1 << weekday
            if hopeful == 0x7F:
                break
            if k < len(self.events):
                offsets[self.events[k][1]] = self.events[k][2]
        return hopeful

    @staticmethod
    def _near(ordinals: list[int], days: set[int]) -> set[int]:
        if not days:
            return set()
        return {i for i, o in enumerate(ordinals) if o in days}

    def fast(self, weekday: int, offsets: list[int], anchor: int) -> Entry:
        """Masks for a date on which no zone changes offset near the meeting (cached per state)."""
        key = (weekday, offsets[0] - offsets[anchor], offsets[1] - offsets[anchor])
        entry = self._cache.get(key)
        if entry is None:
            positions = tuple((weekday * DAY + offsets[j] - offsets[anchor]) % WEEK for j in (0, 1))
            hours = {}
            for j, person in enumerate(self.people):
                core = hours[j, "core"] = (person.starts["core"] >> positions[j]) & DAY_BITS
                ext = person.starts["ext"]
                hours[j, "ext"] = core if ext is person.starts["core"] else (ext >> positions[j]) & DAY_BITS
            entry = self._cache[key] = Entry(0, hours, positions)
        return entry

    def exact(self, anchor: int, midnight: int) -> Entry:
        """Masks for a date near an offset change: piece by piece, straddling meetings one by one."""
        hours = {(j, kind): 0 for j, person in enumerate(self.people) for kind in person.starts}
        entry = Entry(1, hours, (0, 0))
        pieces = self.people[anchor].line.local_pieces(midnight, midnight + DAY)
        for number, (low, high, offset) in enumerate(pieces):
            u0 = midnight - offset
            first, last = low - midnight, high - midnight
            for j, person in enumerate(self.people):
                parts = person.line.utc_pieces(u0 + first, u0 + last - 1 + self.minutes)
                if number == 0:
                    entry.positions = entry.positions[:j] + ((u0 + parts[0][2] - MONDAY0) % WEEK,) + entry.positions[j + 1 :]
                for kind in person.starts:
                    hours[j, kind] |= self._person_piece(person, kind, parts, u0, first, last)
            self._block(entry, u0, first, last)
        return entry

    def _person_piece(self, person: Person, kind: str, parts, u0: int, first: int, last: int) -> int:
        mask, minutes = 0, self.minutes
        for a, b, offset in parts:
            low, high = max(first, a - u0), min(last, b - minutes - u0 + 1)
            if low < high:
                position = (u0 + offset - MONDAY0) % WEEK
                mask |= (person.starts[kind] >> position) & span(low, high)
        for k in range(1, len(parts)):  # meetings that straddle an offset change
            mask |= self._straddling(person.avail[kind], parts[k - 1], parts[k], u0, first, last, kind, person)
        return mask

    def _straddling(self, avail: int, before, after, u0: int, first: int, last: int, kind, person) -> int:
        """Starts whose meeting begins in piece ``before`` and ends in piece ``after``.

        Uses the run of available minutes ending at the change (old offset) and the run starting
        at it (new offset); meetings that touch a third piece are checked one by one.
        """
        minutes, boundary = self.minutes, after[0] - u0
        low, high = max(first, boundary - minutes + 1), min(last, boundary)
        inside_low, inside_high = max(low, before[0] - u0), min(high, after[1] - u0 - minutes + 1)
        mask = 0
        if inside_low < inside_high:
            old = (u0 + before[2] - MONDAY0) % WEEK
            new = (u0 + after[2] - MONDAY0) % WEEK
            earliest = boundary - ones_before(avail, old + boundary)
            latest = boundary + ones_from(avail, new + boundary) - minutes
            mask = span(max(inside_low, earliest), min(inside_high, latest + 1))
        for m in [*range(low, min(high, inside_low)), *range(max(low, inside_high), high)]:
            if self._fits(person, kind, u0 + m):
                mask |= 1 << m
        return mask

    def _fits(self, person: Person, kind: str, start: int) -> bool:
        return all(
            all_set(person.avail[kind], (a + offset - MONDAY0) % WEEK, b - a)
            for a, b, offset in person.line.utc_pieces(start, start + self.minutes)
        )

    def _block(self, entry: Entry, u0: int, first: int, last: int) -> None:
        """Remove starts in [first, last) whose meeting overlaps a busy time or a holiday."""
        busy, first_holiday, second_holiday = self._blocked(u0, first, last)
        entry.busy |= busy
        entry.holiday = (entry.holiday[0] | first_holiday, entry.holiday[1] | second_holiday)

    def _blocked(self, u0: int, first: int, last: int) -> tuple[int, int, int]:
        """Starts in [first, last) whose meeting overlaps a busy time, a holiday of the first
        person, a holiday of the second: three masks (mostly zero, so nothing is copied for them)."""
        masks = [0, 0, 0]
        minutes, low, high = self.minutes, u0 + first, u0 + last + self.minutes
        for n, ends in enumerate(self.block_ends):
            k = bisect_right(ends, low)
            if k == len(ends):
                continue
            spans = self.block_spans[n]
            mask = 0
            while k < len(spans) and spans[k][0] < high:
                a, b = spans[k]
                mask |= span(max(first, a - minutes - u0 + 1), min(last, b - u0))
                k += 1
            masks[n] = mask
        return masks[0], masks[1], masks[2]

    @staticmethod
    def _copy(entry: Entry, weight: int) -> Entry:
        return Entry(weight, dict(entry.hours), entry.positions)
