"""The abuse block list and the team-alert log: queries and guarded updates (docs/abuse.md).

A block names a contact (``kind="contact"``: a channel and its conversation key) or a web-chat
client address (``kind="address"``). Both are stored only as keyed hashes (:func:`keyed`), so
the block list holds no phone number, chat id or address. A block slows that sender down and
turns its team alerts into a low-noise notice; it never refuses, drops or hides a message.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AbuseBlock, AlertLog, InboxEvent, OutboxMessage, utcnow

WEBCHAT = "webchat"  # the channel whose events carry the client address's hash (raw.client)
ADDRESS_LOOKBACK = 50  # a session's most recent events whose addresses are blocked with it


def keyed(secret: str, value: str) -> str:
    """The keyed hash (HMAC-SHA256, 128 bits) stored instead of an identifier or address."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


async def active_blocks(session: AsyncSession) -> list[tuple[str, str, str]]:
    """Every block that was not lifted, as ``(kind, channel, key)``."""
    stmt = select(AbuseBlock.kind, AbuseBlock.channel, AbuseBlock.key).where(
        AbuseBlock.lifted_at.is_(None)
    )
    return [(kind, channel, key) for kind, channel, key in (await session.execute(stmt)).all()]


async def add_block(
    session: AsyncSession,
    *,
    kind: str,
    channel: str,
    key: str,
    reason: str | None,
    case_id: int | None,
    operator_id: int | None,
) -> AbuseBlock:
    """Block a sender; an active block of the same sender is returned as it is."""
    existing = await session.scalar(
        select(AbuseBlock).where(
            AbuseBlock.kind == kind,
            AbuseBlock.channel == channel,
            AbuseBlock.key == key,
            AbuseBlock.lifted_at.is_(None),
        )
    )
    if existing is not None:
        return existing
    block = AbuseBlock(
        kind=kind,
        channel=channel,
        key=key,
        reason=reason,
        case_id=case_id,
        created_by=operator_id,
    )
    session.add(block)
    await session.flush()
    return block


async def lift_blocks(session: AsyncSession, case_id: int, operator_id: int) -> int:
    """Lift the blocks made from a case (an operator's mistake, or the person was genuine)."""
    result = await session.execute(
        update(AbuseBlock)
        .where(AbuseBlock.case_id == case_id, AbuseBlock.lifted_at.is_(None))
        .values(lifted_at=utcnow(), lifted_by=operator_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def blocks_of_case(session: AsyncSession, case_id: int) -> list[AbuseBlock]:
    """The active blocks an operator made from this case."""
    stmt = select(AbuseBlock).where(AbuseBlock.case_id == case_id, AbuseBlock.lifted_at.is_(None))
    return list((await session.execute(stmt.order_by(AbuseBlock.id))).scalars())


async def webchat_addresses(session: AsyncSession, conversation_key: str) -> set[str]:
    """The address hashes a web-chat session wrote from (its most recent events)."""
    stmt = (
        select(InboxEvent.event)
        .where(InboxEvent.channel == WEBCHAT, InboxEvent.conversation_key == conversation_key)
        .order_by(InboxEvent.id.desc())
        .limit(ADDRESS_LOOKBACK)
    )
    found = set()
    for event in (await session.execute(stmt)).scalars():
        raw = event.get("raw") if isinstance(event, dict) else None
        client = raw.get("client") if isinstance(raw, dict) else None
        if isinstance(client, str) and client:
            found.add(client)
    return found


async def is_blocked(
    session: AsyncSession, secret: str, channel: str, conversation_key: str
) -> bool:
    """True when the contact, or (web chat) an address it wrote from, is blocked."""
    keys = [("contact", keyed(secret, conversation_key))]
    if channel == WEBCHAT:
        keys += [("address", h) for h in await webchat_addresses(session, conversation_key)]
    for kind, key in keys:
        found = await session.scalar(
            select(AbuseBlock.id)
            .where(
                AbuseBlock.kind == kind,
                AbuseBlock.channel == channel,
                AbuseBlock.key == key,
                AbuseBlock.lifted_at.is_(None),
            )
            .limit(1)
        )
        if found is not None:
            return True
    return False


# --- the team-alert log (bot.effects coalesces alerts with it) -----------------------------


async def recent_alerts(session: AsyncSession, channel: str, since: datetime) -> int:
    """Individual alerts sent for ``channel``'s cases since ``since``."""
    value = await session.scalar(
        select(func.count())
        .select_from(AlertLog)
        .where(AlertLog.channel == channel, AlertLog.kind == "alert", AlertLog.created_at >= since)
    )
    return int(value or 0)


async def open_summary(session: AsyncSession, channel: str, kind: str) -> int | None:
    """The outbox id of ``channel``'s summary of ``kind`` that was not sent yet, if any."""
    stmt = (
        select(OutboxMessage.id)
        .join(AlertLog, AlertLog.summary_id == OutboxMessage.id)
        .where(
            AlertLog.channel == channel,
            AlertLog.kind == kind,
            OutboxMessage.status == "pending",
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def summarised(session: AsyncSession, summary_id: int) -> list[str]:
    """The references a summary alert covers, oldest first."""
    stmt = select(AlertLog.reference).where(AlertLog.summary_id == summary_id)
    return list((await session.execute(stmt.order_by(AlertLog.id))).scalars())


async def rewrite_summary(session: AsyncSession, summary_id: int, text: str) -> bool:
    """Replace a summary's text while it is still unsent; False when a sender took it."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == summary_id, OutboxMessage.status == "pending")
        .values(text=text)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
