"""The inbox: raw inbound events, claimed atomically before the provider is acknowledged.

``claim`` is a single ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: two concurrent deliveries
of the same provider event cannot both get through (a read-then-write check would let them).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from storage.db import insert_ignoring_conflicts, on_postgres
from storage.models import PENDING, InboxEvent, utcnow


@dataclass(frozen=True, slots=True)
class Pending:
    """A pending event as the dispatcher needs it: a plain value, usable after any rollback."""

    id: int
    channel: str
    conversation_key: str
    event: dict[str, Any]
    attempts: int
    received_at: datetime


async def claim(
    session: AsyncSession | AsyncConnection,
    *,
    channel: str,
    dedup_key: str,
    conversation_key: str,
    event: dict[str, Any],
) -> int | None:
    """Store an inbound event unless its dedup key was seen. Returns the new id, or None if seen.

    The caller commits; the provider is acknowledged only after the commit. On an autocommit
    connection the single statement is its own transaction: one round trip instead of three.
    """
    values = {
        "channel": channel,
        "dedup_key": dedup_key,
        "conversation_key": conversation_key,
        "event": event,
        "status": "pending",
        "attempts": 0,
        "received_at": utcnow(),
    }
    stmt = insert_ignoring_conflicts(
        session, InboxEvent.__table__, ("channel", "dedup_key"), returning="id"
    )
    result = await session.execute(stmt, values)
    return result.scalar_one_or_none()


async def peek_ready(session: AsyncSession, limit: int) -> list[Pending]:
    """The oldest pending events that are first in line for their conversation (no lock taken).

    An event whose conversation has an older pending event is not ready: events of one
    conversation are handled strictly in arrival order, even across instances.
    """
    older = aliased(InboxEvent)
    stmt = (
        select(
            InboxEvent.id,
            InboxEvent.channel,
            InboxEvent.conversation_key,
            InboxEvent.event,
            InboxEvent.attempts,
            InboxEvent.received_at,
        )
        .where(
            InboxEvent.status == PENDING,
            ~exists().where(
                older.channel == InboxEvent.channel,
                older.conversation_key == InboxEvent.conversation_key,
                older.status == PENDING,
                older.id < InboxEvent.id,
            ),
        )
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    return [Pending(*row) for row in (await session.execute(stmt)).all()]


async def is_pending(session: AsyncSession, event_id: int) -> bool:
    """True while the event waits to be handled (not done, not parked as failed)."""
    stmt = select(InboxEvent.status).where(InboxEvent.id == event_id)
    return (await session.execute(stmt)).scalar_one_or_none() == "pending"


async def lock_pending(session: AsyncSession, ids: Collection[int]) -> set[int]:
    """Lock those of ``ids`` that are still pending and not being handled by anyone else.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED``: an event another instance is working on is skipped,
    not waited for. SQLite has one writer, so a status check is enough there.
    """
    stmt = select(InboxEvent.id).where(InboxEvent.id.in_(ids), InboxEvent.status == "pending")
    if on_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return set((await session.execute(stmt)).scalars())


async def mark_done(session: AsyncSession, event_id: int, error: str | None = None) -> bool:
    """Mark an event processed. Returns False if someone else already did (another instance)."""
    return bool(await mark_done_many(session, (event_id,), error=error))


async def mark_done_many(
    session: AsyncSession, event_ids: Collection[int], error: str | None = None
) -> int:
    """Mark events processed in one statement. Returns how many were still pending."""
    if not event_ids:
        return 0
    result = await session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(event_ids), InboxEvent.status == "pending")
        .values(status="done", processed_at=utcnow(), last_error=error)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def record_failure(
    session: AsyncSession, event_id: int, error: str, *, give_up: bool
) -> None:
    """Count a failed processing attempt; after too many the event is parked as failed."""
    values: dict[str, Any] = {"attempts": InboxEvent.attempts + 1, "last_error": error[:500]}
    if give_up:
        values["status"] = "failed"
        values["processed_at"] = utcnow()
    await session.execute(update(InboxEvent).where(InboxEvent.id == event_id).values(**values))
