"""The store's tables (SQLAlchemy Core). The same schema runs on SQLite and PostgreSQL.

Every side effect the agent has is a row here first: an inbound message becomes a ``ledger`` row in
the same transaction as its effects (agendas, notes, outbox rows), so a crash either keeps all of
them or none. Unique keys are how "nothing twice" is enforced:

    ledger (mailbox, mailbox_key)     one row per message in one mailbox
    ledger message_id (indexed)       the same message delivered twice is recognised
    outbox idem_key / message_id      one outbound email per occasion, re-sent under the same Message-ID
    due_actions idem_key              one timed action per rule, pair and occasion
    answer_counts (sender, day)       automatic answers to one sender on one day (the daily cap)
    rule_firings (rule, pair, occasion)   each rule fires once per occasion

Migrations live in ``agent/store/migrations``; change a table here and add a revision there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)



class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


EMAIL = String(320)
UTC_TIME = UtcDateTime()

participants = Table(
    "participants",
    metadata,
    Column("email", EMAIL, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(10), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("locale", String(20), nullable=False),
    Column("bouncing", Boolean, nullable=False, default=False),
    Column("updated_at", UTC_TIME, nullable=False),
)

pairs = Table(
    "pairs",
    metadata,
    Column("key", EMAIL, primary_key=True),  # the mentee's address
    Column("mentor", EMAIL, nullable=False, index=True),
    Column("mentee", EMAIL, nullable=False),
    Column("start", Date, nullable=False),
    # new -> booked | unschedulable; booked -> paused | ended
    Column("status", String(20), nullable=False, default="new"),
    Column("status_reason", Text, nullable=False, default=""),
    Column("flags", JSON, nullable=False, default=list),
    Column("last_activity_at", UTC_TIME),
    Column("created_at", UTC_TIME, nullable=False),
)

series = Table(
    "series",
    metadata,
    Column("uid", String(200), primary_key=True),
    Column("pair_key", EMAIL, ForeignKey("pairs.key"), nullable=False, index=True),
    Column("phase", Integer, nullable=False),
    Column("tzid", String(64), nullable=False),
    Column("dtstart", String(32), nullable=False),  # local ISO time in tzid
    Column("rrule", String(200), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("sequence", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False, default="active"),
    Column("notes", JSON, nullable=False, default=list),
    Column("ics", Text, nullable=False),
    Column("created_at", UTC_TIME, nullable=False),
    Column("updated_at", UTC_TIME, nullable=False),
)

occurrences = Table(
    "occurrences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("series_uid", String(200), ForeignKey("series.uid"), nullable=False),
    Column("pair_key", EMAIL, nullable=False),
    Column("starts_at", UTC_TIME, nullable=False),
    Column("ends_at", UTC_TIME, nullable=False),
    Column("status", String(20), nullable=False, default="scheduled"),
    UniqueConstraint("series_uid", "starts_at"),
    Index("ix_occurrences_pair_start", "pair_key", "starts_at"),
)

attendance = Table(
    "attendance",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("series_uid", String(200), nullable=False),
    Column("attendee", EMAIL, nullable=False),
    Column("recurrence_at", UTC_TIME),  # None = the whole series
    Column("partstat", String(20), nullable=False),
    Column("updated_at", UTC_TIME, nullable=False),
    UniqueConstraint("series_uid", "attendee", "recurrence_at"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mailbox", String(300), nullable=False),
    Column("mailbox_key", String(300), nullable=False),
    Column("message_id", String(500), nullable=False, index=True),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("sender", EMAIL, nullable=False, default=""),
    Column("subject", String(500), nullable=False, default=""),
    Column("kind", String(30), nullable=False),
    Column("pair_key", EMAIL, index=True),
    # processed | duplicate | quarantined
    Column("status", String(20), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("processed_at", UTC_TIME, nullable=False),
    UniqueConstraint("mailbox", "mailbox_key"),
)

agendas = Table(
    "agendas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pair_key", EMAIL, nullable=False, index=True),
    Column("occurrence_id", Integer),
    Column("ledger_id", Integer, ForeignKey("ledger.id"), nullable=False),
    Column("received_at", UTC_TIME, nullable=False),
    Column("text", Text, nullable=False),
    Column("data", JSON, nullable=False),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pair_key", EMAIL, nullable=False, index=True),
    Column("occurrence_id", Integer),
    Column("ledger_id", Integer, ForeignKey("ledger.id"), nullable=False),
    Column("received_at", UTC_TIME, nullable=False),
    Column("text", Text, nullable=False),
    Column("data", JSON, nullable=False),
)

action_items = Table(
    "action_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pair_key", EMAIL, nullable=False, index=True),
    Column("notes_id", Integer, ForeignKey("notes.id"), nullable=False),
    Column("owner", String(20)),
    Column("text", Text, nullable=False),
    Column("due", Date),
    Column("status", String(20), nullable=False, default="open"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idem_key", String(500), nullable=False, unique=True),
    Column("message_id", String(300), nullable=False, unique=True),
    Column("pair_key", EMAIL, index=True),
    Column("recipients", JSON, nullable=False),
    Column("subject", String(500), nullable=False),
    # the bytes to send; NULL while ``content`` (rendered parts) waits to be composed at delivery
    Column("raw", LargeBinary),
    Column("content", JSON),
    # pending -> sent | failed
    Column("status", String(20), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTC_TIME, nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", UTC_TIME, nullable=False),
    Column("sent_at", UTC_TIME),
    # set when a send is first attempted: a later attempt asks Outbound.already_sent first, since the
    # earlier one may have been accepted just before a crash (migration 0002)
    Column("sending_since", UTC_TIME),
    # several workers share the outbox: a row is claimed under a lease (migration 0003)
    Column("claimed_by", String(100)),
    Column("lease_until", UTC_TIME),
    Index("ix_outbox_pending", "status", "next_attempt_at"),
)

due_actions = Table(
    "due_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idem_key", String(500), nullable=False, unique=True),
    Column("pair_key", EMAIL, nullable=False, index=True),
    Column("rule", String(100), nullable=False),
    Column("occasion", String(100), nullable=False),
    Column("due_at", UTC_TIME, nullable=False),
    Column("expires_at", UTC_TIME, nullable=False),
    # pending -> done | expired | cancelled
    Column("status", String(20), nullable=False, default="pending"),
    Column("claimed_by", String(100)),
    Column("lease_until", UTC_TIME),
    Column("done_at", UTC_TIME),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_due_actions_pending", "status", "due_at"),
)

rule_firings = Table(
    "rule_firings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(100), nullable=False),
    Column("pair_key", EMAIL, nullable=False),
    Column("occasion", String(300), nullable=False),
    Column("fired", Boolean, nullable=False),  # False = evaluated and missed, kept for `explain`
    Column("reason", Text, nullable=False),
    Column("at", UTC_TIME, nullable=False),
    UniqueConstraint("rule", "pair_key", "occasion"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mailbox", String(300), nullable=False),
    Column("mailbox_key", String(300), nullable=False),
    Column("message_id", String(500), nullable=False, default=""),
    Column("sender", EMAIL, nullable=False, default=""),
    Column("subject", String(500), nullable=False, default=""),
    Column("reason", Text, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("created_at", UTC_TIME, nullable=False),
    Column("released_at", UTC_TIME),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTC_TIME, nullable=False),
    Column("pair_key", EMAIL, index=True),
    Column("rule", String(100)),
    Column("action", String(50), nullable=False),
    Column("recipients", JSON, nullable=False, default=list),
    Column("outbox_key", String(500)),
    Column("reason", Text, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("until", UTC_TIME, nullable=False),
)

pending_changes = Table(
    "pending_changes",
    metadata,
    # what a participant asked for, held until they confirm it (migration 0003)
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pair_key", EMAIL, nullable=False, index=True),
    Column("requested_by", EMAIL, nullable=False),
    # reschedule | skip | pause | resume | cadence | end | availability | understood
    Column("kind", String(30), nullable=False),
    Column("payload", JSON, nullable=False),
    # the Message-ID of the agent's confirmation mail: the answer threads to it
    Column("confirm_message_id", String(300), unique=True),
    # pending -> applied | declined | expired | superseded
    Column("status", String(20), nullable=False, default="pending"),
    Column("created_at", UTC_TIME, nullable=False),
    Column("expires_at", UTC_TIME, nullable=False),
    Column("decided_at", UTC_TIME),
    Column("ledger_id", Integer),
)

participant_overrides = Table(
    "participant_overrides",
    metadata,
    # a participant's confirmed availability change (new hours and/or zone), read over the roster file's
    # values until an administrator makes it permanent in roster.toml (migration 0004)
    Column("email", EMAIL, primary_key=True),
    Column("hours", JSON),  # roster syntax, e.g. ["Mon-Thu 08:00-16:00"]; NULL = the roster's
    Column("timezone", String(64)),  # IANA; NULL = the roster's
    Column("change_id", Integer),  # the pending_changes row it came from
    Column("updated_at", UTC_TIME, nullable=False),
)

answer_counts = Table(
    "answer_counts",
    metadata,
    # automatic messages sent to one address on one (UTC) day, answers and the "no more today"
    # notice alike: agent.mail.policy.DailyCap decides on this count (migration 0002)
    Column("sender", EMAIL, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("count", Integer, nullable=False, default=0),
)
