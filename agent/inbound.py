"""Handle one inbound message: understand it, act on it, and account for it in the ledger.

The guarantees come from the order of steps:

1. A message whose mailbox key is in the ledger was handled before a crash that came before it was
   moved: it is only moved now. Nothing acts twice.
2. Understanding is pure; a message that cannot be read is quarantined with the reason.
3. The ledger row and every effect (filed agenda, outbox rows, rule firings) commit in ONE
   transaction. A crash before the commit leaves no trace and the message is handled again; a
   crash after it is case 1. Nothing is lost.
4. The same Message-ID (or the same bytes) arriving under another key is a duplicate delivery:
   recorded, moved, no effects.
5. Only then is the message moved out of the inbox (processed or quarantine folder), never deleted.

``handle_inbound_batch`` does the same for several messages in ONE transaction (the ledger rows and
effects of all of them commit together, then they are moved), in order, so each message sees what
the ones before it did; a Message-ID or content hash twice in a batch is a duplicate like any other.
A calendar answer or a request that is refused while acting on it (``MessageRejected``) is rolled
back to its savepoint and quarantined inside the batch. If anything else fails, the transaction is
rolled back (nothing of the batch stays) and every message of it is handled again one by one with
``handle_inbound``, which quarantines the failing one alone. ``handle_batches`` (and ``handle_all``) cut a
stream of messages into batches.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import nullcontext
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from agent import requests_flow
from agent.app import App
from agent.calendar_answers import handle_calendar_answer
from agent.domain.model import Understanding
from agent.errors import MessageRejected
from agent.mail.policy import DailyCap, authenticity, bounces_of, cap_day
from agent.messenger import Thread, send_template
from agent.readahead import READ_AHEAD_MIN, Read, read_message
from agent.ports import InboundMail
from agent.rules.actions import fire, pair_facts
from agent.rules.events import completed_goals, goal_occasion
from agent.rules.freshness import mark_changed
from agent.store import repo, txcache
from agent.store.deferred import deferring, savepoint
from agent.understanding.hygiene import automatic_reason
from agent.understanding.mime import ParsedMail

log = logging.getLogger(__name__)

CALENDAR_KINDS = ("calendar_reply", "calendar_counter")
BATCH = 100  # messages per transaction in handle_batches
QUARANTINE_RAW_KEPT = 2_000_000  # bytes of a quarantined message copied into the store; the mailbox keeps it all


def handle_batches(app: App, items: Iterable[InboundMail], now: datetime,
                   batch: int = BATCH) -> Iterator[list[str]]:
    """Handle a stream of messages (``mailbox.pending()``) in batches; yields each batch's statuses.

    Batches grow 1, 2, 4 ... up to ``batch``: a tick with a message or two commits each on its own,
    as before, and a backlog gets the throughput of large transactions. A batch is handled while the
    stream is still open, so an adapter that collects moves (IMAP) sends them together. A caller
    that stops between two batches leaves the rest in the mailbox for the next pass.

    With ``app.read_ahead``, a batch of ``READ_AHEAD_MIN`` messages or more is read by the helper
    process while the batch before it is acted on (``agent.readahead``).
    """
    held: tuple[list[InboundMail], Future | None, int] | None = None  # the next batch, being read ahead
    with app.mailbox.moving():  # the batches handled after the listing ended move together too
        for chunk in _batches(items, batch):
            read_with = app.roster_version
            reading = _read_ahead(app, chunk, now) if len(chunk) >= READ_AHEAD_MIN else None
            if held is not None:
                yield _handle_held(app, held, now)
            held = (chunk, reading, read_with)
        if held is not None:
            yield _handle_held(app, held, now)


def _batches(items: Iterable[InboundMail], batch: int) -> Iterator[list[InboundMail]]:
    pending: list[InboundMail] = []
    size = 1
    for item in items:
        pending.append(item)
        if len(pending) >= size:
            yield pending
            pending, size = [], min(size * 2, max(1, batch))
    if pending:
        yield pending


def _read_ahead(app: App, chunk: list[InboundMail], now: datetime) -> Future | None:
    if app.read_ahead is None:
        return None
    context = dict(participants=app.roles, names=app.first_names, zones=app.zones)
    return app.read_ahead.submit([item.raw for item in chunk], now, app.roster_version, context)


def _handle_held(app: App, held: tuple[list[InboundMail], Future | None, int], now: datetime) -> list[str]:
    """Act on a batch read ahead; read with a roster that changed since (a confirmed change of hours or
    zone in the batch before), it is read again in place."""
    chunk, reading, roster_version = held
    current = reading is not None and app.read_ahead is not None and roster_version == app.roster_version
    return handle_inbound_batch(app, chunk, now, app.read_ahead.result(reading, len(chunk)) if current else None)


def handle_all(app: App, items: Iterable[InboundMail], now: datetime, batch: int = BATCH) -> Iterator[str]:
    """``handle_batches``, one status per message."""
    for statuses in handle_batches(app, items, now, batch):
        yield from statuses


def handle_inbound_batch(app: App, items: list[InboundMail], now: datetime,
                         reads: list[Read] | None = None) -> list[str]:
    """Handle ``items`` in one transaction; returns each one's status, in order (see the module doc).
    ``reads``: the items already read (by the read-ahead helper), in the same order."""
    if len(items) == 1:
        return [handle_inbound(app, items[0], now)]
    try:
        statuses, moves = _batch(app, items, now, reads)
    except Exception:  # noqa: BLE001 - nothing of the batch was committed: handle each on its own
        log.warning("a batch of %d messages failed; handling them one by one", len(items), exc_info=True)
        return [handle_inbound(app, item, now) for item in items]
    for key, status in moves:
        _move(app, key, status)
    return statuses


def _batch(app: App, items: list[InboundMail], now: datetime,
           reads: list[Read] | None) -> tuple[list[str], list[tuple[str, str]]]:
    mailbox = app.mailbox
    with app.engine.begin() as conn:
        entries = repo.ledger_entries(conn, mailbox.identity, [item.key for item in items])
    ahead = dict(zip((item.key for item in items), reads)) if reads is not None else {}
    read = {}  # key -> (content hash, mail, understanding) or (content hash, None, reason)
    for item in items:
        if item.key not in entries:
            read[item.key] = _read(app, item, now, ahead.get(item.key))
    read_with = app.roster_version
    statuses, moves, done = [], [], []  # done: (status, kind, sender, detail) for the log after commit
    with app.engine.begin() as conn, deferring(conn):  # audit rows and ledger outcomes: one executemany each
        seen_ids, seen_hashes = repo.seen_among(
            conn, [r[1].message_id for r in read.values() if r[1] is not None], [r[0] for r in read.values()])
        repo.read_pairs_ahead(conn, (pair.key for r in read.values() if r[1] is not None
                                     for pair in app.roster.pairs_of(r[1].sender)))
        handled: dict[str, str] = {entry.mailbox_key: entry.status for entry in entries.values()}
        for item in items:
            if item.key in handled:  # before a crash (only the move was missing), or twice in this batch
                statuses.append("already handled")
                moves.append((item.key, handled[item.key]))
                continue
            txcache.refill(conn)  # the pairs' meetings read ahead, again if the message before changed some
            if app.roster_version != read_with:  # a confirmed change of someone's hours or zone, acted on
                read[item.key] = _read(app, item, now)  # above: the rest is read as one by one would
            content_hash, mail, understanding = read[item.key]
            if mail is None:
                status = _quarantine_rows(app, conn, item, content_hash, understanding, now)
            else:
                if mail.is_report:
                    _record_bounces(app, conn, item, mail, now)
                refused = _refusal(app, item, mail, understanding)
                if refused is not None:
                    status = _quarantine_rows(app, conn, item, content_hash, refused, now, mail=mail,
                                              kind=understanding.kind)
                else:
                    duplicate = mail.message_id in seen_ids or content_hash in seen_hashes
                    # calendar answers and requests may be refused while acting (MessageRejected): a
                    # savepoint lets that message alone be quarantined; any other failure ends the batch
                    risky = not duplicate and (understanding.kind in CALENDAR_KINDS
                                               or understanding.kind in requests_flow.KINDS)
                    try:
                        with savepoint(conn) if risky else nullcontext():
                            status, detail = _record(app, conn, item, mail, understanding, content_hash,
                                                     duplicate, now)
                    except MessageRejected as exc:
                        if not risky:
                            raise
                        status = _quarantine_rows(app, conn, item, content_hash, str(exc), now, mail=mail,
                                                  kind=understanding.kind)
                    else:
                        seen_ids.add(mail.message_id)
                        seen_hashes.add(content_hash)
                        done.append((status, understanding.kind, mail.sender, detail))
            handled[item.key] = status
            statuses.append(status)
            moves.append((item.key, status))
    for status, kind, sender, detail in done:
        log.info("%s %s from %s: %s", status, kind, sender, detail)
    return statuses, moves


def _read(app: App, item: InboundMail, now: datetime, done: Read | None = None):
    """(content hash, mail, understanding), or (content hash, None, why it cannot be read); ``done``
    is the message as the read-ahead helper read it, if it did."""
    result = done or read_message(item.raw, now, participants=app.roles, names=app.first_names, zones=app.zones)
    if result.trace is not None:  # a bug must not stop the daemon: quarantined, and logged for a fix
        log.error("could not read message %s\n%s", item.key, result.trace)
    if result.mail is None:
        return result.content_hash, None, result.problem
    return result.content_hash, result.mail, result.understanding


def _record_bounces(app: App, conn: Connection, item: InboundMail, mail: ParsedMail, now: datetime) -> None:
    """A delivery report: participants whose address bounces get no more mail until it is fixed."""
    for bounce in bounces_of(item.raw):
        if bounce.recipient in app.roles:
            repo.mark_bouncing(conn, bounce.recipient)
            repo.audit(conn, at=now, action="bouncing", recipients=[bounce.recipient],
                       reason=f"{bounce.status} {bounce.diagnostic}"[:2000])
            _tell_admins_of_bounce(app, conn, bounce, mail.message_id, now)


def _refusal(app: App, item: InboundMail, mail: ParsedMail, understanding: Understanding) -> str | None:
    """Why forged mail or a stranger's is refused (quarantined), or None."""
    forged = authenticity(item.raw, app.config.program.trusted_authserv_id)
    if forged is not None:
        return forged
    if understanding.kind == "stranger":
        # Never answered (no backscatter), never acted on; kept for an administrator to look at.
        return f"sender {mail.sender or '(unreadable)'} is not a participant"
    return None


