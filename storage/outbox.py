"""The outbox: every message we send, bot or operator, goes through here (one send path).

Rows are written in the same transaction as the state change that caused them, so a reply is
queued exactly when the turn is committed. The sender claims rows with a lease; a crash while
sending makes the row due again after the lease (at-least-once towards the provider, with the
window kept to one HTTP round trip).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import (
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnClause

from storage.db import on_postgres
from storage.models import PENDING, Contact, Conversation, OutboxMessage, utcnow

# Written into the SQL (not bound) so the partial index over rows being sent serves the lease
# checks under PostgreSQL's generic plans too (see storage.models.PENDING).
_SENDING: ColumnClause[str] = literal_column("'sending'")

FINAL_STATUSES = ("sent", "delivered", "read", "failed", "fetched", "opted_out", "cancelled")

# Claim order (docs/advisories.md): alerts to the rapid-response team, then conversation
# replies, then advisories to many. A priority range is claimed at a time (``claim_due``).
PRIORITY_ALERT = 0
PRIORITY_REPLY = 1
PRIORITY_BULK = 2
URGENT = (PRIORITY_ALERT, PRIORITY_REPLY)
BULK = (PRIORITY_BULK, PRIORITY_BULK)


def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    recipient: str,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    conversation_id: int | None = None,
    origin: str = "bot",
    operator_id: int | None = None,
    source_key: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox (flushed with the caller's transaction)."""
    row = OutboxMessage(
        **outbox_row(
            channel=channel,
            recipient=recipient,
            text=text,
            buttons=buttons or [],
            conversation_id=conversation_id,
            origin=origin,
            operator_id=operator_id,
            source_key=source_key,
        )
    )
    session.add(row)
    return row


