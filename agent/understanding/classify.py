"""The whole understanding pipeline for one message: bytes in, (ParsedMail, Understanding) out.

Order of decisions (first match wins): bounce (DSN; checked first because MAILER-DAEMON is never a
participant), stranger, calendar reply/counter (iMIP),
out-of-office, then the best-scoring of agenda / notes / request / availability, else "other".
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime
from typing import Collection, Mapping

from agent.domain.model import Understanding
from agent.understanding.agenda import extract_agenda, looks_like_agenda
from agent.understanding.hygiene import automatic_reason, is_out_of_office
from agent.understanding.mime import ParsedMail, parse_mail
from agent.understanding.notes import extract_notes, looks_like_notes
from agent.understanding.reply import extract_reply

_REPLY_TO_AGENDA = re.compile(r"^\s*(re|aw|sv|antw|r|rif|ref|res)\s*:\s*.{0,20}\b(agenda|tagesordnung|ordre du jour|orden del d[íi]a)", re.I)
_REPLY_TO_NOTES = re.compile(r"^\s*(re|aw|sv|antw|r|rif|ref|res)\s*:\s*.{0,20}\b(notes|notizen|protokoll|compte[- ]rendu|notas)\b", re.I)
_REQUEST = {
    "skip": re.compile(r"\b(skip|cancel|can'?t make it|cannot make it|won'?t make it|absagen|ausfallen|annuler|cancelar)\b", re.I),
    "reschedule": re.compile(r"\b(reschedul\w*|move (our|the) (meeting|call|session)|postpone|another time|verschieben|"
                             r"d[ée]caler|reporter|reprogramar|cambiar la hora)\b", re.I),
    "pause": re.compile(r"\b(pause|take a break|on hold|pausieren|mettre en pause|pausar)\b", re.I),
    "resume": re.compile(r"\b(resume|restart our|start again|pick (it|things) up again|wieder aufnehmen|reprendre|retomar)\b", re.I),
    "end": re.compile(r"\b(end (the|our) (mentoring|mentorship|program)|stop (the|our) (mentoring|mentorship)|"
                      r"leave the program|beenden|arr[êe]ter le mentorat|terminar la mentor[íi]a)\b", re.I),
}
_AVAILABILITY = re.compile(
    r"\b(i now work|i'?m now working|i'?ve moved to|i have moved to|i moved to|my new (hours|working hours|time ?zone)|"
    r"i'?m now (in|based in|living in)|ich arbeite jetzt|ich bin nach .{1,40} umgezogen|je travaille d[ée]sormais|"
    r"j'ai d[ée]m[ée]nag[ée]|ahora trabajo|me he mudado|me mud[ée])\b",
    re.IGNORECASE,
)


def understand(
    raw: bytes, *, participants: Collection[str] | None, now: datetime
) -> tuple[ParsedMail, Understanding]:
    """Parse ``raw`` and decide what it is (see the module docstring). Raises MessageRejected only for
    over-size input and CalendarRejected for a broken iMIP part.

    ``participants`` may also be a mapping address -> role ("mentor"/"mentee"); then "I" and "you"
    in notes resolve to roles. ``now`` is accepted for the runner's relative dates (unused here)."""
    mail = parse_mail(raw)
    reply = extract_reply(mail.text)
    if mail.is_report or _is_bounce(mail):  # before "stranger": DSNs come from MAILER-DAEMON, never a participant
        return mail, Understanding("bounce", reply, 1.0, reasons=("delivery status notification",))
    if participants is not None and mail.sender not in {p.lower() for p in participants}:
        return mail, Understanding("stranger", reply, 1.0, reasons=(f"{mail.sender or 'unknown sender'} is no participant",))
    calendar = _calendar(mail, reply)
    if calendar is not None:
        return mail, calendar
    ooo, until = is_out_of_office(mail)
    if ooo:
        why = ("out-of-office auto-reply",) + ((f"back on {until.isoformat()}",) if until else ())
        return mail, Understanding("out_of_office", reply, 0.9, out_of_office_until=until, reasons=why)
    auto = automatic_reason(mail)
    role = participants.get(mail.sender) if isinstance(participants, Mapping) else None
    return mail, _content_kind(mail, reply, auto, str(role) if role else None)


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
        if method in ("REPLY", "COUNTER"):
            answer = parse_itip(data)  # CalendarRejected propagates to the runner's quarantine
            kind = "calendar_reply" if method == "REPLY" else "calendar_counter"
            return Understanding(kind, reply, 1.0, calendar=answer, reasons=(f"iMIP METHOD:{method}",))
    return None


def _content_kind(mail: ParsedMail, reply: str, auto: str | None, role: str | None) -> Understanding:
    subject, text = mail.subject, reply or mail.text[:20_000]
    agenda_score = looks_like_agenda(subject, text)
    notes_score = looks_like_notes(subject, text)
    if _REPLY_TO_AGENDA.match(subject):
        agenda_score = max(agenda_score, 0.7)
    if _REPLY_TO_NOTES.match(subject):
        notes_score = max(notes_score, 0.7)
    base = (f"automatic: {auto}",) if auto else ()
    if max(agenda_score, notes_score) >= 0.5:
        if agenda_score >= notes_score:
            return Understanding("agenda", reply, round(agenda_score, 2), agenda=extract_agenda(text),
                                 reasons=base + (f"agenda signals {agenda_score:.2f}",))
        return Understanding("notes", reply, round(notes_score, 2), notes=extract_notes(text, writer_role=role),
                             reasons=base + (f"notes signals {notes_score:.2f}",))
    head = text[:3000]
    if _AVAILABILITY.search(head):
        return Understanding("availability", reply, 0.6, reasons=base + ("mentions new hours or place",))
    hits = [name for name, pattern in _REQUEST.items() if pattern.search(head)]
    if hits:
        return Understanding("request", reply, 0.5, reasons=base + tuple(f"request: {h}" for h in hits))
    return Understanding("other", reply, 0.5, reasons=base + ("no known kind",))


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
    if u.kind == "request":
        out["request"] = [r.split(": ", 1)[1] for r in u.reasons if r.startswith("request: ")]
    return out