def _record(app: App, conn: Connection, item: InboundMail, mail: ParsedMail, u: Understanding, content_hash: str,
            duplicate: bool, now: datetime) -> tuple[str, str]:
    """The ledger row and, unless it is a duplicate, the message's effects. Returns (status, detail)."""
    status = "duplicate" if duplicate else "processed"
    ledger_id = repo.add_ledger(
        conn, mailbox=app.mailbox.identity, mailbox_key=item.key, message_id=mail.message_id,
        content_hash=content_hash, sender=mail.sender, subject=mail.subject[:500], kind=u.kind,
        pair_key=None, status=status, detail="", processed_at=now)
    if duplicate:
        pair_key, detail = None, "already handled under another mailbox key"
    else:
        pair_key, detail = _act(app, conn, mail, u, ledger_id, now)
    repo.update_ledger(conn, ledger_id, pair_key=pair_key, detail=detail)
    return status, detail


def handle_inbound(app: App, item: InboundMail, now: datetime) -> str:
    """Handle one message end to end; returns processed, duplicate, quarantined or already handled."""
    mailbox = app.mailbox
    with app.engine.begin() as conn:
        entry = repo.ledger_entry(conn, mailbox.identity, item.key)
    if entry is not None:  # handled before a crash or restart; only the move was missing
        _move(app, item.key, entry.status)
        return "already handled"

    content_hash, mail, understanding = _read(app, item, now)
    if mail is None:
        return _quarantine(app, item, content_hash, understanding, now)
    if mail.is_report:
        with app.engine.begin() as conn:  # recorded even when the report is then refused
            _record_bounces(app, conn, item, mail, now)
    refused = _refusal(app, item, mail, understanding)
    if refused is not None:
        return _quarantine(app, item, content_hash, refused, now, mail=mail, kind=understanding.kind)
    try:
        with app.engine.begin() as conn:
            duplicate = repo.seen_message(conn, mail.message_id, content_hash)
            status, detail = _record(app, conn, item, mail, understanding, content_hash, duplicate, now)
    except MessageRejected as exc:
        return _quarantine(app, item, content_hash, str(exc), now, mail=mail, kind=understanding.kind)
    except OperationalError:  # the database went away, not the message's fault: the tick is retried
        raise
    except Exception as exc:
        log.exception("failed while acting on message %s", item.key)
        return _quarantine(app, item, content_hash, f"failed while acting on it ({type(exc).__name__}: {exc})",
                           now, mail=mail, kind=understanding.kind)
    _move(app, item.key, status)
    log.info("%s %s from %s: %s", status, understanding.kind, mail.sender, detail)
    return status


