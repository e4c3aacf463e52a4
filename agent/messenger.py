"""Turn a template and an audience into outbox rows, one per recipient, each in that person's zone.

The outbox row's idempotency key is ``<occasion>:<recipient>``; its Message-ID is derived from it, so
the same occasion can never produce a second email, however often it is re-evaluated.

Confidentiality: administrators are readers of metadata only. Context keys in ``PRIVATE_KEYS``
(what people wrote) are removed from an administrator's context unless
``share_notes_with_admins`` is on, so even a careless admin template cannot reach them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from agent.app import App
from agent.domain.model import Pair, Participant
from agent.mail.compose import Address, CalendarPart, compose, message_id_for
from agent.store import repo
from agent.timefmt import dual_time, local_time

log = logging.getLogger(__name__)

PRIVATE_KEYS = frozenset({"agenda", "notes", "reply_text", "action_items", "message"})
AUDIENCES = ("mentee", "mentor", "both", "admins", "sender", "partner")


@dataclass(frozen=True)
class Thread:
    """The message being answered, for In-Reply-To/References."""

    message_id: str
    references: tuple[str, ...] = ()


def person_view(person: Participant) -> dict:
    return dict(name=person.name, first_name=person.first_name, email=person.email, role=str(person.role),
                timezone=person.timezone, locale=person.locale)


def recipients_for(app: App, pair: Pair, audience: str, sender: str | None) -> list[Participant]:
    roster = app.roster
    mentor, mentee = roster.participants[pair.mentor], roster.participants[pair.mentee]
    match audience:
        case "mentee":
            return [mentee]
        case "mentor":
            return [mentor]
        case "both":
            return [mentee, mentor]
        case "admins":
            return app.admins()
        case "sender":
            return [roster.participants[sender]] if sender in (pair.mentor, pair.mentee) else []
        case "partner":
            return [roster.participants[pair.partner_of(sender)]] if sender in (pair.mentor, pair.mentee) else []
    raise ValueError(f"unknown audience {audience!r}")


def pair_context(app: App, conn: Connection, pair: Pair, reader: Participant, now: datetime) -> dict:
    """What every template can use: people, the program, the upcoming meetings in the reader's time."""
    roster = app.roster
    mentor, mentee = roster.participants[pair.mentor], roster.participants[pair.mentee]
    is_admin = reader.email not in (pair.mentor, pair.mentee)
    partner = mentee if reader.email == pair.mentor else mentor

    def when(instant: datetime) -> str:
        if is_admin:
            return f"{local_time(instant, reader)}; {mentor.first_name}: {local_time(instant, mentor)}; " \
                   f"{mentee.first_name}: {local_time(instant, mentee)}"
        return dual_time(instant, reader, partner)

    scheduled = repo.occurrences_of(conn, pair.key)
    upcoming = [row for row in scheduled if row.starts_at > now]
    meetings = [dict(when=when(row.starts_at), starts_at=row.starts_at.isoformat()) for row in upcoming[:6]]
    series = repo.series_of(conn, pair.key)
    return dict(
        when=when,
        program=dict(name=app.config.program.name, address=app.config.program.address),
        reader=person_view(reader),
        partner=person_view(partner),
        mentor=person_view(mentor),
        mentee=person_view(mentee),
        pair=dict(start=pair.start.isoformat(), cadence=", ".join(str(c) for c in pair.cadence)),
        next_meeting=meetings[0] if meetings else None,
        meetings=meetings,
        meeting_count=len(scheduled) - len(upcoming),
        schedule_notes=[note for row in series for note in row.notes],
        minutes=app.config.scheduling.meeting_minutes,
    )


def send_template(
    app: App,
    conn: Connection,
    *,
    template: str,
    audience: str,
    pair: Pair,
    occasion: str,
    now: datetime,
    reason: str,
    rule: str | None = None,
    sender: str | None = None,
    extra: Mapping[str, object] | None = None,
    thread: Thread | None = None,
    calendar: Callable[[Participant], CalendarPart] | None = None,
    exclude: frozenset[str] = frozenset(),
) -> list[str]:
    """Queue the template for each recipient of ``audience``; returns the addresses queued."""
    bouncing = repo.bouncing_addresses(conn)
    queued = []
    for reader in recipients_for(app, pair, audience, sender):
        if reader.email in exclude or reader.email in bouncing:
            log.info("not sending %s to %s (%s)", template, reader.email,
                     "bouncing" if reader.email in bouncing else "automatic message, never answered")
            continue
        context = pair_context(app, conn, pair, reader, now)
        is_admin = reader.email not in (pair.mentor, pair.mentee)
        for key, value in (extra or {}).items():
            if is_admin and key in PRIVATE_KEYS and not app.config.program.share_notes_with_admins:
                continue
            context[key] = value
        rendered = app.templates.render(template, context, reader.locale)
        idem_key = f"{occasion}:{reader.email}"
        message_id = message_id_for(idem_key, app.domain)
        raw = compose(
            sender=Address(app.config.program.address, app.config.program.name),
            to=[Address(reader.email, reader.name)],
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=message_id,
            date=now,
            in_reply_to=thread.message_id if thread else None,
            references=thread.references if thread else (),
            calendar=calendar(reader) if calendar else None,
        )
        if repo.enqueue(conn, idem_key=idem_key, message_id=message_id, pair_key=pair.key,
                        recipients=[reader.email], subject=rendered.subject, raw=raw, now=now):
            repo.audit(conn, at=now, action=f"send {template}", reason=reason, pair_key=pair.key, rule=rule,
                       recipients=[reader.email], outbox_key=idem_key)
            queued.append(reader.email)
    return queued
