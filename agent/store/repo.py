"""Small repository functions over a Connection: the only place SQL is written.

Each takes the caller's connection, so the caller's transaction decides what commits together.
``insert_once`` is the idempotency primitive: it inserts a row unless its unique key exists and says
which happened, on SQLite and PostgreSQL alike.

Statements on the inbound path (a few dozen per message) are built once at import with bound
parameters: SQLAlchemy then only looks up its compiled form, several times cheaper than building
the statement again for every call. A pair's series and occurrences are read once per transaction
(``agent.store.txcache``, emptied by any write to those tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from agent.domain.model import Pair, Participant
from agent.store import tables as t
from agent.store.deferred import defer
from agent.store.txcache import cached, read_ahead

_INSERT_ONCE: dict[tuple[str, str, tuple[str, ...]], object] = {}


def insert_once(conn: Connection, table, values: Mapping, keys: Iterable[str]) -> bool:
    """Insert unless a row with the same unique ``keys`` exists. True when this call inserted it."""
    keys = tuple(keys)
    slot = (conn.dialect.name, table.name, keys)
    statement = _INSERT_ONCE.get(slot)
    if statement is None:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        statement = _INSERT_ONCE[slot] = (
            dialect_insert(table).on_conflict_do_nothing(index_elements=list(keys))
            .returning(table.c[keys[0]])  # rowcount is unreliable with implicit RETURNING on PostgreSQL
        )
    return conn.execute(statement, dict(values)).first() is not None


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


_PAIR_ROW = select(t.pairs).where(t.pairs.c.key == bindparam("key"))


def pair_row(conn: Connection, key: str):
    return conn.execute(_PAIR_ROW, {"key": key}).one_or_none()


def set_pair_status(conn: Connection, key: str, status: str, reason: str = "") -> None:
    conn.execute(update(t.pairs).where(t.pairs.c.key == key).values(status=status, status_reason=reason))


_TOUCH_PAIR = (
    update(t.pairs)
    .where(t.pairs.c.key == bindparam("b_key"),
           or_(t.pairs.c.last_activity_at.is_(None), t.pairs.c.last_activity_at < bindparam("b_at", type_=t.UTC_TIME)))
    .values(last_activity_at=bindparam("b_at", type_=t.UTC_TIME))
)


def touch_pair(conn: Connection, key: str, at: datetime) -> None:
    """Record activity (a message from the pair) for the inactivity rules."""
    conn.execute(_TOUCH_PAIR, {"b_key": key, "b_at": at})


def set_flags(conn: Connection, key: str, flags: list[str]) -> None:
    conn.execute(update(t.pairs).where(t.pairs.c.key == key).values(flags=sorted(set(flags))))


def mark_bouncing(conn: Connection, email: str, bouncing: bool = True) -> None:
    conn.execute(update(t.participants).where(t.participants.c.email == email).values(bouncing=bouncing))


_BOUNCING = select(t.participants.c.email).where(t.participants.c.bouncing)


def bouncing_addresses(conn: Connection, among: list[str] | None = None) -> set[str]:
    """Addresses marked bouncing (of ``among`` only, when given); read once per transaction."""
    bouncing = cached(conn, ("bouncing",), lambda: frozenset(conn.execute(_BOUNCING).scalars()))
    return set(bouncing) if among is None else bouncing & set(among)


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


_SERIES_OF = (select(t.series).where(t.series.c.pair_key == bindparam("pair_key"))
              .order_by(t.series.c.phase, t.series.c.uid))
_OCCURRENCES_OF = (
    select(t.occurrences)
    .where(t.occurrences.c.pair_key == bindparam("pair_key"), t.occurrences.c.status == "scheduled")
    .order_by(t.occurrences.c.starts_at, t.occurrences.c.id)
)


_SERIES_OF_PAIRS = (select(t.series).where(t.series.c.pair_key.in_(bindparam("keys", expanding=True)))
                    .order_by(t.series.c.phase, t.series.c.uid))
_OCCURRENCES_OF_PAIRS = (
    select(t.occurrences)
    .where(t.occurrences.c.pair_key.in_(bindparam("keys", expanding=True)), t.occurrences.c.status == "scheduled")
    .order_by(t.occurrences.c.starts_at, t.occurrences.c.id)
)


def read_pairs_ahead(conn: Connection, pair_keys: Iterable[str]) -> None:
    """Read the series and meetings of many pairs in two queries into the transaction's cache, for
    ``series_of`` and ``occurrences_of`` (a batch of mail touches dozens of pairs, each read on its own
    otherwise); ``txcache.refill`` reads them again after a write emptied the cache. Rows come in the
    same order as those functions' own queries give them."""
    keys = sorted(set(pair_keys))
    if not keys:
        return

    def load_all() -> dict[tuple, tuple]:
        series: dict[str, list] = {key: [] for key in keys}
        meetings: dict[str, list] = {key: [] for key in keys}
        for start in range(0, len(keys), 500):
            chunk = {"keys": keys[start:start + 500]}
            for row in conn.execute(_SERIES_OF_PAIRS, chunk):
                series[row.pair_key].append(row)
            for row in conn.execute(_OCCURRENCES_OF_PAIRS, chunk):
                meetings[row.pair_key].append(row)
        return ({("series_of", key): tuple(rows) for key, rows in series.items()}
                | {("occurrences_of", key): tuple(rows) for key, rows in meetings.items()})

    read_ahead(conn, load_all)