def _act(app: App, conn: Connection, mail: ParsedMail, u: Understanding, ledger_id: int,
         now: datetime) -> tuple[str | None, str]:
    """File what the message carries and run the rules it triggers. Returns (pair key, what was done)."""
    pair = _pair_for(app, conn, mail)
    if pair is None:
        return None, f"cannot tell which of {mail.sender}'s pairs this is about; filed only"
    sender_role = "mentee" if mail.sender == pair.mentee else "mentor"
    received = mail.date if mail.date is not None and mail.date <= now else now
    detail = f"{u.kind} from the {sender_role}"
    extra: dict[str, object] = dict(reply_text=u.reply_text, message=dict(subject=mail.subject, sender=mail.sender))
    never_answer = automatic_reason(mail) is not None
    day, capped = cap_day(now), never_answer or u.kind == "out_of_office"
    if not capped:  # Mailman / RFC 3834: at most N automatic answers a day, then one notice
        decision = DailyCap(app.config.program.daily_answer_cap).decide(repo.answers_sent(conn, mail.sender, day))
        if decision == "notice":
            send_template(app, conn, template="daily_cap", audience="sender", pair=pair, sender=mail.sender,
                          occasion=f"cap:{day.isoformat()}", now=now, reason="daily cap on automatic answers reached",
                          thread=Thread(mail.message_id, mail.references))
            repo.bump_answer_count(conn, mail.sender, day)
        never_answer = capped = decision != "answer"

    # "yes" to a confirmation counts whatever it looks like (a bare "ok" may read as notes)
    answers = u.kind not in CALENDAR_KINDS and requests_flow.answers_pending(conn, pair, mail)
    if answers or u.kind in requests_flow.KINDS:
        detail = requests_flow.handle(app, conn, pair, mail, u, sender_role=sender_role,
                                      thread=Thread(mail.message_id, mail.references), now=now) or detail
    elif u.kind == "agenda" and u.agenda is not None:
        extra["agenda"] = agenda = dataclasses.asdict(u.agenda)  # one copy: stored (serialised now) and templated
        repo.add_agenda(conn, pair_key=pair.key, occurrence_id=_next_meeting_id(conn, pair.key, now), ledger_id=ledger_id,
                        received_at=received, text=u.reply_text, data=agenda)
    elif u.kind == "notes" and u.notes is not None:
        extra["notes"] = notes = _jsonable(dataclasses.asdict(u.notes))  # one copy, as for agendas
        notes_id = repo.add_notes(conn, pair_key=pair.key, occurrence_id=_last_meeting_id(conn, pair.key, now),
                                  ledger_id=ledger_id, received_at=received, text=u.reply_text, data=notes)
        for item in u.notes.action_items:
            repo.add_action_item(conn, pair_key=pair.key, notes_id=notes_id, owner=item.owner, text=item.text,
                                 due=item.due, status="open")
    elif u.kind in CALENDAR_KINDS and u.calendar is not None:
        detail = handle_calendar_answer(app, conn, pair, u.calendar, sender=mail.sender,
                                        occasion=f"msg:{mail.message_id}", thread=Thread(mail.message_id,
                                                                                       mail.references), now=now)
    if u.kind != "out_of_office" and not never_answer:
        repo.touch_pair(conn, pair.key, received)

    mark_changed(app, pair.key)  # activity, notes and action items change what timed rules derive
    trigger_rules = [r for r in app.program.rules.by_trigger("message") if r.kind == u.kind]
    if u.kind in CALENDAR_KINDS:
        trigger_rules += list(app.program.rules.by_trigger("calendar_answer"))
    facts = pair_facts(conn, pair, now, sender_role=sender_role, text=u.reply_text)
    thread = Thread(mail.message_id, mail.references)
    occasion = f"msg:{mail.message_id}"
    outcomes = [(rule.name, fire(app, conn, rule, pair, occasion=occasion, facts=facts, now=now, sender=mail.sender,
                                 extra=extra, thread=thread, never_answer=never_answer)) for rule in trigger_rules]
    fired = [name for name, outcome in outcomes if outcome]
    if u.kind == "agenda" and u.agenda is not None:
        fired += _fire_goal_rules(app, conn, pair, u.agenda, facts, now, sender=mail.sender, extra=extra,
                                  thread=thread, never_answer=never_answer)
    if not capped and any(mail.sender in outcome.queued for _, outcome in outcomes):
        repo.bump_answer_count(conn, mail.sender, day)  # the sender got an automatic answer
    if fired:
        detail += "; rules fired: " + ", ".join(fired)
    return pair.key, detail


