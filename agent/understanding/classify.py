"""The whole understanding pipeline for one message: bytes in, (ParsedMail, Understanding) out.

Order of decisions (first match wins): bounce (DSN; checked first because MAILER-DAEMON is never a
participant), stranger, calendar reply/counter (iMIP),
out-of-office, then the best-scoring of agenda / notes / request / availability, else "other".

Confidence: each content kind scores in [0, 1]; below ``MIN_CONFIDENCE`` the message is filed as
"other" with reasons that say what was uncertain and ``needs_confirmation`` set, so the runner can
send a short "here is what I understood" instead of acting. Requests and availability updates always
need confirmation (nothing moves and no roster changes before the sender confirms).
"""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Collection, Mapping
from zoneinfo import ZoneInfo

from agent.domain.model import Understanding
from agent.understanding.agenda import extract_agenda, looks_like_agenda
from agent.understanding.hygiene import automatic_reason, is_out_of_office
from agent.errors import MessageRejected
from agent.understanding.mime import ParsedMail, parse_head, parse_mail
from agent.understanding.notes import extract_notes, looks_like_notes
from agent.understanding.notes_kind import looks_back
from agent.understanding.availability import availability_signal, find_availability
from agent.understanding.due import resolve_due
from agent.understanding.reply import extract_reply
from agent.understanding.requests import find_request
from agent.understanding.result import Understood

MIN_CONFIDENCE = 0.6
STRUCTURED = 0.9  # agenda/notes scores from here on are not compared with requests (cheaper, same result)

_REPLY_TO_AGENDA = re.compile(r"^\s*(re|aw|sv|antw|r|rif|ref|res)\s*:\s*.{0,20}\b(agenda|tagesordnung|ordre du jour|orden del d[íi]a)", re.I)
_REPLY_TO_NOTES = re.compile(r"^\s*(re|aw|sv|antw|r|rif|ref|res)\s*:\s*.{0,20}\b(notes|notizen|protokoll|compte[- ]rendu|notas)\b", re.I)
def understand(
    raw: bytes, *, participants: Collection[str] | None, now: datetime,
    names: Mapping[str, str] | None = None, zones: Mapping[str, str] | None = None,
    next_meeting: datetime | None = None, partner_zone: str | None = None,
) -> tuple[ParsedMail, Understanding]:
    """Parse ``raw`` and decide what it is (see the module docstring). Raises MessageRejected only for an unreadable winmail.dat,
    over-size input and CalendarRejected for a broken iMIP part.

    ``participants`` may also be a mapping address -> role ("mentor"/"mentee"); then "I" and "you"
    in notes resolve to roles. ``names`` maps first names to roles for owners named in notes;
    ``zones`` maps addresses to IANA zones (the sender's zone resolves the times it writes);
    ``next_meeting`` and ``partner_zone`` help with "same time next week", "before our next meeting"
    and "your time". ``now`` is the reference when the mail has no usable Date.

    Two passes: the header section alone decides "too large", "bounce" and "stranger" (these are
    never answered, so their body is never read: the returned ParsedMail has ``headers_only`` set
    and the reply text is empty); everything else gets the full parse. A body that cannot be read
    (an Outlook winmail.dat with nothing else) raises MessageRejected with the reason."""
    head = parse_head(raw)
    if head.is_report or _is_bounce(head):  # before "stranger": DSNs come from MAILER-DAEMON, never a participant
        return head, Understood("bounce", "", 1.0, reasons=("delivery status notification",))
    if participants is not None and not _is_participant(head.sender, participants):
        return head, Understood("stranger", "", 1.0, reasons=(f"{head.sender or 'unknown sender'} is no participant",))
    mail = parse_mail(raw)
    if mail.unreadable:
        raise MessageRejected(mail.unreadable)
    reply = extract_reply(mail.text)
    calendar = _calendar(mail, reply)
    if calendar is not None:
        return mail, calendar
    ooo, until = is_out_of_office(mail)
    if ooo:
        why = ("out-of-office auto-reply",) + ((f"back on {until.isoformat()}",) if until else ())
        return mail, Understood("out_of_office", reply, 0.9, out_of_office_until=until, reasons=why)
    auto = automatic_reason(mail)
    role = participants.get(mail.sender) if isinstance(participants, Mapping) else None
    zone = _zone_name((zones or {}).get(mail.sender))
    ref = mail.date if mail.date is not None and mail.date <= now + timedelta(days=1) else now
    ctx = _Context(str(role) if role else None, names, zone, ref, next_meeting, _zone_name(partner_zone))
    return mail, _content_kind(mail, reply, auto, ctx)


class _Context:
    """What the content extractors may use besides the text."""

    def __init__(self, role, names, zone, ref, next_meeting, partner_zone) -> None:
        self.role, self.names, self.zone, self.ref = role, names, zone, ref
        self.next_meeting, self.partner_zone = next_meeting, partner_zone


def _zone_name(name: object) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(str(name))
    except Exception:
        return None
    return str(name)


def _is_participant(sender: str, participants: Collection[str]) -> bool:
    """``sender`` (lower-cased by the parser) among ``participants``; the agent's are lower-cased
    already, so the case-folded copy is only made for a caller's own list, and only on a miss."""
    return sender in participants or sender in {p.lower() for p in participants}


def _is_bounce(mail: ParsedMail) -> bool:
    local = mail.sender.split("@")[0]
    return local in ("mailer-daemon", "postmaster") and bool(
        re.search(r"(undeliver|delivery (status|failure)|returned mail|failure notice|unzustellbar|non remis)", mail.subject, re.I))