def series_of(conn: Connection, pair_key: str) -> list:
    """The pair's series by phase (read once per transaction; a new list each call)."""
    return list(cached(conn, ("series_of", pair_key),
                       lambda: tuple(conn.execute(_SERIES_OF, {"pair_key": pair_key}))))


def occurrences_of(conn: Connection, pair_key: str) -> list:
    """The pair's scheduled meetings by start (read once per transaction; a new list each call)."""
    return list(cached(conn, ("occurrences_of", pair_key),
                       lambda: tuple(conn.execute(_OCCURRENCES_OF, {"pair_key": pair_key}))))


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


_LEDGER_ENTRY = select(t.ledger).where(t.ledger.c.mailbox == bindparam("mailbox"),
                                       t.ledger.c.mailbox_key == bindparam("key"))
_LEDGER_ENTRIES = select(t.ledger).where(t.ledger.c.mailbox == bindparam("mailbox"),
                                         t.ledger.c.mailbox_key.in_(bindparam("keys", expanding=True)))
_SEEN = select(t.ledger.c.id).where(
    or_(t.ledger.c.message_id == bindparam("message_id"), t.ledger.c.content_hash == bindparam("content_hash")),
    t.ledger.c.status != "quarantined",
).limit(1)
_SEEN_AMONG = select(t.ledger.c.message_id, t.ledger.c.content_hash).where(
    or_(t.ledger.c.message_id.in_(bindparam("message_ids", expanding=True)),
        t.ledger.c.content_hash.in_(bindparam("hashes", expanding=True))),
    t.ledger.c.status != "quarantined",
)
_UPDATE_LEDGER = update(t.ledger).where(t.ledger.c.id == bindparam("b_id"))


def ledger_entry(conn: Connection, mailbox: str, key: str):
    return conn.execute(_LEDGER_ENTRY, {"mailbox": mailbox, "key": key}).one_or_none()


def ledger_entries(conn: Connection, mailbox: str, keys: list[str]) -> dict:
    """The ledger rows of these mailbox keys (one query for a batch), by key."""
    if not keys:
        return {}
    return {row.mailbox_key: row for row in conn.execute(_LEDGER_ENTRIES, {"mailbox": mailbox, "keys": list(keys)})}


def seen_message(conn: Connection, message_id: str, content_hash: str) -> bool:
    """True when this message was handled before, under any mailbox key (duplicate delivery)."""
    return conn.execute(_SEEN, {"message_id": message_id, "content_hash": content_hash}).first() is not None


def seen_among(conn: Connection, message_ids: list[str], hashes: list[str]) -> tuple[set[str], set[str]]:
    """Of these Message-IDs and content hashes, those handled before (``seen_message`` for a batch)."""
    if not message_ids and not hashes:
        return set(), set()
    rows = list(conn.execute(_SEEN_AMONG, {"message_ids": list(message_ids), "hashes": list(hashes)}))
    return {row.message_id for row in rows}, {row.content_hash for row in rows}


def add_ledger(conn: Connection, **values) -> int:
    return conn.execute(t.ledger.insert(), values).inserted_primary_key[0]


def update_ledger(conn: Connection, ledger_id: int, **values) -> None:
    """Fill in a ledger row's outcome (deferred to the end of a batch: nothing reads it before the commit)."""
    defer(conn, _UPDATE_LEDGER, {"b_id": ledger_id, **values})


# -- agendas, notes, action items ------------------------------------------------------------------


def add_agenda(conn: Connection, **values) -> int:
    return conn.execute(t.agendas.insert(), values).inserted_primary_key[0]


def add_notes(conn: Connection, **values) -> int:
    return conn.execute(t.notes.insert(), values).inserted_primary_key[0]


def add_action_item(conn: Connection, **values) -> int:
    return conn.execute(t.action_items.insert(), values).inserted_primary_key[0]


def _count_since(table):
    everything = select(func.count()).select_from(table).where(table.c.pair_key == bindparam("pair_key"))
    return everything, everything.where(table.c.received_at > bindparam("since", type_=t.UTC_TIME))


_AGENDAS, _AGENDAS_SINCE = _count_since(t.agendas)
_NOTES, _NOTES_SINCE = _count_since(t.notes)


