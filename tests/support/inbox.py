"""Putting a message in the inbox as ingest would, for tests that drive the dispatcher directly."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import MessageIn
from bot.inbox_codec import message_to_json
from storage import inbox


async def store_message(
    sessions: async_sessionmaker[AsyncSession], event: MessageIn, channel: str = "webchat"
) -> int:
    """Claim ``event`` in its own transaction, as ``bot.ingest`` does; returns its inbox id."""
    async with sessions() as session, session.begin():
        inbox_id = await inbox.claim(
            session,
            channel=channel,
            dedup_key=event.dedup_key,
            conversation_key=event.conversation_key,
            event=message_to_json(event),
        )
    assert inbox_id is not None, "the event was stored before"
    return inbox_id
