"""Small repository functions over a Connection: the only place SQL is written.

Each takes the caller's connection, so the caller's transaction decides what commits together.
``insert_once`` is the idempotency primitive: it inserts a row unless its unique key exists and says
which happened, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from agent.domain.model import Pair, Participant
from agent.store import tables as t


def insert_once(conn: Connection, table, values: Mapping, keys: Iterable[str]) -> bool:
    """Insert unless a row with the same unique ``keys`` exists. True when this call inserted it."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    keys = list(keys)
    statement = (
        dialect_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        .returning(table.c[keys[0]])  # rowcount is unreliable with implicit RETURNING on PostgreSQL
    )
    return conn.execute(statement).first() is not None


# -- roster ---------------------------------------------------------------------------------------


def sync_roster(conn: Connection, participants: Iterable[Participant], pairs: Iterable[Pair], now: datetime) -> None:
    """Mirror the roster file: people are updated in place; new pairs start as ``new``."""
    for person in participants:
        values = dict(
            name=person.name, role=str(person.role), timezone=person.timezone, locale=person.locale, updated_at=now
        )
        if not insert_once(conn, t.participants, dict(email=person.email, bouncing=False, **values), ["email"]):
            conn.execute(update(t.participants).where(t.participants.c.email == person.email).values(**values))
    for pair in pairs:
        row = dict(key=pair.key, mentor=pair.mentor, mentee=pair.mentee, start=pair.start, status="new",
                   status_reason="", flags=[], created_at=now)
        if not insert_once(conn, t.pairs, row, ["key"]):
            conn.execute(
                update(t.pairs).where(t.pairs.c.key == pair.key).values(mentor=pair.mentor, start=pair.start)
            )


def pairs_to_book(conn: Connection, until: date) -> list[str]:
    rows = conn.execute(
        select(t.pairs.c.key).where(t.pairs.c.status == "new", t.pairs.c.start <= until).order_by(t.pairs.c.key)
    )
    return [row.key for row in rows]


def pair_row(conn: Connection, key: str):
    return conn.execute(select(t.pairs).where(t.pairs.c.key == key)).one_or_none()


def set_pair_status(conn: Connection, key: str, status: str, reason: str = "") -> None:
    conn.execute(update(t.pairs).where(t.pairs.c.key == key).values(status=status, status_reason=reason))


def touch_pair(conn: Connection, key: str, at: datetime) -> None:
    """Record activity (a message from the pair) for the inactivity rules."""
    conn.execute(
        update(t.pairs)
        .where(t.pairs.c.key == key, or_(t.pairs.c.last_activity_at.is_(None), t.pairs.c.last_activity_at < at))
        .values(last_activity_at=at)
    )


def set_flags(conn: Connection, key: str, flags: list[str]) -> None:
    conn.execute(update(t.pairs).where(t.pairs.c.key == key).values(flags=sorted(set(flags))))


def mark_bouncing(conn: Connection, email: str, bouncing: bool = True) -> None:
    conn.execute(update(t.participants).where(t.participants.c.email == email).values(bouncing=bouncing))


def bouncing_addresses(conn: Connection, among: list[str] | None = None) -> set[str]:
    """Addresses marked bouncing (of ``among`` only, by primary key, when given)."""
    query = select(t.participants.c.email).where(t.participants.c.bouncing)
    if among is not None:
        query = query.where(t.participants.c.email.in_(among))
    return set(conn.execute(query).scalars())


# -- series and occurrences ------------------------------------------------------------------------


def save_series(conn: Connection, *, uid: str, pair_key: str, phase: int, plan, ics: bytes, sequence: int,
                now: datetime) -> None:
    conn.execute(
        t.series.insert().values(
            uid=uid, pair_key=pair_key, phase=phase, tzid=plan.tzid,
            dtstart=plan.dtstart.replace(tzinfo=None).isoformat(), rrule=plan.rrule, minutes=plan.minutes,
            sequence=sequence, status="active", notes=list(plan.notes), ics=ics.decode(), created_at=now,
            updated_at=now,
        )
    )
    for start in plan.occurrences:
        conn.execute(
            t.occurrences.insert().values(
                series_uid=uid, pair_key=pair_key, starts_at=start, ends_at=start + plan.duration, status="scheduled"
            )
        )