def outbox_row(
    *,
    channel: str,
    recipient: str,
    text: str,
    buttons: list[dict[str, str]],
    conversation_id: int | None,
    source_key: str | None,
    origin: str = "bot",
    operator_id: int | None = None,
) -> dict[str, Any]:
    """One pending outbox row: for :func:`enqueue_many`, and what :func:`enqueue` adds."""
    now = utcnow()
    return {
        "channel": channel,
        "recipient": recipient,
        "text": text,
        "buttons": buttons,
        "conversation_id": conversation_id,
        "origin": origin,
        "operator_id": operator_id,
        "source_key": source_key,
        "priority": PRIORITY_ALERT if origin == "alert" else PRIORITY_REPLY,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


_ENQUEUE_MANY = insert(cast("Table", OutboxMessage.__table__)).returning(
    OutboxMessage.__table__.c.id, sort_by_parameter_order=True
)


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Queue many rows in one statement; returns their ids in the order given."""
    if not rows:
        return []
    return [int(i) for i in (await session.execute(_ENQUEUE_MANY, rows)).scalars()]


@dataclass(frozen=True, slots=True)
class Due:
    """A claimed outbox row with what the adapter needs to send it."""

    id: int
    channel: str
    recipient: str
    text: str
    buttons: list[dict[str, str]]
    attempts: int
    conversation_id: int | None
    last_inbound_at: Any  # datetime | None: opens WhatsApp's 24-hour window
    blocked: bool
    language: str | None = None  # the conversation's language (WhatsApp template language)
    advisory_id: int | None = None  # a row of an advisory to many (docs/advisories.md)
    opted_in: bool = True  # advisory rows: the contact still wants advisories


def _due_heads(pulled: frozenset[str], only: str | None = None) -> Select[Any]:
    """Ids of due rows that are first in line for their conversation, most urgent first.

    A later message is never sent before an earlier one of the same conversation is final, so
    replies keep their order even while an earlier one is backing off or being sent; a reply
    does not wait behind an earlier advisory of its conversation, though (only earlier rows of
    the same or a more urgent priority hold a row back). Rows of ``pulled`` channels are fetched
    by their client (the web chat), never sent; ``only`` restricts the claim to one channel (the
    sender's per-channel share of advisory rows). Built once per (pulled, only), with bound
    parameters (``now``, ``limit``, ``lo``, ``hi``): the sender runs it many times a second.
    """
    earlier = aliased(OutboxMessage)
    blocked_by_earlier = exists().where(
        and_(
            earlier.conversation_id == OutboxMessage.conversation_id,
            earlier.id < OutboxMessage.id,
            earlier.status.in_(("pending", "sending")),
            earlier.priority <= OutboxMessage.priority,
        )
    )
    conditions = [
        OutboxMessage.status == PENDING,
        OutboxMessage.priority >= bindparam("lo"),
        OutboxMessage.priority <= bindparam("hi"),
        OutboxMessage.next_attempt_at <= bindparam("now"),
        OutboxMessage.channel.not_in(pulled),
        (OutboxMessage.conversation_id.is_(None)) | ~blocked_by_earlier,
    ]
    if only is not None:
        conditions.append(OutboxMessage.channel == only)
    return (
        select(OutboxMessage.id)
        .where(*conditions)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(bindparam("limit"))
    )


def _claim(heads: Select[Any], *, materialized: bool) -> Any:
    """``UPDATE … FROM heads … RETURNING`` what the adapters need, with bound parameters.

    On PostgreSQL the heads are a ``MATERIALIZED`` CTE: written as ``WHERE id IN (subquery)``
    the planner may choose a nested-loop semi-join that re-runs the ``LIMIT … FOR UPDATE SKIP
    LOCKED`` subquery once per outer row, and then the limit holds per loop, not overall
    (measured on a fresh table: ``limit=1`` claimed 2,000 rows, issue 10). A materialized CTE
    is evaluated exactly once, so the limit is the limit.
    """
    if materialized:
        chosen = heads.cte("heads").prefix_with("MATERIALIZED")
        which = OutboxMessage.id == chosen.c.id
    else:  # SQLite runs a subquery once; and UPDATE … FROM needs SQLite 3.33+
        which = OutboxMessage.id.in_(heads.scalar_subquery())
    return (
        update(OutboxMessage)
        .where(which, OutboxMessage.status == "pending")
        .values(
            status="sending",
            lease_until=bindparam("lease_until"),
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.channel,
            OutboxMessage.recipient,
            OutboxMessage.text,
            OutboxMessage.buttons,
            OutboxMessage.attempts,
            OutboxMessage.conversation_id,
            OutboxMessage.advisory_id,
        )
    )


@functools.lru_cache(maxsize=32)
def _statements(pulled: frozenset[str], only: str | None = None) -> tuple[Select[Any], Any, Any]:
    """(due heads, claim for SQLite, claim for PostgreSQL) for these pulled channels."""
    heads = _due_heads(pulled, only)
    return (
        heads,
        _claim(heads, materialized=False),  # SQLite: one writer, nothing to skip
        _claim(heads.with_for_update(skip_locked=True, of=OutboxMessage), materialized=True),
    )


async def due_heads(
    session: AsyncSession, limit: int = 50, *, pulled: frozenset[str] = frozenset()
) -> list[int]:
    """Ids of the rows :func:`claim_due` would take now (for inspection and tests)."""
    params = {"now": utcnow(), "limit": limit, "lo": URGENT[0], "hi": BULK[1]}
    heads, _sqlite, _postgres = _statements(pulled)
    return [int(i) for i in (await session.execute(heads, params)).scalars()]


async def claim_due(
    session: AsyncSession,
    limit: int,
    lease: timedelta,
    *,
    pulled: frozenset[str] = frozenset(),
    priorities: tuple[int, int] = (PRIORITY_ALERT, PRIORITY_BULK),
    only: str | None = None,
) -> list[Due]:
    """Take up to ``limit`` due rows for sending, in two statements whatever the count.

    One ``UPDATE … WHERE id IN (heads … FOR UPDATE SKIP LOCKED) RETURNING`` marks them
    ``sending`` with a lease, so concurrent senders (tasks or instances) never take the same row;
    one more query reads what the adapters need about the recipients. ``priorities`` is the
    range of priorities taken (lowest first), ``only`` one channel. The caller commits.
    """
    now = utcnow()
    _heads, claim_sqlite, claim_postgres = _statements(pulled, only)
    lo, hi = priorities
    claimed = (
        await session.execute(
            claim_postgres if on_postgres(session) else claim_sqlite,
            {"now": now, "limit": limit, "lease_until": now + lease, "lo": lo, "hi": hi},
            execution_options={"synchronize_session": False},
        )
    ).all()
    if not claimed:
        return []
    conversation_ids = {row.conversation_id for row in claimed if row.conversation_id is not None}
    recipients: dict[int, Any] = {}
    if conversation_ids:
        found = await session.execute(
            select(
                Conversation.id,
                Contact.last_inbound_at,
                Contact.blocked,
                Conversation.language,
                Contact.advisory_opt_in,
            )
            .join(Contact, Conversation.contact_id == Contact.id)
            .where(Conversation.id.in_(conversation_ids))
        )
        recipients = {row.id: row for row in found}
    dues = []
    for row in sorted(claimed, key=lambda r: int(r.id)):
        info = recipients.get(row.conversation_id) if row.conversation_id is not None else None
        dues.append(
            Due(
                id=row.id,
                channel=row.channel,
                recipient=row.recipient,
                text=row.text,
                buttons=list(row.buttons or []),
                attempts=row.attempts,
                conversation_id=row.conversation_id,
                last_inbound_at=info.last_inbound_at if info is not None else None,
                blocked=bool(info.blocked) if info is not None else False,
                language=info.language if info is not None else None,
                advisory_id=row.advisory_id,
                opted_in=bool(info.advisory_opt_in) if info is not None else False,
            )
        )
    return dues


_OUTBOX = cast("Table", OutboxMessage.__table__)
# Only rows not yet final: a row whose lease ran out meanwhile (a long database outage) was still
# sent by us, so it is marked sent rather than sent again; a delivery receipt that already moved
# the row on is never overwritten. A Core statement, executed once per row (an executemany).
_MARK_SENT = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("row_id"),
        or_(_OUTBOX.c.status == PENDING, _OUTBOX.c.status == _SENDING),
    )
    .values(
        status="sent",
        external_id=bindparam("ext_id"),
        sent_at=bindparam("sent"),
        lease_until=None,
        last_error=None,
    )
)


async def mark_sent_many(session: AsyncSession, sent: Sequence[tuple[int, str | None]]) -> None:
    """The provider accepted these messages: one executemany, however many there are."""
    if not sent:
        return
    now = utcnow()
    await session.execute(
        _MARK_SENT,
        [{"row_id": row_id, "ext_id": external_id, "sent": now} for row_id, external_id in sent],
    )


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """Exponential backoff with jitter (1 s, 2 s, 4 s … 5 min), or what the provider asked."""
    if retry_after is not None and retry_after > 0:
        return timedelta(seconds=retry_after)
    base = min(300.0, 2.0 ** max(0, attempts - 1))
    return timedelta(seconds=base * (0.8 + 0.4 * random.random()))  # noqa: S311 - jitter only


async def mark_failed_attempt(
    session: AsyncSession,
    outbox_id: int,
    *,
    error: str,
    retryable: bool,
    attempts: int,
    max_attempts: int,
    retry_after: float | None = None,
) -> str:
    """Record a failed send: back off and retry, or give up. Returns the new status."""
    give_up = not retryable or attempts >= max_attempts
    values: dict[str, Any] = {"last_error": error[:500], "lease_until": None}
    if give_up:
        values["status"] = "failed"
    else:
        values["status"] = "pending"
        values["next_attempt_at"] = utcnow() + backoff(attempts, retry_after)
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values)
    )
    return str(values["status"])


async def mark_opted_out(session: AsyncSession, ids: Collection[int]) -> None:
    """Advisory rows whose recipient opted out after the advisory was queued: not sent."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == _SENDING)
            .values(status="opted_out", lease_until=None, last_error="opted out")
        )


async def renew_leases(session: AsyncSession, ids: Collection[int], lease: timedelta) -> int:
    """Extend the leases of rows this sender is still working on. Returns how many it held.

    A live sender keeps its rows however long the pacer or the provider makes them wait, so a
    lease only ever expires when its sender is gone (a crash): then, and only then, another
    sender takes the row again.
    """
    if not ids:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "sending")
        .values(lease_until=utcnow() + lease)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_expired_leases(session: AsyncSession) -> int:
    """Rows stuck in ``sending`` past their lease (the sender died mid-send) become due again.

    Except advisory rows: one may have reached the provider before the crash, and an advisory
    to many is sent at most once to each person (docs/advisories.md), so those few (at most the
    sender's advisory rows in flight) are marked failed with the reason, for a supervisor to see.
    """
    now = utcnow()
    expired = (OutboxMessage.status == _SENDING, OutboxMessage.lease_until < now)
    interrupted = await session.execute(
        update(OutboxMessage)
        .where(*expired, OutboxMessage.priority == PRIORITY_BULK)
        .values(
            status="failed",
            lease_until=None,
            last_error="interrupted: the sender stopped while sending; not repeated",
        )
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(*expired)
        .values(status="pending", lease_until=None, next_attempt_at=now)
    )
    return int(result.rowcount) + int(interrupted.rowcount)  # type: ignore[attr-defined]


