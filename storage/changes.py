"""The change feed: what happened since a cursor (new cases, messages, case changes, delivery).

Polling the database (rather than an in-process bus) is what makes a console connected to one
instance see what another instance wrote. ``bot.console.live`` fans the changes out to browsers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Case, Message, OutboxMessage, utcnow


@dataclass(slots=True)
class Cursor:
    """How far a live-update poller has read (highest ids seen)."""

    case_id: int = 0
    message_id: int = 0
    event_id: int = 0
    outbox_status: dict[int, str] = field(default_factory=dict)


async def current_cursor(session: AsyncSession) -> Cursor:
    """The newest ids now: a new subscriber only hears what happens from here on."""
    case_id = (await session.execute(select(func.max(Case.id)))).scalar() or 0
    message_id = (await session.execute(select(func.max(Message.id)))).scalar() or 0
    event_id = (await session.execute(select(func.max(AuditEntry.id)))).scalar() or 0
    return Cursor(case_id=int(case_id), message_id=int(message_id), event_id=int(event_id))


async def changes_since(session: AsyncSession, cursor: Cursor) -> list[dict[str, Any]]:
    """New cases, new messages, case changes and delivery updates after ``cursor`` (advanced).

    Polling the database (rather than an in-process bus) is what makes a console connected to
    one instance see what another instance wrote.
    """
    events: list[dict[str, Any]] = []
    for case in (
        await session.execute(select(Case).where(Case.id > cursor.case_id).order_by(Case.id))
    ).scalars():
        cursor.case_id = max(cursor.case_id, case.id)
        events.append(
            {
                "type": "case_new",
                "reference": case.reference,
                "urgency": case.urgency,
                "intent": case.intent,
            }
        )
    rows = (
        await session.execute(
            select(
                Message.id,
                Message.direction,
                Message.origin,
                Message.conversation_id,
                Case.reference,
                Case.urgency,
            )
            .outerjoin(Case, Case.id == Message.case_id)
            .where(Message.id > cursor.message_id)
            .order_by(Message.id)
        )
    ).all()
    for msg_id, direction, origin, conversation_id, reference, urgency in rows:
        cursor.message_id = max(cursor.message_id, int(msg_id))
        events.append(
            {
                "type": "message",
                "reference": reference,
                "conversation_id": conversation_id,
                "direction": direction,
                "origin": origin,
                "urgency": urgency,
            }
        )
    for event_id, action, reference, urgency in (
        await session.execute(
            select(AuditEntry.id, AuditEntry.action, Case.reference, Case.urgency)
            .outerjoin(Case, Case.id == AuditEntry.case_id)
            .where(AuditEntry.id > cursor.event_id)
            .order_by(AuditEntry.id)
        )
    ).all():
        cursor.event_id = max(cursor.event_id, int(event_id))
        case_reference: str | None = reference  # None (outer join): logins, account changes
        if case_reference is None:
            continue
        events.append(
            {"type": "case_changed", "reference": reference, "action": action, "urgency": urgency}
        )
    # Delivery status of recent operator messages (sent → delivered → read, or failed).
    since = utcnow() - timedelta(hours=1)
    for out_id, status, delivery, conv_id in (
        await session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.delivery_status,
                OutboxMessage.conversation_id,
            ).where(OutboxMessage.origin == "operator", OutboxMessage.created_at > since)
        )
    ).all():
        key = f"{status}/{delivery}"
        if cursor.outbox_status.get(out_id) == key:
            continue
        known = out_id in cursor.outbox_status
        cursor.outbox_status[out_id] = key
        if known:
            case_reference = (
                await session.execute(
                    select(Case.reference)
                    .where(Case.conversation_id == conv_id)
                    .order_by(Case.id.desc())
                    .limit(1)
                )
            ).scalar()
            events.append({"type": "delivery", "reference": case_reference, "status": status})
    return events