def series_of(conn: Connection, pair_key: str) -> list:
    return list(conn.execute(select(t.series).where(t.series.c.pair_key == pair_key).order_by(t.series.c.phase)))


def occurrences_of(conn: Connection, pair_key: str) -> list:
    return list(
        conn.execute(
            select(t.occurrences)
            .where(t.occurrences.c.pair_key == pair_key, t.occurrences.c.status == "scheduled")
            .order_by(t.occurrences.c.starts_at)
        )
    )


def mentor_busy(conn: Connection, mentor: str, exclude_pair: str) -> list[tuple[datetime, datetime]]:
    """Meetings the mentor already has with other pairs: no double booking."""
    rows = conn.execute(
        select(t.occurrences.c.starts_at, t.occurrences.c.ends_at)
        .join(t.pairs, t.pairs.c.key == t.occurrences.c.pair_key)
        .where(t.pairs.c.mentor == mentor, t.pairs.c.key != exclude_pair, t.occurrences.c.status == "scheduled")
    )
    return [(row.starts_at, row.ends_at) for row in rows]


def record_attendance(conn: Connection, *, series_uid: str, attendee: str, recurrence_at: datetime | None,
                      partstat: str, now: datetime) -> None:
    values = dict(series_uid=series_uid, attendee=attendee, recurrence_at=recurrence_at, partstat=partstat,
                  updated_at=now)
    if not insert_once(conn, t.attendance, values, ["series_uid", "attendee", "recurrence_at"]):
        conn.execute(
            update(t.attendance)
            .where(t.attendance.c.series_uid == series_uid, t.attendance.c.attendee == attendee,
                   t.attendance.c.recurrence_at.is_(None) if recurrence_at is None
                   else t.attendance.c.recurrence_at == recurrence_at)
            .values(partstat=partstat, updated_at=now)
        )


# -- the ledger of inbound mail --------------------------------------------------------------------


def ledger_entry(conn: Connection, mailbox: str, key: str):
    return conn.execute(
        select(t.ledger).where(t.ledger.c.mailbox == mailbox, t.ledger.c.mailbox_key == key)
    ).one_or_none()


def seen_message(conn: Connection, message_id: str, content_hash: str) -> bool:
    """True when this message was handled before, under any mailbox key (duplicate delivery)."""
    row = conn.execute(
        select(t.ledger.c.id).where(
            or_(t.ledger.c.message_id == message_id, t.ledger.c.content_hash == content_hash),
            t.ledger.c.status != "quarantined",
        ).limit(1)
    ).first()
    return row is not None


def add_ledger(conn: Connection, **values) -> int:
    return conn.execute(t.ledger.insert().values(**values)).inserted_primary_key[0]


def update_ledger(conn: Connection, ledger_id: int, **values) -> None:
    conn.execute(update(t.ledger).where(t.ledger.c.id == ledger_id).values(**values))


# -- agendas, notes, action items ------------------------------------------------------------------


def add_agenda(conn: Connection, **values) -> int:
    return conn.execute(t.agendas.insert().values(**values)).inserted_primary_key[0]


def add_notes(conn: Connection, **values) -> int:
    return conn.execute(t.notes.insert().values(**values)).inserted_primary_key[0]


def add_action_item(conn: Connection, **values) -> int:
    return conn.execute(t.action_items.insert().values(**values)).inserted_primary_key[0]


def agenda_since(conn: Connection, pair_key: str, since: datetime | None) -> bool:
    query = select(func.count()).select_from(t.agendas).where(t.agendas.c.pair_key == pair_key)
    if since is not None:
        query = query.where(t.agendas.c.received_at > since)
    return conn.execute(query).scalar_one() > 0


def notes_since(conn: Connection, pair_key: str, since: datetime | None) -> bool:
    query = select(func.count()).select_from(t.notes).where(t.notes.c.pair_key == pair_key)
    if since is not None:
        query = query.where(t.notes.c.received_at > since)
    return conn.execute(query).scalar_one() > 0


# -- outbox ----------------------------------------------------------------------------------------


