"""The inbox: raw inbound events, claimed atomically before the provider is acknowledged.

``claim`` is a single ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: two concurrent deliveries
of the same provider event cannot both get through (a read-then-write check would let them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import InboxEvent, utcnow


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """Enough to route a pending event to its conversation's worker."""

    id: int
    channel: str
    conversation_key: str


async def claim(
    session: AsyncSession,
    *,
    channel: str,
    dedup_key: str,
    conversation_key: str,
    event: dict[str, Any],
) -> int | None:
    """Store an inbound event unless its dedup key was seen. Returns the new id, or None if seen.

    The caller commits; the provider is acknowledged only after the commit.
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
    insert = insert_for(session)
    stmt = (
        insert(InboxEvent)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "dedup_key"])
        .returning(InboxEvent.id)
    )
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


async def next_pending(
    session: AsyncSession, channel: str, conversation_key: str
) -> InboxEvent | None:
    """The oldest unprocessed event of one conversation (events are handled in arrival order)."""
    stmt = (
        select(InboxEvent)
        .where(
            InboxEvent.channel == channel,
            InboxEvent.conversation_key == conversation_key,
            InboxEvent.status == "pending",
        )
        .order_by(InboxEvent.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def stale_pending(session: AsyncSession, older_than: timedelta) -> list[PendingEvent]:
    """Events nobody finished (a crash, a restart, a dead instance): to be picked up again."""
    cutoff: datetime = utcnow() - older_than
    stmt = (
        select(InboxEvent.id, InboxEvent.channel, InboxEvent.conversation_key)
        .where(InboxEvent.status == "pending", InboxEvent.received_at <= cutoff)
        .order_by(InboxEvent.id)
        .limit(500)
    )
    rows = (await session.execute(stmt)).all()
    return [PendingEvent(r.id, r.channel, r.conversation_key) for r in rows]


async def all_pending(session: AsyncSession) -> list[PendingEvent]:
    """Every pending event: what a freshly started instance must finish first."""
    return await stale_pending(session, timedelta(0))


async def mark_done(session: AsyncSession, event_id: int, error: str | None = None) -> bool:
    """Mark an event processed. Returns False if someone else already did (another instance)."""
    result = await session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == event_id, InboxEvent.status == "pending")
        .values(status="done", processed_at=utcnow(), last_error=error)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def record_failure(
    session: AsyncSession, event_id: int, error: str, *, give_up: bool
) -> None:
    """Count a failed processing attempt; after too many the event is parked as failed."""
    values: dict[str, Any] = {"attempts": InboxEvent.attempts + 1, "last_error": error[:500]}
    if give_up:
        values["status"] = "failed"
        values["processed_at"] = utcnow()
    await session.execute(update(InboxEvent).where(InboxEvent.id == event_id).values(**values))