def _fire_goal_rules(app: App, conn: Connection, pair, agenda, facts, now: datetime, *, extra: dict,
                     **send) -> list[str]:
    """``goal_completed``: once per goal the agenda reports done (occasion: the goal's text)."""
    fired = []
    for goal in completed_goals(agenda):
        with_goal = dict(extra, goal=dataclasses.asdict(goal))
        fired += [f"{rule.name} ({goal.goal})" for rule in app.program.rules.by_trigger("goal_completed")
                  if fire(app, conn, rule, pair, occasion=goal_occasion(goal.goal), facts=facts, now=now,
                          extra=with_goal, **send)]
    return fired


def _tell_admins_of_bounce(app: App, conn: Connection, bounce, message_id: str, now: datetime) -> None:
    """Administrators learn that a participant's address bounces (metadata: address and status only)."""
    pairs = app.roster.pairs_of(bounce.recipient)
    if not pairs:
        return
    send_template(app, conn, template="bounce_admin", audience="admins", pair=pairs[0],
                  occasion=f"bounce:{bounce.recipient}:{message_id}", now=now,
                  reason=f"{bounce.recipient} bounces: {bounce.status}",
                  extra=dict(address=bounce.recipient, status=bounce.status or "", diagnostic=bounce.diagnostic or ""))


