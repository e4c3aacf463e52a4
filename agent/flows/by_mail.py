"""The email side of changes: confirm back, read the answer, apply once.

A request becomes a pending change and a ``confirm_change`` mail to the requester showing exactly
what will change, in their time and their partner's (each with its date). Its Message-ID (from the
outbox key, ``message_id_for``) is stored; only an answer threaded to it (In-Reply-To/References)
counts, and only from the requester: the partner or anyone else answering changes nothing. "yes"
applies exactly the confirmed payload; "no" declines; anything else is asked again. The status
UPDATE is guarded, so a second "yes" (a duplicate delivery, a resend) applies nothing.

Low confidence: a request read with confidence below ``CONFIDENT`` is not presented as "this will
change" but as ``understood`` -- "here is what I understood, reply yes if that is right, or write
what you meant"; a yes applies it, anything else leaves everything as it was. (Understanding files
messages below its own ``MIN_CONFIDENCE`` = 0.6 as ``other``; those never reach this module.)
"""

from __future__ import annotations

import re
from agent.flows import apply, plan
from agent.flows.absence import handle_absence
from agent.flows.context import Ctx, both
from agent.flows.overrides import apply_availability, plan_availability
from agent.mail.compose import may_be_ours, message_id_for
from agent.messenger import Thread, role_of, send_template
from agent.store import changes_repo
from agent.understanding.hygiene import automatic_reason
from agent.understanding.requests import find_request

CONFIDENT = 0.75  # find_request gives 0.85 with a scheduling verb, 0.65-0.7 for a bare proposal or no time

_YES = re.compile(
    r"^\W*(yes|yep|yeah|yup|y|ok|okay|k|sure|confirm(ed)?|i confirm|correct|right|go ahead|sounds good|perfect|"
    r"fine|agreed|ja|jawohl|genau|passt|einverstanden|best[äa]tigt?|oui|d'accord|ok[ée]|parfait|c'est bon|"
    r"confirm[ée]|s[íi]|vale|de acuerdo|claro|perfecto|confirmado|sim|certo|pode ser|combinado|isso|👍|✅|✔️?)"
    r"(?=\W|$)", re.I)
_NO = re.compile(
    r"^\W*(no|nope|nah|n|cancel|don'?t|do not|stop|never ?mind|nein|abbrechen|lieber nicht|non|annuler|"
    r"pas (de|ça)|cancelar|mejor no|n[ãa]o|nao|👎|❌)(?=\W|$)", re.I)


def answer_word(text: str) -> str | None:
    """"yes", "no" or None for the first line of an answer."""
    first = next((line for line in text.strip().splitlines() if line.strip()), "")
    return "no" if _NO.match(first) else "yes" if _YES.match(first) else None


def answered_change(conn, pair, mail):
    """The change whose confirmation ``mail`` answers (any status), or None. Confirmations are our own
    mail, so a thread of other Message-IDs is not looked up (most mail: no query)."""
    ours = [ref for ref in (mail.in_reply_to or "", *mail.references) if ref and may_be_ours(ref)]
    return changes_repo.change_answered_by(conn, pair.key, ours) if ours else None


def handle(ctx: Ctx, mail, u, *, thread: Thread, ledger_id: int | None = None) -> str | None:
    changes_repo.expire_due(ctx.conn, ctx.now)
    automatic = automatic_reason(mail)
    if automatic is not None and u.kind != "out_of_office":  # lists, bulk, robots: never answered, never acted on
        return f"automatic message ({automatic}); no change made"
    row = answered_change(ctx.conn, ctx.pair, mail) if u.kind != "out_of_office" else None
    if row is not None:
        detail = _answer(ctx, row, mail, u, thread)
        if detail is not None:
            return detail
    if u.kind == "out_of_office":
        return handle_absence(ctx, mail.sender, u.out_of_office_until)
    if u.kind == "availability" and getattr(u, "availability", None) is not None:
        return _propose(ctx, mail.sender, plan_availability(ctx, mail.sender, u.availability), thread,
                        template="availability_confirm")
    if u.kind == "request":
        return _request(ctx, mail, u, thread)
    return None


def _request(ctx: Ctx, mail, u, thread: Thread) -> str:
    sender, partner = ctx.person(mail.sender), ctx.partner(mail.sender)
    upcoming = ctx.upcoming()
    ref = mail.date if mail.date is not None and mail.date <= ctx.now else ctx.now
    request, confidence = find_request(u.reply_text or "", ref=ref, zone=sender.timezone,
                                       partner_zone=partner.timezone,
                                       next_meeting=upcoming[0].starts_at if upcoming else None)
    if request is None:  # understanding saw a request; read again with the pair's context it did not
        request, confidence = getattr(u, "request", None), u.confidence
    if request is None:
        return _question(ctx, mail.sender, "Could you say what you would like to change, and for which meeting?",
                         thread)
    result = plan.from_request(ctx, request, zone=sender.timezone, text=u.reply_text or "")
    low = min(confidence, u.confidence) < CONFIDENT
    return _propose(ctx, mail.sender, result, thread, template="understood" if low else "confirm_change")


