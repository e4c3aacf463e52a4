"""Availability updates: a confirmed change of hours or zone, kept in the store over the roster file.

"I now work 08:00-16:00 Mon-Thu" becomes a proposed change the sender confirms; once confirmed it is
a ``participant_overrides`` row, and ``load_into`` puts it into the running program's roster, so the
fit checks and booking use it. The roster file stays the administrator's: they are told (metadata
only) to make it permanent there. Meetings that no longer fit the new hours are listed to both
people with times that do.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from sqlalchemy import Connection

from agent.app import App
from agent.domain.model import Participant
from agent.flows.context import Ctx, both
from agent.flows.plan import Change, Question, _expiry
from agent.messenger import Thread, role_of, send_template
from agent.scheduling.fit import alternatives, meeting_fits
from agent.scheduling.hours import parse_hours
from agent.store import changes_repo


def effective(person: Participant, row) -> Participant:
    """``person`` with the override's hours and zone (each only when set)."""
    changes = {}
    if row.hours:
        changes["hours"] = parse_hours(row.hours)
    if row.timezone:
        changes["timezone"] = row.timezone
    return dataclasses.replace(person, **changes)  # a new value: nothing cached from the old zone


def load_into(app: App, conn: Connection) -> int:
    """Run ``app`` with the stored overrides over the roster file's values; returns how many there are.

    Called every tick (so every worker sees a change another one applied, and a change rolled back
    with its transaction is undone here too) and right after a confirmation inside its transaction.
    The roster is rebuilt only when the rows differ from those in use."""
    rows = changes_repo.overrides(conn)
    in_use = tuple(sorted((row.email, tuple(row.hours or ()), row.timezone or "") for row in rows))
    if in_use != app.overrides_in_use:
        base = app.program.roster
        people = dict(base.participants)
        for row in rows:
            if row.email in people:
                people[row.email] = effective(people[row.email], row)
        app.use_roster(dataclasses.replace(base, participants=MappingProxyType(people)), in_use)
    return len(rows)


def plan_availability(ctx: Ctx, sender: str, update) -> Change | Question:
    if update.clarify:
        return Question(update.clarify)
    person = ctx.person(sender)
    try:
        parse_hours(list(update.hours))
    except Exception as exc:  # an entry the roster would refuse: ask rather than store it
        return Question(f"I could not read those hours ({exc}). Could you write them like Mon-Thu 08:00-16:00?")
    return Change("availability", dict(email=sender, hours=list(update.hours) or None, timezone=update.timezone,
                                       old_hours=person.hours.describe(), old_timezone=person.timezone),
                  _expiry(ctx))


def apply_availability(ctx: Ctx, p: dict, *, change_id: int | None, occasion: str, thread: Thread | None) -> str:
    changes_repo.set_override(ctx.conn, p["email"], hours=p.get("hours"), timezone=p.get("timezone"),
                              change_id=change_id, now=ctx.now)
    load_into(ctx.app, ctx.conn)
    person = ctx.person(p["email"])
    what = ", ".join(filter(None, [f"hours {'; '.join(p['hours'])}" if p.get("hours") else "",
                                   f"time zone {p['timezone']}" if p.get("timezone") else ""]))
    send_template(ctx.app, ctx.conn, template="availability_applied", audience=role_of(ctx.pair, person),
                  pair=ctx.pair, occasion=f"{occasion}:applied", now=ctx.now, reason="availability confirmed",
                  thread=thread, extra=dict(availability=dict(hours=person.hours.describe(), timezone=person.timezone)))
    send_template(ctx.app, ctx.conn, template="availability_admin", audience="admins", pair=ctx.pair,
                  occasion=f"{occasion}:admins", now=ctx.now, reason="availability override stored",
                  extra=dict(who=person.email, what=what, before=f"{p.get('old_hours')} ({p.get('old_timezone')})"))
    conflicts = [m for m in ctx.upcoming()
                 if not meeting_fits(m.starts_at, _minutes(m), ctx.people, busy=ctx.busy(exclude=m.starts_at)).ok]
    if conflicts:
        first = conflicts[0]
        options = alternatives(first.starts_at, _minutes(first), ctx.people, not_before=ctx.notice,
                               busy=ctx.busy(exclude=first.starts_at))
        for reader in ctx.people:
            partner = ctx.person(ctx.pair.partner_of(reader.email))
            send_template(ctx.app, ctx.conn, template="meetings_conflict", audience=role_of(ctx.pair, reader),
                          pair=ctx.pair, occasion=f"{occasion}:conflicts", now=ctx.now,
                          reason=f"{len(conflicts)} meeting(s) no longer fit {person.first_name}'s hours",
                          extra=dict(conflict=dict(who=person.first_name,
                                                   meetings=[both(m.starts_at, reader, partner) for m in conflicts[:6]],
                                                   more=max(0, len(conflicts) - 6),
                                                   alternatives=[both(a, reader, partner) for a in options])))
    return f"availability of {person.email} changed ({what}); {len(conflicts)} future meeting(s) no longer fit"


def _minutes(occurrence) -> int:
    return int((occurrence.ends_at - occurrence.starts_at).total_seconds() // 60)