def _calendar(mail: ParsedMail, reply: str) -> Understanding | None:
    if not mail.calendars:
        return None
    from agent.calendar.imip import method_of, parse_itip  # lazy: the calendar package is optional here

    for data in mail.calendars:
        method = (method_of(data) or "").upper()
        if method in ("REPLY", "COUNTER", "REFRESH"):
            answer = parse_itip(data)  # CalendarRejected propagates to the runner's quarantine
            kind = "calendar_counter" if method == "COUNTER" else "calendar_reply"  # REFRESH: answer.method says so
            return Understood(kind, reply, 1.0, calendar=answer, reasons=(f"iMIP METHOD:{method}",))
    return None


def _content_kind(mail: ParsedMail, reply: str, auto: str | None, ctx: _Context) -> Understanding:
    subject, text = mail.subject, reply or mail.text[:20_000]
    scores = {"agenda": looks_like_agenda(subject, text), "notes": looks_like_notes(subject, text, ctx.names)}
    if _REPLY_TO_AGENDA.match(subject):
        scores["agenda"] = max(scores["agenda"], 0.7)
    if _REPLY_TO_NOTES.match(subject):
        scores["notes"] = max(scores["notes"], 0.7)
    request, availability, scores["request"] = None, None, 0.0
    if max(scores.values()) < STRUCTURED:  # a structured agenda or notes outranks any request (<= 0.85)
        request, scores["request"] = find_request(text, ref=ctx.ref, zone=ctx.zone, partner_zone=ctx.partner_zone,
                                                  next_meeting=ctx.next_meeting)
        availability = find_availability(text) if availability_signal(text) else None
    scores["availability"] = (0.0 if availability is None else 0.85 if not availability.clarify else 0.65)
    if request is not None and request.ambiguous and scores["notes"] >= scores["request"] - 0.25 \
            and scores["notes"] >= MIN_CONFIDENCE and looks_back(text):
        scores["request"] = scores["notes"] - 0.05  # notes of a past session; its dates are due dates, not a request
    base = (f"automatic: {auto}",) if auto else ()
    kind = max(scores, key=lambda k: (scores[k], -list(scores).index(k)))
    score = scores[kind]
    if score < MIN_CONFIDENCE:
        hints = [f"{k} {v:.2f}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1]) if v > 0]
        why = ("uncertain: " + ", ".join(hints) + f" (below {MIN_CONFIDENCE})",) if hints else ("no known kind",)
        return Understood("other", reply, round(max(score, 0.5), 2) if hints else 0.5, reasons=base + why,
                          needs_confirmation=bool(hints))
    reasons = base + (f"{kind} signals {score:.2f}",)
    close = [k for k, v in scores.items() if k != kind and v >= MIN_CONFIDENCE and score - v < 0.05]
    if close:
        reasons += (f"also looks like {', '.join(close)}",)
    if kind == "agenda":
        return Understood("agenda", reply, round(score, 2), agenda=extract_agenda(text), reasons=reasons,
                          needs_confirmation=bool(close))
    if kind == "notes":
        notes = extract_notes(text, writer_role=ctx.role, names=ctx.names)
        return Understood("notes", reply, round(score, 2), notes=_resolve_dues(notes, ctx), reasons=reasons,
                          needs_confirmation=bool(close))
    if kind == "request":
        reasons += (f"request: {request.action}",) + ((f"unclear: {request.clarify}",) if request.ambiguous else ())
        return Understood("request", reply, round(score, 2), request=request, reasons=reasons, needs_confirmation=True)
    if availability.clarify:
        reasons += (f"unclear: {availability.clarify}",)
    return Understood("availability", reply, round(score, 2), availability=availability, reasons=reasons,
                      needs_confirmation=True)


def _resolve_dues(notes, ctx: _Context):
    """Due phrases -> dates in the writer's zone (or the mail's own UTC offset when the zone is unknown)."""
    zone = ZoneInfo(ctx.zone) if ctx.zone else ctx.ref.tzinfo
    items = []
    for item in notes.action_items:
        text = getattr(item, "due_text", None)
        if item.due is None and text:
            item = replace(item, due=resolve_due(text, written_at=ctx.ref, zone=zone, next_meeting=ctx.next_meeting))
        items.append(item)
    return replace(notes, action_items=tuple(items))


def _iso(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_iso(v) for v in value]
    return value


def understanding_to_json(path: str, mail: ParsedMail, u: Understanding) -> dict:
    """The ``parse --json`` object for one file (PRODUCT.md, CLI contract)."""
    out = {
        "file": path,
        "kind": u.kind,
        "reply_text": u.reply_text,
        "confidence": u.confidence,
        "subject": mail.subject,
        "sender": mail.sender,
        "message_id": mail.message_id,
        "date": mail.date.isoformat() if mail.date else None,
        "reasons": list(u.reasons),
        "automatic": automatic_reason(mail),
        "out_of_office_until": u.out_of_office_until.isoformat() if u.out_of_office_until else None,
        "agenda": _iso(asdict(u.agenda)) if u.agenda else None,
        "notes": _iso(asdict(u.notes)) if u.notes else None,
        "calendar": _iso(asdict(u.calendar)) if u.calendar else None,
    }
    request = getattr(u, "request", None)
    availability = getattr(u, "availability", None)
    out["request"] = _iso(asdict(request)) if request else None
    out["availability"] = _iso(asdict(availability)) if availability else None
    out["needs_confirmation"] = bool(getattr(u, "needs_confirmation", False))
    return out
