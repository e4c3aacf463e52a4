"""Turn a template and an audience into outbox rows, one per recipient, each in that person's zone.

The outbox row's idempotency key is ``<occasion>:<recipient>``; its Message-ID is derived from it, so
the same occasion can never produce a second email, however often it is re-evaluated.

Confidentiality: administrators are readers of metadata only. Context keys in ``PRIVATE_KEYS``
(what people wrote) are removed from an administrator's context unless
``share_notes_with_admins`` is on, so even a careless admin template cannot reach them.

Quiet hours: a rule's quiet hours are checked in each reader's zone; a message falling inside them
is queued now but leaves at the end of the span (the outbox row's ``next_attempt_at``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from agent.app import App
from agent.domain.model import Pair, Participant
from agent.mail.compose import Address, CalendarPart, content_of, message_id_for
from agent.rules.quiet import QuietHours
from agent.store import repo
from agent.timefmt import dual_time, local_time

log = logging.getLogger(__name__)

PRIVATE_KEYS = frozenset({"agenda", "notes", "reply_text", "action_items", "message", "goal", "action_item",
                          "week"})
AUDIENCES = ("mentee", "mentor", "both", "admins", "sender", "partner", "owner")


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
        case "both" | "owner":  # "owner": the action item's owners, narrowed by the decision's roles
            return [mentee, mentor]
        case "admins":
            return app.admins()
        case "sender":
            return [roster.participants[sender]] if sender in (pair.mentor, pair.mentee) else []
        case "partner":
            return [roster.participants[pair.partner_of(sender)]] if sender in (pair.mentor, pair.mentee) else []
    raise ValueError(f"unknown audience {audience!r}")


class Meeting(Mapping):
    """An upcoming meeting as templates see it: ``starts_at`` (ISO) and ``when`` (the reader's words),
    worded only when a template uses it (most use the next meeting's, not all six)."""

    __slots__ = ("_start", "_word", "_when")

    def __init__(self, start: datetime, word: Callable[[datetime], str]):
        self._start, self._word, self._when = start, word, None

    def __getitem__(self, key: str) -> str:
        if key == "when":
            if self._when is None:
                self._when = self._word(self._start)
            return self._when
        if key == "starts_at":
            return self._start.isoformat()
        raise KeyError(key)

    def __iter__(self):
        return iter(("when", "starts_at"))

    def __len__(self) -> int:
        return 2

    def __repr__(self) -> str:
        return f"Meeting({self._start.isoformat()})"


def pair_context(app: App, conn: Connection, pair: Pair, reader: Participant, now: datetime) -> dict:
    """What every template can use: people, the program, the upcoming meetings in the reader's time."""
    roster = app.roster
    mentor, mentee = roster.participants[pair.mentor], roster.participants[pair.mentee]
    is_admin = reader.email not in (pair.mentor, pair.mentee)
    partner = mentee if reader.email == pair.mentor else mentor

    def when(instant: datetime | str) -> str:
        if isinstance(instant, str):
            instant = datetime.fromisoformat(instant)
        if is_admin:  # both people's local times, in the administrator's language
            theirs = "; ".join(f"{p.first_name}: {local_time(instant, p, locale=reader.locale)}" for p in (mentor, mentee))
            return f"{local_time(instant, reader)}; {theirs}"
        return dual_time(instant, reader, partner)

    scheduled = repo.occurrences_of(conn, pair.key)
    upcoming = [row for row in scheduled if row.starts_at > now]
    meetings = [Meeting(row.starts_at, when) for row in upcoming[:6]]
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
        rotation=0,  # rules set it: how often the rule acted for the pair before (rotating prompts)
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
    roles: frozenset[str] | None = None,
    quiet: QuietHours | None = None,
) -> list[str]:
    """Queue the template for each recipient of ``audience``; returns the addresses queued.

    ``roles`` (mentee, mentor, admins) narrows the recipients; ``quiet`` holds each email until the
    end of the quiet span when ``now`` falls inside it in that reader's zone.
    """
    readers = recipients_for(app, pair, audience, sender)
    bouncing = repo.bouncing_addresses(conn, among=[reader.email for reader in readers])
    queued = []
    for reader in readers:
        if roles is not None and role_of(pair, reader) not in roles:
            continue
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
        rendered = app.templates.render(template, context, reader.locale, pair=pair.key)
        idem_key = f"{occasion}:{reader.email}"
        message_id = message_id_for(idem_key, app.domain)
        send_at = quiet.release(now, reader.zone) if quiet is not None else now
        content = content_of(  # composed into bytes at delivery (agent.outbox), rendered now
            sender=Address(app.config.program.address, app.config.program.name),
            to=[Address(reader.email, reader.name)],
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=message_id,
            date=send_at,
            in_reply_to=thread.message_id if thread else None,
            references=thread.references if thread else (),
            calendar=calendar(reader) if calendar else None,
        )
        if _enqueue(conn, send_at, idem_key=idem_key, message_id=message_id, pair_key=pair.key,
                    recipients=[reader.email], subject=rendered.subject, content=content, now=now):
            held = f"; held until {send_at:%Y-%m-%d %H:%M}Z (quiet hours {quiet})" if send_at > now else ""
            repo.audit(conn, at=now, action=f"send {template}", reason=reason + held, pair_key=pair.key, rule=rule,
                       recipients=[reader.email], outbox_key=idem_key)
            queued.append(reader.email)
    return queued


def role_of(pair: Pair, reader: Participant) -> str:
    return "mentor" if reader.email == pair.mentor else "mentee" if reader.email == pair.mentee else "admins"


def _enqueue(conn: Connection, send_at: datetime, **values) -> bool:
    """Queue one email that leaves at ``send_at``; its row is still created ``now``."""
    return repo.enqueue(conn, not_before=send_at if send_at > values["now"] else None, **values)