async def unsettled_count(session: AsyncSession) -> int:
    """Rows not yet final (pending or being sent): what is still owed to someone."""
    stmt = select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
    return int((await session.execute(stmt)).scalar_one())


# Delivery receipts only move a message forward (docs/channels.md, "Delivery statuses"):
# sent < delivered < read, and failed is final. Providers do not promise their callbacks arrive
# in order (a late "delivered" after "read", a "sent" after "failed"): each receipt names the
# states it may replace, so the guarded UPDATE below never moves a row backwards.
_RECEIPT_REPLACES: dict[str, tuple[str, ...]] = {
    "sent": (),
    "delivered": ("sent",),
    "read": ("sent", "delivered"),
    # A message the person received or read did not fail: a late failure is not applied.
    "failed": ("sent",),
}


async def record_delivery(
    session: AsyncSession,
    *,
    channel: str,
    external_id: str,
    status: str,
    error: str | None = None,
) -> bool:
    """Apply a provider's delivery receipt (sent, delivered, read, failed), forward only.

    Returns False if the message is unknown or the receipt is older than what is recorded.
    """
    replaces = _RECEIPT_REPLACES.get(status)
    if replaces is None:
        return False
    values: dict[str, Any] = {"delivery_status": status}
    if status == "failed":
        values["status"] = "failed"
        values["last_error"] = (error or "failed")[:500]
    elif status in {"delivered", "read"}:
        values["status"] = status
    current = OutboxMessage.delivery_status
    forward = or_(current.is_(None), current.in_(replaces)) if replaces else current.is_(None)
    stmt = update(OutboxMessage).where(
        OutboxMessage.channel == channel,
        OutboxMessage.external_id == external_id,
        forward,
    )
    if status != "failed":
        stmt = stmt.where(OutboxMessage.status != "failed")  # failed is final
    result = await session.execute(stmt.values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def fetch_pulled(
    session: AsyncSession,
    conversation_id: int,
    *,
    channel: str,
    source_prefix: str | None = None,
) -> list[OutboxMessage]:
    """Hand a pulled channel's pending messages to its client exactly once (pending → fetched)."""
    stmt = select(OutboxMessage).where(
        OutboxMessage.conversation_id == conversation_id,
        OutboxMessage.channel == channel,
        OutboxMessage.status == "pending",
    )
    if source_prefix is not None:
        stmt = stmt.where(OutboxMessage.source_key.startswith(source_prefix))
    rows = list((await session.execute(stmt.order_by(OutboxMessage.id))).scalars())
    fetched: list[OutboxMessage] = []
    for row in rows:
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == "pending")
            .values(status="fetched", delivery_status="delivered", sent_at=utcnow())
        )
        if result.rowcount:  # type: ignore[attr-defined]
            fetched.append(row)
    return fetched
