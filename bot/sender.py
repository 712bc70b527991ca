"""The sender: drains the outbox through the channel adapters, with retries and backoff.

Replies of one conversation go out in order: only the first unfinished row of a conversation is
ever due, and a conversation's rows are sent one after the other by one task. Different
conversations are sent concurrently. Failures are driven by ``SendError``: retryable ones back off
(honouring the provider's retry-after), others are parked as failed with their reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelAdapter, OutboundMessage, SendError
from bot.config import Settings
from flows.types import Button
from storage import conversations, outbox
from storage.models import Conversation, utcnow

log = logging.getLogger("bot.sender")

WHATSAPP_WINDOW = timedelta(hours=24)
WINDOWED_CHANNELS = frozenset({"twilio", "whatsapp"})
LEASE = timedelta(seconds=60)


class Sender:
    """Background task that pushes due outbox rows to the providers."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        adapters: dict[str, ChannelAdapter],
        concurrency: int = 16,
    ) -> None:
        """Wire the sender; nothing runs until :meth:`start`."""
        self._sessions = sessions
        self._settings = settings
        self._adapters = adapters
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look for due messages now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Stop the loop; a row being sent keeps its lease and is retried after a restart."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        poll = self._settings.outbox_poll_seconds
        last_lease_check = 0.0
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll)
            self._wake.clear()
            try:
                if loop.time() - last_lease_check > LEASE.total_seconds() / 2:
                    last_lease_check = loop.time()
                    async with self._sessions() as session, session.begin():
                        released = await outbox.release_expired_leases(session)
                    if released:
                        log.warning("%d outbox rows had expired leases; due again", released)
                while await self.drain_once():
                    pass
            except Exception:
                log.exception("sender pass failed; will try again")

    async def drain_once(self) -> int:
        """Send everything due now. Returns how many rows were attempted."""
        async with self._sessions() as session:
            heads = await outbox.due_heads(session)
        if not heads:
            return 0
        counts = await asyncio.gather(*(self._send_chain(head) for head in heads))
        return sum(counts)

    async def _send_chain(self, outbox_id: int | None) -> int:
        attempted = 0
        async with self._limit:
            while outbox_id is not None:
                async with self._sessions() as session, session.begin():
                    due = await outbox.claim(session, outbox_id, LEASE)
                if due is None:
                    return attempted
                attempted += 1
                ok = await self._send_one(due)
                if not ok or due.conversation_id is None:
                    return attempted
                async with self._sessions() as session:
                    outbox_id = await outbox.next_in_conversation(session, due.conversation_id)
        return attempted

    async def _send_one(self, due: outbox.Due) -> bool:
        adapter = self._adapters.get(due.channel)
        error: SendError | None = None
        if adapter is None:
            error = SendError(f"channel {due.channel!r} is not configured", retryable=False)
        elif due.blocked:
            error = SendError("the recipient blocked the bot", retryable=False, code="blocked")
        else:
            message = OutboundMessage(
                outbox_id=due.id,
                recipient=due.recipient,
                text=due.text,
                buttons=tuple(Button(b["title"], b["payload"]) for b in due.buttons),
                within_window=_within_window(due),
                language=due.language,
            )
            try:
                result = await adapter.send(message)
            except SendError as exc:
                error = exc
            except Exception as exc:  # a bug or a network error: retry, but keep the cause
                log.exception("outbox=%d unexpected send failure", due.id)
                error = SendError(f"unexpected {type(exc).__name__}", retryable=True)
            else:
                async with self._sessions() as session, session.begin():
                    await outbox.mark_sent(session, due.id, result.external_id)
                return True
        reason = f"{error.code}: {error.reason}" if error.code else error.reason
        async with self._sessions() as session, session.begin():
            status = await outbox.mark_failed_attempt(
                session,
                due.id,
                error=reason,
                retryable=error.retryable,
                attempts=due.attempts,
                max_attempts=self._settings.outbox_max_attempts,
                retry_after=error.retry_after,
            )
            if error.blocked and due.conversation_id is not None:
                conversation = await session.get(Conversation, due.conversation_id)
                if conversation is not None:
                    await conversations.set_blocked(
                        session, due.channel, conversation.contact.channel_user_id, True
                    )
        log.warning(
            "outbox=%d channel=%s attempt=%d %s: %s",
            due.id,
            due.channel,
            due.attempts,
            status,
            reason,
        )
        return False


def _within_window(due: outbox.Due) -> bool:
    """WhatsApp allows free text only within 24 hours of the user's last message."""
    if due.channel not in WINDOWED_CHANNELS or due.conversation_id is None:
        return True
    last = due.last_inbound_at
    return last is not None and utcnow() - last < WHATSAPP_WINDOW
