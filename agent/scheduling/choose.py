"""Choosing one candidate series from the scanned groups: policy levels, score, fallback.

Order of preference:

1. The first accommodation level (core/core, then stretch for whoever the policy names) at which
   some candidate is valid for every occurrence apart from public holidays (those are unavoidable
   and become exceptions). Among those: fewest holidays, fewest stretch minutes, nearest the middle
   of the overlap, on the hour or half hour, Tuesday to Thursday, the mentee's zone as anchor.
2. Otherwise the candidate valid for the most occurrences, at least half of them; the rest become
   per-occurrence exceptions that the notes explain.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.scheduling.engine import Group, Kinds, Person
from agent.scheduling.weekmask import grid_points, runs, span

WEEKDAY_RANK = (3, 0, 1, 2, 4, 5, 6)  # Tue, Wed, Thu, then Mon, Fri, Sat, Sun


@dataclass(frozen=True)
class Choice:
    group: Group
    minute: int
    kinds: Kinds
    level: int
    valid: int  # occurrences that take place


def levels(policy: str, people: tuple[Person, Person]) -> list[tuple[int, Kinds]]:
    """Accommodation levels as ``(rank, (mentee kind, mentor kind))``; equal ranks compete."""
    if policy not in ("mentee", "mentor", "alternate"):
        raise ValueError(f"accommodate must be mentee, mentor or alternate, not {policy!r}")
    mentee_first = (1, ("ext", "core")), (2, ("core", "ext"))
    mentor_first = (1, ("core", "ext")), (2, ("ext", "core"))
    middle = {"mentee": mentee_first, "mentor": mentor_first, "alternate": ((1, ("ext", "core")), (1, ("core", "ext")))}
    found, seen = [], set()
    for rank, kinds in ((0, ("core", "core")), *middle[policy], (3, ("ext", "ext"))):
        signature = tuple(people[j].starts[kinds[j]] for j in (0, 1))
        if signature not in seen:
            seen.add(signature)
            found.append((rank, kinds))
    return found


def choose(groups: list[Group], people, minutes: int, policy: str) -> Choice | None:
    """The best candidate (see the module docstring), or None when nothing reaches half."""
    ladder = levels(policy, people)
    return _fully_valid(groups, people, minutes, ladder) or best_partial(groups, people, minutes, ladder)


def _fully_valid(groups, people, minutes, ladder) -> Choice | None:
    best, best_key, best_rank = None, None, None
    for rank, kinds in ladder:
        if best is not None and rank > best_rank:
            break
        for group in groups:
            mask = group.allowed
            for entry in group.entries:
                mask &= entry.valid(kinds, holidays=False)
                if not mask:
                    break
            if not mask:
                continue
            holidays = [e.valid(kinds) for e in group.entries if e.holiday[0] | e.holiday[1]]
            for first, last in runs(mask):
                for minute in grid_points(first, last):
                    lost = sum(1 for valid in holidays if not (valid >> minute) & 1)
                    key = (lost, *_score(group, people, minutes, kinds, minute, first, last))
                    if best_key is None or key < best_key:
                        best_key, best_rank = key, rank
                        best = Choice(group, minute, kinds, rank, len(group.ordinals) - lost)
    return best


def best_partial(groups, people, minutes, ladder, *, busy=True, holidays=True) -> Choice | None:
    """The candidate valid for the most occurrences, if that is at least half of them."""
    best, best_key = None, None
    for rank, kinds in ladder:
        for group in groups:
            weighted = [(e.valid(kinds, busy=busy, holidays=holidays) & group.allowed, e.weight) for e in group.entries]
            union = 0
            for mask, _ in weighted:
                union |= mask
            heaviest = max(weighted, key=lambda item: item[1])[0] if weighted else 0
            need = (len(group.ordinals) + 1) // 2
            for first, last in runs(union):
                points = range(-(-first // 15) * 15, last + 1, 15) or grid_points(first, last)
                for minute in points:
                    count = sum(weight for mask, weight in weighted if (mask >> minute) & 1)
                    if count < need or count == 0:
                        continue
                    around = next(((a, b) for a, b in runs(heaviest & span(first, last + 1)) if a <= minute <= b), (minute, minute))
                    key = (-count, rank, *_score(group, people, minutes, kinds, minute, *around))
                    if best_key is None or key < best_key:
                        best_key, best = key, Choice(group, minute, kinds, rank, count)
    return best


def _score(group: Group, people, minutes: int, kinds: Kinds, minute: int, first: int, last: int) -> tuple:
    stretch = 0
    positions = group.entries[0].positions
    for j, kind in enumerate(kinds):
        if kind == "ext":
            inside = (people[j].avail["core"] >> (positions[j] + minute)) & ((1 << minutes) - 1)
            stretch += minutes - inside.bit_count()
    centred = min(minute - first, last - minute) // 15
    aligned = (minute % 30 != 0) + (minute % 60 != 0)
    return (stretch, -centred, aligned, WEEKDAY_RANK[group.weekday], group.anchor, minute)
