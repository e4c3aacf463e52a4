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

from agent.domain.model import Participant
from agent.scheduling.tzminutes import DAY, EPOCH_ORDINAL, MONDAY0, WEEK, Timeline
from agent.scheduling.weekmask import DAY_BITS, all_set, availability, span, starts

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
        kinds = {"core": (who.hours, None), "ext": (who.hours, stretch)}
        return cls(
            who,
            line,
            {k: starts(core, extra, minutes) for k, (core, extra) in kinds.items()},
            {k: availability(core, extra) for k, (core, extra) in kinds.items()},
            holidays,
        )


@dataclass
class Entry:
    """Masks shared by one or more dates of a group (``dates`` are indexes into the group's dates)."""

    dates: list[int]
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
    entry_of: list[int] = field(default_factory=list)


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
        self.block_ends = [[b for _, b in spans] for _, spans in self.blocks]
        every = sorted(span_ for _, spans in self.blocks for span_ in spans)
        self.block_starts = [a for a, _ in every]
        self.block_stops = [b for _, b in every]
        self._cache: dict[tuple[int, int, int], Entry] = {}

    def scan(self, anchor: int, weekday: int, ordinals: list[int], allowed: int) -> Group:
        """Masks for every date of one anchor and weekday (see the module docstring).

        Dates near an offset change or a block get their own exact entry; the others share one
        entry per constant-offset segment between changes.
        """
        group = Group(anchor, weekday, ordinals, allowed)
        midnights = [(o - EPOCH_ORDINAL) * DAY for o in ordinals]
        special = self._near(midnights, self.event_times, self.event_times, 2 * DAY)
        blocked = self._near(midnights, self.block_starts, self.block_stops, DAY) - special
        offsets = list(self.initial)
        bounds = [*self.event_times, 1 << 62]
        low = 0
        by_state: dict[tuple[int, int], int] = {}
        entry_of = group.entry_of
        for k, bound in enumerate(bounds):
            high = bisect_left(midnights, bound)
            members = [i for i in range(low, high) if i not in special and i not in blocked]
            if members:
                state = (offsets[0] - offsets[anchor], offsets[1] - offsets[anchor])
                slot = by_state.get(state)
                if slot is None:
                    slot = by_state[state] = len(group.entries)
                    group.entries.append(self._copy(self.fast(weekday, offsets, anchor), None))
                group.entries[slot].dates.extend(members)
                entry_of.extend([slot] * (len(members) + len(entry_of) - len(entry_of)))
            for i in range(low, high):
                if i in blocked:
                    entry = self._copy(self.fast(weekday, offsets, anchor), i)
                    self._block(entry, midnights[i] - offsets[anchor], 0, DAY)
                elif i in special:
                    entry = self.exact(anchor, midnights[i], i)
                else:
                    continue
                group.entries.append(entry)
            if k < len(self.events):
                offsets[self.events[k][1]] = self.events[k][2]
            low = high
        slots = {i: n for n, e in enumerate(group.entries) for i in e.dates}
        group.entry_of[:] = [slots[i] for i in range(len(ordinals))]
        return group

    def _near(self, midnights: list[int], starts: list[int], stops: list[int], margin: int) -> set[int]:
        """Indexes of dates whose day (widely bounded) may touch one of the spans [start, stop]."""
        near: set[int] = set()
        for a, b in zip(starts, stops):
            low = bisect_left(midnights, a - self.width - margin)
            high = bisect_right(midnights, b + margin)
            near.update(range(low, high))
        return near

    def fast(self, weekday: int, offsets: list[int], anchor: int) -> Entry:
        """Masks for a date on which no zone changes offset near the meeting (cached per state)."""
        key = (weekday, offsets[0] - offsets[anchor], offsets[1] - offsets[anchor])
        entry = self._cache.get(key)
        if entry is None:
            positions = tuple((weekday * DAY + offsets[j] - offsets[anchor]) % WEEK for j in (0, 1))
            hours = {
                (j, kind): (mask >> positions[j]) & DAY_BITS
                for j, person in enumerate(self.people)
                for kind, mask in person.starts.items()
            }
            entry = self._cache[key] = Entry([], hours, positions)
        return entry

    def exact(self, anchor: int, midnight: int, index: int) -> Entry:
        """Masks for a date near an offset change: piece by piece, straddling meetings one by one."""
        hours = {(j, kind): 0 for j, person in enumerate(self.people) for kind in person.starts}
        entry = Entry([index], hours, (0, 0))
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
        for a, _b, _offset in parts[1:]:  # meetings that straddle an offset change
            for m in range(max(first, a - minutes - u0 + 1), min(last, a - u0)):
                if self._fits(person, kind, u0 + m):
                    mask |= 1 << m
        return mask

    def _fits(self, person: Person, kind: str, start: int) -> bool:
        return all(
            all_set(person.avail[kind], (a + offset - MONDAY0) % WEEK, b - a)
            for a, b, offset in person.line.utc_pieces(start, start + self.minutes)
        )

    def _blocked(self, u0: int) -> bool:
        for ends, (_, spans) in zip(self.block_ends, self.blocks):
            k = bisect_right(ends, u0)
            if k < len(spans) and spans[k][0] < u0 + self.width:
                return True
        return False

    def _block(self, entry: Entry, u0: int, first: int, last: int) -> None:
        """Remove starts in [first, last) whose meeting overlaps a busy time or a holiday."""
        masks = []
        for ends, (_, spans) in zip(self.block_ends, self.blocks):
            mask = 0
            k = bisect_right(ends, u0 + first)
            while k < len(spans) and spans[k][0] < u0 + last + self.minutes:
                a, b = spans[k]
                mask |= span(max(first, a - self.minutes - u0 + 1), min(last, b - u0))
                k += 1
            masks.append(mask)
        entry.busy |= masks[0]
        entry.holiday = (entry.holiday[0] | masks[1], entry.holiday[1] | masks[2])

    @staticmethod
    def _copy(entry: Entry, index: int | None) -> Entry:
        return Entry([] if index is None else [index], dict(entry.hours), entry.positions)
