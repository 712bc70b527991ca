"""Database tables (SQLAlchemy 2 typed models). Alembic migrations in ``storage/migrations``.

Types are chosen to behave the same on SQLite and PostgreSQL: JSON columns, timezone-aware
timestamps stored as UTC, and string enums (stable persisted names) rather than native enums.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnClause


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (DTZ: the 24-hour window needs aware datetimes)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; refuse naive datetimes, which are bugs waiting to happen."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """SQLite returns naive values: they were stored as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Portable JSON: JSONB would be nicer on PostgreSQL, but one migration for both matters more here.
JsonDict = JSON().with_variant(JSON(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
BigId = BigInteger().with_variant(Integer(), "sqlite")


# ``status = 'pending'`` written into the SQL, not bound as a parameter: the partial indexes below
# only serve queries whose predicate matches theirs, and PostgreSQL's generic plan for a prepared
# statement cannot know that a parameter will be 'pending' (measured: queue queries fell back to
# scanning, and a backlog made them slower and slower).
PENDING: ColumnClause[str] = literal_column("'pending'")


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic needs them to alter tables)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JsonDict,
        datetime: UTCDateTime,
    }


class Contact(Base):
    """A person writing to us on one channel (a worker, a family member, a prospective worker)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    alt_user_id: Mapped[str | None] = mapped_column(String(128), index=True)  # WhatsApp BSUID
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    consent_given: Mapped[bool | None] = mapped_column(Boolean)
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(32))
    last_inbound_at: Mapped[datetime | None]  # opens WhatsApp's 24-hour window
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Learned with consent (docs/advisories.md): the country of the person's report, and their
    # own yes or no to safety advisories, with when and on which channel they said it.
    country: Mapped[str | None] = mapped_column(String(64), index=True)
    advisory_opt_in: Mapped[bool | None] = mapped_column(Boolean)
    advisory_opt_in_at: Mapped[datetime | None]
    advisory_opt_in_channel: Mapped[str | None] = mapped_column(String(32))


class Conversation(Base):
    """The bot's state with one contact, and who owns the conversation (the bot or an operator)."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    state: Mapped[str] = mapped_column(String(64), default="idle")
    state_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str | None] = mapped_column(String(8))
    owner_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_message_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship(lazy="joined")


class Message(Base):
    """Every message in and out, with its NLU result: the conversation operators read."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_created", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # in, out
    origin: Mapped[str] = mapped_column(String(16), default="user")  # user, bot, operator, system
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    channel_message_id: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(String(256))
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JsonDict)
    media: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDict)
    location: Mapped[dict[str, Any] | None] = mapped_column(JsonDict)
    nlu: Mapped[dict[str, Any] | None] = mapped_column(JsonDict)
    outbox_id: Mapped[int | None] = mapped_column(BigId)
    # None for an ordinary message; "unsupported" (content we cannot read, kept as a readable
    # text), "edited" or "revoked" (the person changed or deleted it; ``versions`` holds every
    # earlier state, oldest first, as {"text", "kind", "media", "location", "changed_at"}).
    kind: Mapped[str | None] = mapped_column(String(16))
    versions: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An inbound message that answers a safety advisory (docs/advisories.md): the advisory.
    advisory_id: Mapped[int | None] = mapped_column(ForeignKey("advisories.id"), index=True)


class Case(Base):
    """A case ticket: what the command centre works on. ``reference`` is what the worker quotes."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_queue", "status", "urgency_rank", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(16))
    urgency_rank: Mapped[int] = mapped_column(Integer)  # 3 critical … 0 low, for the queue order
    urgency_reasons: Mapped[list[str]] = mapped_column(JsonDict, default=list)
    status: Mapped[str] = mapped_column(String(24), default="new")
    resolution: Mapped[str | None] = mapped_column(Text)
    reporter: Mapped[str] = mapped_column(
        String(16), default="self"
    )  # self, family, friend, other
    affected_name: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(64), index=True)
    recruitment_company: Mapped[str | None] = mapped_column(String(200), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # all intake answers
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    last_worker_update: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_inbound_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]