def _pair_state(agenda_after: bool, notes_after: bool):
    def received(table, after: bool):
        condition = table.c.pair_key == bindparam("pair_key")
        if after:
            condition = and_(condition, table.c.received_at > bindparam(f"{table.name}_after", type_=t.UTC_TIME))
        return exists().where(condition)

    return (select(t.pairs.c.flags, received(t.agendas, agenda_after).label("agenda"),
                   received(t.notes, notes_after).label("notes"))
            .where(t.pairs.c.key == bindparam("pair_key")))


_PAIR_STATE = {(a, n): _pair_state(a, n) for a in (False, True) for n in (False, True)}


def pair_state(conn: Connection, pair_key: str, agenda_after: datetime | None,
               notes_after: datetime | None) -> tuple[list[str], bool, bool]:
    """In one query: the pair's flags, whether an agenda came after ``agenda_after`` and notes after
    ``notes_after`` (ever, when None)."""
    row = conn.execute(_PAIR_STATE[agenda_after is not None, notes_after is not None],
                       {"pair_key": pair_key, "agendas_after": agenda_after, "notes_after": notes_after}).first()
    if row is None:  # not in the store (yet): no flags
        return [], agenda_since(conn, pair_key, agenda_after), notes_since(conn, pair_key, notes_after)
    return list(row.flags or ()), bool(row.agenda), bool(row.notes)


def agenda_since(conn: Connection, pair_key: str, since: datetime | None) -> bool:
    query = _AGENDAS if since is None else _AGENDAS_SINCE
    return conn.execute(query, {"pair_key": pair_key, "since": since}).scalar_one() > 0


def notes_since(conn: Connection, pair_key: str, since: datetime | None) -> bool:
    query = _NOTES if since is None else _NOTES_SINCE
    return conn.execute(query, {"pair_key": pair_key, "since": since}).scalar_one() > 0


# -- outbox ----------------------------------------------------------------------------------------


def enqueue(conn: Connection, *, idem_key: str, message_id: str, pair_key: str | None, recipients: list[str],
            subject: str, now: datetime, raw: bytes | None = None, content: dict | None = None,
            not_before: datetime | None = None) -> bool:
    """Queue one outbound email, held until ``not_before`` (quiet hours) if given; False when the same
    idempotency key was queued before. Either its bytes (``raw``) or its rendered ``content``, which
    ``agent.mail.compose.bytes_to_send`` composes at delivery."""
    if (raw is None) == (content is None):
        raise ValueError("an outbox row needs exactly one of raw and content")
    return insert_once(
        conn,
        t.outbox,
        dict(idem_key=idem_key, message_id=message_id, pair_key=pair_key, recipients=recipients, subject=subject,
             raw=raw, content=content, status="pending", attempts=0, next_attempt_at=not_before or now,
             last_error="", created_at=now),
        ["idem_key"],
    )


_PAIRS_OF_MESSAGES = select(t.outbox.c.pair_key).where(t.outbox.c.message_id.in_(bindparam("ids", expanding=True)))


def pairs_of_messages(conn: Connection, message_ids: list[str]) -> set[str]:
    """The pairs our outbound messages with these Message-IDs belonged to (to place a reply)."""
    if not message_ids:
        return set()
    wanted = sorted({f"<{m.strip('<>')}>" for m in message_ids})
    rows = conn.execute(_PAIRS_OF_MESSAGES, {"ids": wanted})
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


_AUDIT = t.audit.insert()


def audit(conn: Connection, *, at: datetime, action: str, reason: str, pair_key: str | None = None,
          rule: str | None = None, recipients: list[str] | None = None, outbox_key: str | None = None) -> None:
    defer(conn, _AUDIT, dict(at=at, pair_key=pair_key, rule=rule, action=action, recipients=recipients or [],
                             outbox_key=outbox_key, reason=reason))  # never read before the commit


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


_ANSWERS_SENT = select(t.answer_counts.c.count).where(t.answer_counts.c.sender == bindparam("sender"),
                                                     t.answer_counts.c.day == bindparam("day"))
_BUMP_ANSWERS: dict[str, object] = {}  # by dialect: INSERT ... ON CONFLICT DO UPDATE ... RETURNING


def answers_sent(conn: Connection, sender: str, day: date) -> int:
    """Automatic messages (answers and the cap notice) counted for ``sender`` on ``day``."""
    count = conn.execute(_ANSWERS_SENT, {"sender": sender.lower(), "day": day}).scalar_one_or_none()
    return count or 0


def bump_answer_count(conn: Connection, sender: str, day: date) -> int:
    """Count one more automatic message to ``sender`` on ``day``; returns the new count (one upsert)."""
    statement = _BUMP_ANSWERS.get(conn.dialect.name)
    if statement is None:
        insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t.answer_counts)
        statement = _BUMP_ANSWERS[conn.dialect.name] = (
            insert.values(sender=bindparam("sender"), day=bindparam("day"), count=1)
            .on_conflict_do_update(index_elements=["sender", "day"], set_={"count": t.answer_counts.c.count + 1})
            .returning(t.answer_counts.c.count)
        )
    return conn.execute(statement, {"sender": sender.lower(), "day": day}).scalar_one()


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

