"""Out-of-office auto-replies: skip the meetings inside the absence and tell the partner, once.

An auto-reply is never answered (no confirmation is possible), so only what is certain is done:
meetings before the stated return date (in the absent person's zone) are cancelled one by one
(a CANCEL with their RECURRENCE-IDs); without a return date only a meeting within ``NEAR_DAYS``
is. The partner is told once per absence: the occasion is the return date (or the skipped
meeting), so a second auto-reply adds nothing. The absent person gets nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from agent.flows import apply
from agent.flows.context import Ctx, both, iso
from agent.messenger import role_of, send_template

NEAR_DAYS = 3
MAX_DAYS = 120  # a stated return further away than this is more likely a misreading: only the near meeting


def handle_absence(ctx: Ctx, sender: str, until: date | None) -> str:
    person = ctx.person(sender)
    today = ctx.now.astimezone(person.zone).date()
    upcoming = ctx.upcoming()
    if until is not None and today < until <= today + timedelta(days=MAX_DAYS):
        span = [m for m in upcoming if m.starts_at.astimezone(person.zone).date() < until]
        key = until.isoformat()
    else:
        span = [m for m in upcoming[:1] if m.starts_at - ctx.now <= timedelta(days=NEAR_DAYS)]
        key = span[0].starts_at.isoformat() if span else ""
    if not span:
        return f"out of office{f' until {until}' if until else ''}: no meeting in the span"
    starts = [iso(m.starts_at) for m in span]
    parts = apply._cancel(ctx, starts)
    partner = ctx.partner(sender)
    occasion = f"away:{ctx.pair.key}:{sender}:{key}"
    send_template(ctx.app, ctx.conn, template="partner_away", audience=role_of(ctx.pair, partner), pair=ctx.pair,
                  occasion=occasion, now=ctx.now, reason=f"{person.first_name} is away",
                  extra=dict(away=dict(who=person.first_name, until=until.isoformat() if until else None,
                                       starts=[both(s, partner, person) for s in starts])),
                  calendar=(lambda _r, part=parts[0]: part) if parts else None)
    for index, part in enumerate(parts[1:], start=2):
        send_template(ctx.app, ctx.conn, template="calendar_update", audience=role_of(ctx.pair, partner),
                      pair=ctx.pair, occasion=f"{occasion}:calendar:{index}", now=ctx.now, reason="absence",
                      extra=dict(update=dict(kind="skip", part=index, parts=len(parts))),
                      calendar=lambda _r, part=part: part)
    return f"out of office until {until or 'unknown'}: skipped {len(span)} meeting(s); {partner.first_name} told"
