"""Each condition a rule may put in ``if = { ... }``: one small function with a readable reason.

A condition takes the pair's facts and the value written in the rule and returns (met, reason).
``weekday`` is different: it is checked for each recipient in that person's own zone, so it lives
in ``engine.decide`` and narrows the recipients instead of answering yes or no for the pair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.rules.engine import PairFacts

Check = Callable[["PairFacts", object], tuple[bool, str]]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _flag(f: PairFacts, v: object) -> str:
    return f"flag {v!r} {'set' if v in f.flags else 'not set'}"


def _plain(text: str) -> str:
    """Case and typographic apostrophes do not matter: "Moins d’e-mails" mentions "moins d'e-mails"."""
    return " ".join(text.replace("\u2019", "'").replace("\u02bc", "'").casefold().split())


def _mentions(f: PairFacts, phrases: object) -> tuple[bool, str]:
    text = _plain(f.text)
    found = [p for p in phrases if _plain(p) in text]  # type: ignore[attr-defined]
    if found:
        return True, f'the message mentions "{found[0]}"'
    return False, "the message mentions none of " + ", ".join(f'"{p}"' for p in phrases)  # type: ignore


def _age(f: PairFacts) -> str:
    return f"pair started {f.pair_age_days} day{'s' if f.pair_age_days != 1 else ''} ago"


CONDITIONS: dict[str, Check] = {
    "agenda_received": lambda f, v: (f.agenda_received == v, f"agenda received: {_yes(f.agenda_received)}"),
    "notes_received": lambda f, v: (f.notes_received == v, f"notes received: {_yes(f.notes_received)}"),
    "sender_role": lambda f, v: (f.sender_role == v, f"sender is the {f.sender_role or 'unknown'}"),
    "meeting_count": lambda f, v: (f.meeting_count == v, f"{f.meeting_count} meetings held (wanted {v})"),
    "meeting_count_min": lambda f, v: (f.meeting_count >= v, f"{f.meeting_count} meetings held (min {v})"),
    "meeting_count_max": lambda f, v: (f.meeting_count <= v, f"{f.meeting_count} meetings held (max {v})"),
    "cadence_phase": lambda f, v: (f.cadence_phase == v, f"cadence phase {f.cadence_phase}"),
    "pair_age_days_min": lambda f, v: (f.pair_age_days >= v, f"{_age(f)} (min {v})"),
    "pair_age_days_max": lambda f, v: (f.pair_age_days <= v, f"{_age(f)} (max {v})"),
    "mentions": _mentions,
    "flag": lambda f, v: (v in f.flags, _flag(f, v)),
    "not_flag": lambda f, v: (v not in f.flags, _flag(f, v)),
}
