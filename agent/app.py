"""The running program's dependencies in one value, built by ``agent.bootstrap`` and passed to handlers."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from agent.check import Program
from agent.domain.model import Participant, Role, WeeklyHours
from agent.observability.state import ProcessState
from agent.ports import Calendar, Mailbox, Outbound
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

    @property
    def config(self):
        return self.program.config

    @property
    def roster(self):
        return self.program.roster

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
        for part in (self.mailbox, self.outbound, self.calendar):
            part.close()
        self.engine.dispose()