def enqueue(conn: Connection, *, idem_key: str, message_id: str, pair_key: str | None, recipients: list[str],
            subject: str, raw: bytes, now: datetime, not_before: datetime | None = None) -> bool:
    """Queue one outbound email, held until ``not_before`` (quiet hours) if given; False when the same
    idempotency key was queued before."""
    return insert_once(
        conn,
        t.outbox,
        dict(idem_key=idem_key, message_id=message_id, pair_key=pair_key, recipients=recipients, subject=subject,
             raw=raw, status="pending", attempts=0, next_attempt_at=not_before or now, last_error="",
             created_at=now),
        ["idem_key"],
    )


def pairs_of_messages(conn: Connection, message_ids: list[str]) -> set[str]:
    """The pairs our outbound messages with these Message-IDs belonged to (to place a reply)."""
    if not message_ids:
        return set()
    wanted = {f"<{m.strip('<>')}>" for m in message_ids}
    rows = conn.execute(select(t.outbox.c.pair_key).where(t.outbox.c.message_id.in_(wanted)))
    return {row.pair_key for row in rows if row.pair_key}


def outbox_due(conn: Connection, now: datetime, limit: int = 100) -> list:
    query = (
        select(t.outbox)
        .where(t.outbox.c.status == "pending", t.outbox.c.next_attempt_at <= now)
        .order_by(t.outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(conn.execute(query))


def outbox_sent(conn: Connection, row_id: int, now: datetime) -> None:
    conn.execute(
        update(t.outbox).where(t.outbox.c.id == row_id)
        .values(status="sent", sent_at=now, attempts=t.outbox.c.attempts + 1)
    )


def outbox_retry(conn: Connection, row_id: int, error: str, next_attempt_at: datetime, give_up: bool) -> None:
    conn.execute(
        update(t.outbox).where(t.outbox.c.id == row_id).values(
            status="failed" if give_up else "pending", last_error=error[:2000], next_attempt_at=next_attempt_at,
            attempts=t.outbox.c.attempts + 1,
        )
    )


# -- due actions and rule firings ------------------------------------------------------------------


def schedule_due(conn: Connection, *, idem_key: str, pair_key: str, rule: str, occasion: str, due_at: datetime,
                 expires_at: datetime) -> None:
    """Create the timed action, or move a still-pending one when the rule's timing changed."""
    values = dict(pair_key=pair_key, rule=rule, occasion=occasion, due_at=due_at, expires_at=expires_at)
    if not insert_once(conn, t.due_actions, dict(idem_key=idem_key, status="pending", detail="", **values),
                       ["idem_key"]):
        conn.execute(
            update(t.due_actions)
            .where(t.due_actions.c.idem_key == idem_key, t.due_actions.c.status == "pending")
            .values(due_at=due_at, expires_at=expires_at)
        )


def cancel_due_except(conn: Connection, pair_key: str, keep: set[str], detail: str) -> None:
    """Cancel pending actions of a pair that the current rules no longer produce."""
    rows = conn.execute(
        select(t.due_actions.c.idem_key).where(t.due_actions.c.pair_key == pair_key,
                                               t.due_actions.c.status == "pending")
    )
    stale = [row.idem_key for row in rows if row.idem_key not in keep]
    if stale:
        conn.execute(
            update(t.due_actions).where(t.due_actions.c.idem_key.in_(stale))
            .values(status="cancelled", detail=detail)
        )


def due_now(conn: Connection, now: datetime, worker: str, lease: timedelta, limit: int = 200) -> list:
    """Claim pending actions whose time has come (SKIP LOCKED on PostgreSQL, so workers never share one)."""
    query = (
        select(t.due_actions)
        .where(
            t.due_actions.c.status == "pending",
            t.due_actions.c.due_at <= now,
            or_(t.due_actions.c.lease_until.is_(None), t.due_actions.c.lease_until < now),
        )
        .order_by(t.due_actions.c.due_at, t.due_actions.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(conn.execute(query))
    if rows:
        conn.execute(
            update(t.due_actions).where(t.due_actions.c.id.in_([r.id for r in rows]))
            .values(claimed_by=worker, lease_until=now + lease)
        )
    return rows


def finish_due(conn: Connection, row_id: int, status: str, detail: str, now: datetime) -> None:
    conn.execute(
        update(t.due_actions).where(t.due_actions.c.id == row_id)
        .values(status=status, detail=detail[:2000], done_at=now, lease_until=None)
    )


def record_firing(conn: Connection, *, rule: str, pair_key: str, occasion: str, fired: bool, reason: str,
                  now: datetime) -> bool:
    """Remember a rule's decision for one occasion; False when it was decided before (fire once)."""
    return insert_once(
        conn, t.rule_firings,
        dict(rule=rule, pair_key=pair_key, occasion=occasion, fired=fired, reason=reason, at=now),
        ["rule", "pair_key", "occasion"],
    )


def audit(conn: Connection, *, at: datetime, action: str, reason: str, pair_key: str | None = None,
          rule: str | None = None, recipients: list[str] | None = None, outbox_key: str | None = None) -> None:
    conn.execute(
        t.audit.insert().values(at=at, pair_key=pair_key, rule=rule, action=action, recipients=recipients or [],
                                outbox_key=outbox_key, reason=reason)
    )


# -- quarantine ------------------------------------------------------------------------------------


def add_quarantine(conn: Connection, **values) -> int:
    return conn.execute(t.quarantine.insert().values(**values)).inserted_primary_key[0]


def quarantined(conn: Connection, include_released: bool = False) -> list:
    query = select(t.quarantine).order_by(t.quarantine.c.id)
    if not include_released:
        query = query.where(t.quarantine.c.released_at.is_(None))
    return list(conn.execute(query))


def quarantine_entry(conn: Connection, entry_id: int):
    return conn.execute(select(t.quarantine).where(t.quarantine.c.id == entry_id)).one_or_none()


def release_quarantine(conn: Connection, entry_id: int, now: datetime) -> None:
    """Mark released and forget the ledger row, so the message is handled afresh."""
    entry = quarantine_entry(conn, entry_id)
    conn.execute(update(t.quarantine).where(t.quarantine.c.id == entry_id).values(released_at=now))
    conn.execute(
        t.ledger.delete().where(
            and_(t.ledger.c.mailbox == entry.mailbox, t.ledger.c.mailbox_key == entry.mailbox_key,
                 t.ledger.c.status == "quarantined")
        )
    )


# -- daily cap on automatic answers (agent.mail.policy.DailyCap) -----------------------------------


def answers_sent(conn: Connection, sender: str, day: date) -> int:
    """Automatic messages (answers and the cap notice) counted for ``sender`` on ``day``."""
    count = conn.execute(
        select(t.answer_counts.c.count).where(t.answer_counts.c.sender == sender.lower(), t.answer_counts.c.day == day)
    ).scalar_one_or_none()
    return count or 0


def bump_answer_count(conn: Connection, sender: str, day: date) -> int:
    """Count one more automatic message to ``sender`` on ``day``; returns the new count."""
    sender = sender.lower()
    if insert_once(conn, t.answer_counts, dict(sender=sender, day=day, count=1), ["sender", "day"]):
        return 1
    conn.execute(
        update(t.answer_counts).where(t.answer_counts.c.sender == sender, t.answer_counts.c.day == day)
        .values(count=t.answer_counts.c.count + 1)
    )
    return answers_sent(conn, sender, day)


# -- outbox attempts and failures ------------------------------------------------------------------


def outbox_sending(conn: Connection, row_id: int, now: datetime) -> None:
    """Mark that a send of this row is being attempted (kept if it was marked before)."""
    conn.execute(
        update(t.outbox).where(t.outbox.c.id == row_id, t.outbox.c.sending_since.is_(None)).values(sending_since=now)
    )


def outbox_failed_since(conn: Connection, since: datetime) -> list:
    """Rows given up on at or after ``since`` (their ``next_attempt_at`` is the moment of failure)."""
    return list(
        conn.execute(
            select(t.outbox)
            .where(t.outbox.c.status == "failed", t.outbox.c.next_attempt_at >= since)
            .order_by(t.outbox.c.next_attempt_at, t.outbox.c.id)
        )
    )


def outbox_has_any(conn: Connection, idem_keys: list[str]) -> bool:
    """True when any of these outbox rows exists (looked up by the unique idempotency key)."""
    if not idem_keys:
        return False
    return conn.execute(select(t.outbox.c.id).where(t.outbox.c.idem_key.in_(idem_keys)).limit(1)).first() is not None

