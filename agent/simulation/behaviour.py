"""What simulated people do, and when: a seeded model of a program's real traffic.

A ``Behaviour`` holds the shares (of meetings, pairs, people) that behave one way or another;
``REALISTIC`` is what programs see (most agendas on time, some late, some never; notes after most
meetings; a few silent pairs; some declined meetings; people away for a week or two whose mailbox
answers automatically; most invitations accepted). ``IDEAL`` is everyone doing everything on time,
exactly 72 hours and 60 minutes from each meeting, which makes counts exact and is what tests use.

``World`` turns the behaviour into ``SimMail`` values (when, who, what, the raw bytes). It is pure:
it never reads the clock or the store; the driver tells it what was booked and what was sent.
Every random choice is drawn from a generator seeded with the run's seed and the thing it is about
(a pair, an outbox key), so the result does not depend on the order the driver asks in.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.domain.model import Pair, Participant
from agent.simulation import mail

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Behaviour:
    """Shares between 0 and 1: of meetings (agendas, notes, declines), pairs (silent) or people (away)."""

    name: str
    agenda_on_time: float  # an agenda before the reminder (50 to 96 hours before the meeting)
    agenda_late: float  # an agenda after the reminder (4 to 46 hours before)
    notes_quick: float  # notes within 20 to 100 minutes after the meeting ends, before the request
    notes_late: float  # notes 3 to 48 hours after the meeting ends, after the request
    silent_pairs: float  # the mentee never writes
    decline: float  # one of the two declines this meeting (an iMIP REPLY with RECURRENCE-ID)
    away: float  # out of office for 7 to 14 days; their mailbox answers automatically
    accept: float  # an invitation answered ACCEPTED for the whole series
    agenda_hours: tuple[float, float] = (50, 96)  # an agenda on time comes this many hours before
    notes_minutes: tuple[float, float] = (20, 100)  # quick notes come this many minutes after the end


REALISTIC = Behaviour("realistic", agenda_on_time=0.6, agenda_late=0.2, notes_quick=0.35, notes_late=0.45,
                      silent_pairs=0.08, decline=0.05, away=0.15, accept=0.85)
IDEAL = Behaviour("ideal", agenda_on_time=1.0, agenda_late=0.0, notes_quick=1.0, notes_late=0.0,
                  silent_pairs=0.0, decline=0.0, away=0.0, accept=1.0, agenda_hours=(72, 72), notes_minutes=(60, 60))
BEHAVIOURS = {b.name: b for b in (REALISTIC, IDEAL)}


@dataclass(frozen=True)
class SimMail:
    """One message a simulated person sends at ``at``; ``label`` says what it is for the traffic counts."""

    at: datetime
    sender: str
    label: str
    raw: bytes


@dataclass(frozen=True)
class Meeting:
    start: datetime
    end: datetime
    series_uid: str


@dataclass
class World:
    """The simulated people of one run: their absences, habits and the mail they send."""

    behaviour: Behaviour
    seed: int
    people: dict[str, Participant]
    program: str
    start: datetime
    end: datetime
    away: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    silent: set[str] = field(default_factory=set)
    _last_auto_reply: dict[str, datetime] = field(default_factory=dict)
    _count: int = 0

    def __post_init__(self) -> None:
        span = max((self.end - self.start).days, 1)
        for email in sorted(self.people):
            rng = self._rng("away", email)
            if rng.random() < self.behaviour.away:
                first = self.start + timedelta(days=rng.randrange(span), hours=rng.randrange(24))
                self.away[email] = (first, first + timedelta(days=rng.randint(7, 14)))

    def _rng(self, *about: str) -> random.Random:
        return random.Random(":".join((str(self.seed), *about)))

    def _id(self) -> str:
        self._count += 1
        return f"<sim-{self._count}@{self.program.rsplit('@', 1)[-1]}>"

    def is_away(self, email: str, at: datetime) -> bool:
        span = self.away.get(email)
        return span is not None and span[0] <= at < span[1]

    def plan_pair(self, pair: Pair, meetings: list[Meeting], booked_at: datetime) -> list[SimMail]:
        """Everything the pair's people write about their meetings in the simulated weeks."""
        rng = self._rng("pair", pair.key)
        b = self.behaviour
        if rng.random() < b.silent_pairs:
            self.silent.add(pair.key)
        mentee, mentor = self.people[pair.mentee], self.people[pair.mentor]
        out: list[SimMail] = []
        previous_end = booked_at
        for index, m in enumerate(meetings):
            if m.start >= self.end + timedelta(days=7):  # mail about later meetings would come after the end
                break
            next_start = meetings[index + 1].start if index + 1 < len(meetings) else m.end + timedelta(days=30)
            earliest = max(previous_end, booked_at) + HOUR
            previous_end = m.end
            if rng.random() < b.decline:
                who = rng.choice((mentee, mentor))
                at = max(earliest, m.start - timedelta(hours=rng.uniform(24, 96)))
                if at < m.start - HOUR:
                    out.append(SimMail(at, who.email, "decline", mail.calendar_reply(
                        who, self.program, m.series_uid, "DECLINED", at, self._id(), recurrence_at=m.start)))
                continue
            if pair.key in self.silent:
                continue
            draw = rng.random()
            hours_before = rng.uniform(*b.agenda_hours) if draw < b.agenda_on_time else rng.uniform(4, 46)
            at = m.start - timedelta(hours=hours_before)
            if draw < b.agenda_on_time + b.agenda_late and earliest <= at and not self.is_away(mentee.email, at):
                label = "agenda" if draw < b.agenda_on_time else "agenda (late)"
                out.append(SimMail(at, mentee.email, label, mail.agenda(mentee, mentor, self.program, at, self._id(),
                                                                        rng)))
            draw = rng.random()
            minutes_after = rng.uniform(*b.notes_minutes) if draw < b.notes_quick else rng.uniform(180, 48 * 60)
            at = m.end + timedelta(minutes=minutes_after)
            if draw < b.notes_quick + b.notes_late and at < next_start - HOUR and not self.is_away(mentee.email, at):
                label = "notes" if draw < b.notes_quick else "notes (late)"
                out.append(SimMail(at, mentee.email, label, mail.notes(mentee, mentor, self.program, at, self._id(),
                                                                       rng)))
        return out

    def answer(self, at: datetime, recipients: Iterable[str], template: str, outbox_key: str) -> list[SimMail]:
        """What people's mailboxes and people do when the agent's mail reaches them."""
        out: list[SimMail] = []
        for email in recipients:
            person = self.people.get(email)
            if person is None:  # administrators are not simulated
                continue
            if self.is_away(email, at):
                last = self._last_auto_reply.get(email)
                if last is None or at - last >= timedelta(days=4):  # like Gmail: once every 4 days per sender
                    self._last_auto_reply[email] = at
                    back = self.away[email][1]
                    reply_at = at + timedelta(minutes=2)
                    out.append(SimMail(reply_at, email, "out-of-office", mail.out_of_office(
                        person, self.program, reply_at, self._id(), back.date())))
            if template == "invitation" and outbox_key.startswith("invite:"):
                out += self._accept(person, at, outbox_key.split(":")[1], outbox_key)
        return out

    def _accept(self, person: Participant, at: datetime, uid: str, key: str) -> list[SimMail]:
        rng = self._rng("accept", key)
        if rng.random() >= self.behaviour.accept:
            return []
        reply_at = at + timedelta(minutes=rng.uniform(10, 20 * 60))
        if self.is_away(person.email, reply_at):
            reply_at = self.away[person.email][1] + timedelta(hours=rng.uniform(1, 24))
        return [SimMail(reply_at, person.email, "accept", mail.calendar_reply(
            person, self.program, uid, "ACCEPTED", reply_at, self._id()))]