class AuditEntry(Base):
    """The audit trail: who (operator or the system) saw or changed what, and when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)
    action: Mapped[str] = mapped_column(String(48))  # opened, viewed, status_changed, note, …
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Operator(Base):
    """A command-centre user of the console."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # operator, supervisor, admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Accounts an admin can run (docs/console.md, "Accounts"): a reset password must be changed
    # at the next login; an optional TOTP second factor (RFC 6238), the last time step used
    # refused a second time.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class InboxEvent(Base):
    """A raw provider event, stored before it is acknowledged; the unique key absorbs retries."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "dedup_key"),
        Index("ix_inbox_pending", "status", "received_at"),
        # storage.inbox.peek_ready: pending events in arrival order, and "is there an older
        # pending event in this conversation?"
        Index(
            "ix_inbox_pending_id",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_inbox_pending_by_conversation",
            "channel",
            "conversation_key",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    dedup_key: Mapped[str] = mapped_column(String(160))
    conversation_key: Mapped[str] = mapped_column(String(128))
    event: Mapped[dict[str, Any]] = mapped_column()  # the parsed MessageIn, JSON-encoded
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message waiting to be sent (or sent), with its retry bookkeeping and delivery status."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # storage.outbox: due rows in order without walking every sent one
        Index(
            "ix_outbox_pending_id",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # storage.outbox lease checks: only the few rows being sent
        Index(
            "ix_outbox_sending_lease",
            "lease_until",
            postgresql_where=text("status = 'sending'"),
            sqlite_where=text("status = 'sending'"),
        ),
        UniqueConstraint("source_key"),
        # storage.outbox claims: due rows by priority (alerts, replies, then advisories), in order
        Index(
            "ix_outbox_pending_priority",
            "priority",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(128))
    # Idempotency: "<inbox id>:<n>" for bot replies, so reprocessing an event cannot queue twice.
    source_key: Mapped[str | None] = mapped_column(String(80))
    origin: Mapped[str] = mapped_column(String(16), default="bot")  # bot, operator, system, alert
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JsonDict, default=list)
    template: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending → sending → sent → delivered/read; failed (gave up); web chat: pending → fetched
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(128), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # 0 alerts, 1 conversation replies, 2 advisories: claimed in that order (storage.outbox).
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    advisory_id: Mapped[int | None] = mapped_column(ForeignKey("advisories.id"), index=True)


class WebSession(Base):
    """A console login session (the cookie carries only a random id; the row is the truth)."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class PinAttempt(Base):
    """A try at a case's reference and PIN from a conversation (``cek status`` from another
    phone): recent failures per reference and per conversation refuse further tries."""

    __tablename__ = "pin_attempts"
    __table_args__ = (
        Index("ix_pin_attempts_reference", "reference", "created_at"),
        Index("ix_pin_attempts_conversation", "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))  # as typed (upper case), known or not
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasureRequest(Base):
    """A person's request to erase their data (UU 27/2022), reviewed and carried out by a
    supervisor from the console (docs/privacy.md)."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, done, refused
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    note: Mapped[str | None] = mapped_column(Text)  # the supervisor's reason when refused
    erased: Mapped[dict[str, Any]] = mapped_column(default=dict)  # counts of what was erased


class Advisory(Base):
    """A safety advisory to many (docs/advisories.md): written in Indonesian and English by one
    supervisor, approved by another (four eyes), then queued in the outbox for its audience."""

    __tablename__ = "advisories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    text_id: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(String(500))
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the filter (countries, …)
    # draft → approved (queued; sending from scheduled_at) → cancelled; "sent" is derived
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    scheduled_at: Mapped[datetime | None]
    recipients: Mapped[int] = mapped_column(Integer, default=0)  # rows queued at approval
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class AbuseBlock(Base):
    """A sender an operator marked as abusive (docs/abuse.md): a channel's contact (a web-chat
    session, a number, a chat) or a web-chat address, each kept only as a keyed hash.

    A block slows the sender down and turns its team alerts into one low-noise notice; it
    never refuses or hides a message: a blocked sender's emergency still opens a case.
    """

    __tablename__ = "abuse_blocks"
    __table_args__ = (Index("ix_abuse_blocks_key", "kind", "channel", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # contact, address
    channel: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))  # keyed hash of the conversation key or address
    reason: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))


class AlertLog(Base):
    """Each team alert decision (bot.effects): sent alone, folded into a summary, or a blocked
    sender's notice. Counted per channel and window to coalesce alerts (docs/abuse.md)."""

    __tablename__ = "alert_log"
    __table_args__ = (Index("ix_alert_log_channel_created", "channel", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # alert, coalesced, blocked
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    reference: Mapped[str] = mapped_column(String(32))
    summary_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Referral(Base):
    """A case passed to a partner (an embassy, BP3MI, the police, BPJS, Immigration) and
    followed up until the partner is done or declines (docs/console.md, "Referrals")."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # The partner as chosen from knowledge.partners; name and kind are kept as they were then.
    partner_key: Mapped[str] = mapped_column(String(120), index=True)
    partner_name: Mapped[str] = mapped_column(String(200))
    partner_kind: Mapped[str] = mapped_column(String(24))
    partner_reference: Mapped[str | None] = mapped_column(String(120))  # their own number
    request: Mapped[str] = mapped_column(Text)  # what was asked of them (internal)
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="sent")
    # sent → acknowledged → acting → done; declined from any open state
    created_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class ReferralUpdate(Base):
    """One step in a referral's life: a state change and/or a note (internal, never sent)."""

    __tablename__ = "referral_updates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DutyPeriod(Base):
    """An operator on duty, from when they marked themselves on until they marked themselves off
    (docs/console.md, "Shift handover"). At most one open period per operator."""

    __tablename__ = "duty_periods"
    __table_args__ = (
        Index(
            "uq_duty_periods_open",
            "operator_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class HandoverNote(Base):
    """What the outgoing shift writes for the next one (internal, never sent to a worker)."""

    __tablename__ = "handover_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class WebhookSubscriber(Base):
    """A system that receives signed case events (docs/console.md, "Integration")."""

    __tablename__ = "webhook_subscribers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))  # HMAC-SHA256 key, shown once
    events: Mapped[list[str]] = mapped_column(JsonDict, default=list)
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)  # allowed by an admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event for one subscriber, delivered in order per case with retries (an outbox)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_case", "subscriber_id", "case_reference", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscribers.id"))
    case_reference: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class ApiToken(Base):
    """A token for the console's JSON API with scopes (cases:read, stats:read)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JsonDict, default=list)
    created_by: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class Company(Base):
    """A recruitment company (P3MI) as a record: what complaints are counted against
    (docs/console.md, "Recruitment companies")."""

    __tablename__ = "p3mi_companies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    normalized: Mapped[str] = mapped_column(
        String(200), unique=True
    )  # storage.companies.normalize
    licence_number: Mapped[str | None] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="operator")  # import, operator
    created_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseCompany(Base):
    """The company an operator confirmed for a case (the typed name stays in the case)."""

    __tablename__ = "case_companies"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("p3mi_companies.id"), index=True)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
