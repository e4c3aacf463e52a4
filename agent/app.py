"""The running program's dependencies in one value, built by ``agent.bootstrap`` and passed to handlers."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import Engine

from agent.check import Program
from agent.domain.model import Participant, Role, WeeklyHours
from agent.observability.state import ProcessState
from agent.ports import Calendar, Mailbox, Outbound
from agent.readahead import ReadAhead
from agent.roster import Roster
from agent.templating import Templates


@dataclass
class App:
    program: Program
    templates: Templates
    engine: Engine
    mailbox: Mailbox
    outbound: Outbound
    calendar: Calendar
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    roster_synced: bool = False  # the roster file is read once per process, so it is mirrored once
    state: ProcessState = field(default_factory=ProcessState)  # for /healthz and /metrics
    # the roster in use: the file's, with confirmed availability overrides over it (agent.flows.overrides)
    renewals_checked_at: datetime | None = None  # series renewal is looked for hourly, not every tick
    roster_in_use: Roster | None = field(default=None, repr=False)
    overrides_in_use: tuple = ()  # the override rows ``roster_in_use`` was built from
    roster_version: int = 0  # raised by use_roster: the read-ahead helper is sent the new roster
    read_ahead: ReadAhead | None = None  # reads the next batch of mail in a helper process

    @property
    def config(self):
        return self.program.config

    @property
    def roster(self) -> Roster:
        return self.roster_in_use or self.program.roster

    def use_roster(self, roster: Roster, overrides: tuple) -> None:
        """Run with ``roster`` (built from ``overrides`` over the file's) from now on; the values derived
        from the roster are derived afresh."""
        self.roster_in_use, self.overrides_in_use = roster, overrides
        self.roster_version += 1
        for derived in ("roles", "zones", "first_names"):
            self.__dict__.pop(derived, None)

    @cached_property
    def roles(self) -> dict[str, str]:
        """Participant address -> "mentor" | "mentee": who may act, and who "I" is in their notes."""
        return {email: str(person.role) for email, person in self.roster.participants.items()}

    @cached_property
    def zones(self) -> dict[str, str]:
        """Participant address -> IANA zone: "3pm my time" is read in the writer's zone."""
        return {email: person.timezone for email, person in self.roster.participants.items()}

    @cached_property
    def first_names(self) -> dict[str, str]:
        """First name -> role, for owners in notes ("Katy will ..."); names shared by both roles are left out."""
        roles: dict[str, set[str]] = {}
        for person in self.roster.participants.values():
            roles.setdefault(person.first_name, set()).add(str(person.role))
        return {name: found.pop() for name, found in roles.items() if len(found) == 1}

    @property
    def domain(self) -> str:
        return self.config.program.address.rsplit("@", 1)[-1]

    def admins(self) -> list[Participant]:
        """Administrators as readers: the program's zone and locale, no working hours."""
        settings = self.config.program
        return [
            Participant(
                email=address, name=address.split("@")[0], role=Role.MENTOR, timezone=settings.timezone,
                hours=WeeklyHours(((),) * 7), locale=settings.locale,
            )
            for address in settings.admins
        ]

    def close(self) -> None:
        if self.read_ahead is not None:
            self.read_ahead.close()
        for part in (self.mailbox, self.outbound, self.calendar):
            part.close()
        self.engine.dispose()
