"""The pair a flow works on, and the small things every step needs: people, meetings, busy times, and
instants shown in each person's own zone (with the date in each zone, as confirmations promise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from agent.app import App
from agent.busy import participant_busy
from agent.domain.model import Pair, Participant
from agent.ports import BusyTime
from agent.store import repo
from agent.timefmt import local_time

CONFIRM_DAYS = 7  # a pending change expires after a week, or earlier when its meeting comes


@dataclass
class Ctx:
    app: App
    conn: Connection
    pair: Pair
    now: datetime

    @property
    def mentee(self) -> Participant:
        return self.app.roster.participants[self.pair.mentee]

    @property
    def mentor(self) -> Participant:
        return self.app.roster.participants[self.pair.mentor]

    @property
    def people(self) -> tuple[Participant, Participant]:
        return self.mentee, self.mentor

    def person(self, email: str) -> Participant:
        return self.app.roster.participants[email]

    def partner(self, email: str) -> Participant:
        return self.person(self.pair.partner_of(email))

    @property
    def minutes(self) -> int:
        upcoming = self.upcoming()
        if upcoming:
            return int((upcoming[0].ends_at - upcoming[0].starts_at).total_seconds() // 60)
        return self.app.config.scheduling.meeting_minutes

    @property
    def notice(self) -> datetime:
        return self.now + timedelta(hours=self.app.config.scheduling.min_notice_hours)

    def upcoming(self) -> list:
        return [m for m in repo.occurrences_of(self.conn, self.pair.key) if m.starts_at > self.now]

    def busy(self, exclude: datetime | None) -> list[BusyTime]:
        """The store's busy times (all but the meeting starting at ``exclude``) and both people's own
        from the calendar server, over the whole booking horizon (asked once per transaction)."""
        weeks = self.app.config.scheduling.horizon_weeks + 2
        return participant_busy(self.app, self.conn, self.pair, self.now - timedelta(days=1),
                                self.now + timedelta(weeks=weeks), except_start=exclude)


def both(instant: datetime | str, reader: Participant, partner: Participant) -> dict:
    """The instant for ``reader`` and for ``partner``, each with its own date, in the reader's language."""
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return dict(mine=local_time(instant, reader), theirs=local_time(instant, partner, locale=reader.locale),
                at=instant.isoformat())


def iso(instant: datetime) -> str:
    return instant.isoformat()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