def _pair_for(app: App, conn: Connection, mail: ParsedMail):
    """The sender's own pair: the only one, or the one whose mail this answers (a mentor of several).

    Candidates are always the sender's own pairs, so no message can reach into another pair.
    """
    candidates = app.roster.pairs_of(mail.sender)
    if len(candidates) == 1:
        return candidates[0]
    thread = [ref for ref in (mail.in_reply_to, *mail.references) if ref]
    keys = repo.pairs_of_messages(conn, thread)
    matching = [pair for pair in candidates if pair.key in keys]
    return matching[0] if len(matching) == 1 else None


def _next_meeting_id(conn: Connection, pair_key: str, now: datetime) -> int | None:
    return next((m.id for m in repo.occurrences_of(conn, pair_key) if m.starts_at > now), None)


def _last_meeting_id(conn: Connection, pair_key: str, now: datetime) -> int | None:
    past = [m for m in repo.occurrences_of(conn, pair_key) if m.starts_at <= now]
    return past[-1].id if past else None


def _jsonable(value):
    """Dates inside extracted values become ISO strings for JSON columns and templates."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _quarantine(app: App, item: InboundMail, content_hash: str, reason: str, now: datetime, *,
                mail: ParsedMail | None = None, kind: str = "unreadable") -> str:
    with app.engine.begin() as conn:
        _quarantine_rows(app, conn, item, content_hash, reason, now, mail=mail, kind=kind)
    _move(app, item.key, "quarantined")
    return "quarantined"


def _quarantine_rows(app: App, conn: Connection, item: InboundMail, content_hash: str, reason: str, now: datetime,
                     *, mail: ParsedMail | None = None, kind: str = "unreadable") -> str:
    repo.add_quarantine(conn, mailbox=app.mailbox.identity, mailbox_key=item.key,
                        message_id=mail.message_id if mail else "", sender=mail.sender if mail else "",
                        subject=(mail.subject if mail else "")[:500], reason=reason,
                        raw=item.raw[:QUARANTINE_RAW_KEPT], created_at=now)  # a 50 MB bomb must not cost 150 MB
    repo.add_ledger(conn, mailbox=app.mailbox.identity, mailbox_key=item.key,
                    message_id=mail.message_id if mail else f"sha256:{content_hash}", content_hash=content_hash,
                    sender=mail.sender if mail else "", subject=(mail.subject if mail else "")[:500],
                    kind=kind, pair_key=None,
                    status="quarantined", detail=reason, processed_at=now)
    log.warning("quarantined %s: %s", item.key, reason)
    return "quarantined"


def _move(app: App, key: str, status: str) -> None:
    if status == "quarantined":
        app.mailbox.quarantine(key)
    else:
        app.mailbox.mark_processed(key)