def _propose(ctx: Ctx, sender: str, result, thread: Thread, *, template: str) -> str:
    reader, partner = ctx.person(sender), ctx.partner(sender)
    if isinstance(result, plan.Question):
        return _question(ctx, sender, result.text, thread)
    if isinstance(result, plan.NoFit):
        send_template(ctx.app, ctx.conn, template="change_alternatives", audience=role_of(ctx.pair, reader),
                      pair=ctx.pair, occasion=f"nofit:{thread.message_id}", now=ctx.now, reason="time does not fit",
                      thread=thread, extra=dict(nofit=dict(
                          proposed=both(result.proposed, reader, partner), reasons=list(result.reasons),
                          alternatives=[both(a, reader, partner) for a in result.alternatives])))
        return f"{result.proposed:%Y-%m-%d %H:%M}Z does not fit ({'; '.join(result.reasons)}); " \
               f"{len(result.alternatives)} alternatives offered"
    kind = "understood" if template == "understood" else result.kind
    payload = dict(result.payload, change=result.kind) if kind == "understood" else result.payload
    change_id = changes_repo.add_change(ctx.conn, pair_key=ctx.pair.key, requested_by=sender, kind=kind,
                                        payload=payload, confirm_message_id=None, now=ctx.now,
                                        expires_at=result.expires_at)
    occasion = f"change:{change_id}"
    changes_repo.set_confirm_message_id(ctx.conn, change_id, message_id_for(f"{occasion}:{sender}", ctx.app.domain))
    view = apply._view(result.kind, result.payload, dict(notes=result.notes), reader, partner, None)
    view.update(expires=both(result.expires_at, reader, partner),
                availability=_availability_view(result) if result.kind == "availability" else None)
    send_template(ctx.app, ctx.conn, template=template, audience=role_of(ctx.pair, reader), pair=ctx.pair,
                  occasion=occasion, now=ctx.now, reason=f"confirm {result.kind} with {sender}", thread=thread,
                  extra=dict(change=view))
    return f"{result.kind} proposed, confirmation #{change_id} sent to {sender}"


def _availability_view(result) -> dict:
    p = result.payload
    return dict(hours="; ".join(p.get("hours") or []) or None, timezone=p.get("timezone"),
                old_hours=p.get("old_hours"), old_timezone=p.get("old_timezone"))


def _question(ctx: Ctx, sender: str, text: str, thread: Thread) -> str:
    send_template(ctx.app, ctx.conn, template="clarify_request", audience=role_of(ctx.pair, ctx.person(sender)),
                  pair=ctx.pair, occasion=f"clarify:{thread.message_id}", now=ctx.now, reason="request unclear",
                  thread=thread, extra=dict(question=text))
    return f"asked {sender}: {text}"


def _answer(ctx: Ctx, row, mail, u, thread: Thread) -> str | None:
    """Act on an answer to a confirmation; None lets a new request inside the answer be handled."""
    if mail.sender != row.requested_by:
        return f"{mail.sender} answered {row.requested_by}'s confirmation #{row.id}: only the requester confirms; " \
               f"nothing changed"
    word = answer_word(u.reply_text or "")
    if row.status != changes_repo.OPEN:
        if word is None and u.kind in ("request", "availability"):
            return None
        if row.status == "expired" and word == "yes":
            return _question(ctx, mail.sender, "That confirmation has expired, so nothing was changed. "
                                               "Please write again with what you would like.", thread)
        return f"answer to confirmation #{row.id}, which is {row.status} already; nothing more done"
    if word is None:
        if u.kind in ("request", "availability"):
            return None  # a new request: it supersedes this one
        return _question(ctx, mail.sender, "Please answer yes to confirm the change, or no to leave everything "
                                           "as it is.", thread)
    if word == "no":
        changes_repo.decide(ctx.conn, row.id, "declined", ctx.now)
        return f"confirmation #{row.id} declined by {mail.sender}; nothing changed"
    kind = row.payload.get("change", row.kind) if row.kind == "understood" else row.kind
    payload = {k: v for k, v in row.payload.items() if k != "change"} if row.kind == "understood" else row.payload
    why = apply.stale(ctx, kind, payload) if kind != "availability" else None
    if why is not None:
        changes_repo.decide(ctx.conn, row.id, "expired", ctx.now)
        return _question(ctx, mail.sender, f"That change can no longer be made as confirmed ({why}); nothing was "
                                           f"changed. Please write again with what you would like.", thread)
    if not changes_repo.decide(ctx.conn, row.id, "applied", ctx.now):
        return f"confirmation #{row.id} was decided already"
    occasion = f"change:{row.id}"
    if kind == "availability":
        return apply_availability(ctx, payload, change_id=row.id, occasion=occasion, thread=thread)
    return apply.apply_change(ctx, kind, payload, by=mail.sender, occasion=occasion, thread=thread)

