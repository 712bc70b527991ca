"""The sender: drains the outbox through the channel adapters, with retries and backoff.

Replies of one conversation go out in order: only the first unfinished row of a conversation is
ever due, so its next reply is claimed only once the previous one is recorded as sent. Different
conversations are sent concurrently, and claims and results are written in batches. Failures are
driven by ``SendError``: retryable ones back off (honouring the provider's retry-after), others
are parked as failed with their reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelAdapter, OutboundMessage, SendError, SendResult
from bot.channels.registry import PULLED
from bot.config import Settings
from flows.types import Button
from storage import conversations, outbox
from storage.models import Conversation, utcnow

log = logging.getLogger("bot.sender")

OPTED_OUT = "opted_out"  # an advisory row whose recipient opted out after it was queued
_BREAKS = re.compile(r"\s*[\r\n\t]+\s*| {4,}")


def template_parameter(text: str) -> str:
    """An advisory as a WhatsApp template parameter: one line (WhatsApp refuses parameters
    with new lines, tabs or more than four spaces in a row: Meta error 132018)."""
    return _BREAKS.sub(" · ", text).strip(" ·")


# A claimed row's lease. The sender renews the leases of everything it holds every
# LEASE_RENEW_SECONDS, so a lease runs out only when its sender is gone (a crash); rows left by a
# crashed sender are due again within LEASE plus one RELEASE_CHECK_SECONDS.
LEASE = timedelta(seconds=15)
LEASE_RENEW_SECONDS = 4.0
RELEASE_CHECK_SECONDS = 2.0
# After a wake-up, wait this long before claiming or recording, so one transaction covers every
# row that became due (or finished) meanwhile: under load, a few statements per batch instead of
# per message, for at most this much added latency.
COALESCE_SECONDS = 0.02
# Advisory rows in flight per channel hold at most this many seconds of the channel's rate, so
# a reply claimed meanwhile waits behind at most that much in the adapter's pacer
# (docs/advisories.md: replies and alerts first).
BULK_QUEUE_SECONDS = 0.25
BULK_MIN_IN_FLIGHT = 2
BULK_DEFAULT_IN_FLIGHT = 8  # a channel whose adapter has no pacer


class Sender:
    """Background task that pushes due outbox rows to the providers.

    Four parts, so that no step waits for another more than it must: a claim loop takes due rows
    in batches (one transaction per batch) while there is room for more sends in flight; each
    send runs as its own task; a recorder writes finished sends back in one transaction per
    batch, then wakes the claim loop (the next reply of each conversation is now first in line);
    a lease keeper renews the leases of every row held here (claimed and not yet recorded) and
    releases rows whose sender died. A slow provider call therefore holds up only its own
    conversation, and a row is sent a second time only when its sender crashed after the
    provider took it and before the result was recorded.
    """

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        adapters: dict[str, ChannelAdapter],
        concurrency: int = 64,
    ) -> None:
        """Wire the sender; nothing runs until :meth:`start`."""
        self._sessions = sessions
        self._settings = settings
        self._adapters = adapters
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._finished_event = asyncio.Event()
        self._finished: list[tuple[outbox.Due, SendResult | SendError]] = []
        self._held: set[int] = set()  # claimed here and not yet recorded: leases kept alive
        self._sending: set[asyncio.Task[None]] = set()
        self._bulk: dict[str, int] = {}  # advisory rows in flight per channel
        # When no advisory row was due, look again only after a poll interval: the claim loop
        # runs after every recorded batch, and replies should not pay for empty bulk claims.
        self._bulk_idle_until = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    def _bulk_cap(self, channel: str) -> int:
        """How many advisory rows of ``channel`` may be in flight (its rate × a short queue)."""
        pacer = getattr(self._adapters.get(channel), "pacer", None)
        interval = float(getattr(pacer, "global_interval", 0.0) or 0.0)
        if interval <= 0:
            return BULK_DEFAULT_IN_FLIGHT
        return max(BULK_MIN_IN_FLIGHT, int(BULK_QUEUE_SECONDS / interval))

    def wake(self) -> None:
        """Look for due messages now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Start the claim loop, the recorder and the lease keeper."""
        self._tasks = [
            asyncio.create_task(self._run()),
            asyncio.create_task(self._recorder()),
            asyncio.create_task(self._keep_leases()),
        ]

    async def close(self) -> None:
        """Stop claiming, let sends in flight finish and record them.

        A row whose send outlives the grace period keeps its lease and is retried after it.
        """
        self._tasks[0].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._tasks[0]
        if self._sending:
            await asyncio.wait(self._sending, timeout=10)
        with contextlib.suppress(Exception):
            await self._record_finished()
        for task in self._tasks[1:]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        poll = self._settings.outbox_poll_seconds
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll)
            await asyncio.sleep(COALESCE_SECONDS)
            self._wake.clear()
            try:
                await self._claim_and_send()
            except Exception:
                log.exception("sender pass failed; will try again")

    async def _keep_leases(self) -> None:
        """Renew the leases of rows held here; release rows whose sender died."""
        loop = asyncio.get_running_loop()
        last_renewal = loop.time()
        while True:
            try:
                if loop.time() - last_renewal >= LEASE_RENEW_SECONDS and self._held:
                    async with self._sessions() as session, session.begin():
                        await outbox.renew_leases(session, set(self._held), LEASE)
                    last_renewal = loop.time()
                async with self._sessions() as session, session.begin():
                    released = await outbox.release_expired_leases(session)
                if released:
                    log.warning("%d outbox rows had expired leases; due again", released)
                    self.wake()
            except Exception:
                log.exception("outbox lease check failed; will try again")
            await asyncio.sleep(RELEASE_CHECK_SECONDS)

    async def _claim_and_send(self) -> None:
        """Start sends for due rows while there is room; a finished send makes room again.

        Alerts and replies first, as many as there is room for; then each channel's share of
        advisory rows, capped so that they never queue long in front of a reply in the pacer.
        """
        while (room := self._concurrency - len(self._sending)) > 0:
            async with self._sessions() as session, session.begin():
                dues = await outbox.claim_due(
                    session, room, LEASE, pulled=PULLED, priorities=outbox.URGENT
                )
            self._start(dues)
            if len(dues) < room:
                break
        now = asyncio.get_running_loop().time()
        if now < self._bulk_idle_until:
            return
        found = False
        for channel in self._adapters:
            if channel in PULLED:
                continue
            room = min(
                self._concurrency - len(self._sending),
                self._bulk_cap(channel) - self._bulk.get(channel, 0),
            )
            if room <= 0:
                found = True  # its share is in flight: more are probably due
                continue
            async with self._sessions() as session, session.begin():
                dues = await outbox.claim_due(
                    session, room, LEASE, pulled=PULLED, priorities=outbox.BULK, only=channel
                )
            self._start(dues)
            found = found or bool(dues)
        if not found:
            self._bulk_idle_until = now + self._settings.outbox_poll_seconds

    def _start(self, dues: list[outbox.Due]) -> None:
        self._held.update(due.id for due in dues)
        for due in dues:
            if due.advisory_id is not None:
                self._bulk[due.channel] = self._bulk.get(due.channel, 0) + 1
            task = asyncio.create_task(self._send(due))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, due: outbox.Due) -> None:
        # The outcome first, then the list: ``self._finished.append(await …)`` would look the
        # list up before the await, and a recorder swapping in a new list meanwhile would leave
        # this result in the old one, recorded nowhere (issue 10: rows stuck in ``sending``).
        try:
            outcome = await self._deliver(due)
        finally:
            if due.advisory_id is not None:
                self._bulk[due.channel] -= 1
        self._finished.append((due, outcome))
        self._finished_event.set()

    async def _deliver(self, due: outbox.Due) -> SendResult | SendError:
        adapter = self._adapters.get(due.channel)
        if adapter is None:
            return SendError(f"channel {due.channel!r} is not configured", retryable=False)
        if due.blocked:
            return SendError("the recipient blocked the bot", retryable=False, code="blocked")
        if due.advisory_id is not None and not due.opted_in:
            return SendError("the recipient opted out", retryable=False, code=OPTED_OUT)
        within = due.conversation_id is None or adapter.within_window(
            due.last_inbound_at, utcnow()
        )
        message = OutboundMessage(
            outbox_id=due.id,
            recipient=due.recipient,
            text=due.text,
            buttons=tuple(Button(b["title"], b["payload"]) for b in due.buttons),
            within_window=within,
            language=due.language,
            # Outside WhatsApp's window an advisory goes as the approved template with the
            # advisory as its parameter (the registry names the template; docs/advisories.md).
            template_variables=(
                {"1": template_parameter(due.text)} if due.advisory_id is not None else {}
            ),
        )
        try:
            return await adapter.send(message)
        except SendError as exc:
            return exc
        except Exception as exc:  # a bug or a network error: retry, but keep the cause
            log.exception("outbox=%d unexpected send failure", due.id)
            return SendError(f"unexpected {type(exc).__name__}", retryable=True)

    async def _recorder(self) -> None:
        while True:
            await self._finished_event.wait()
            await asyncio.sleep(COALESCE_SECONDS)
            self._finished_event.clear()
            try:
                await self._record_finished()
            except Exception:
                log.exception("recording sent messages failed; will try again")
                self._finished_event.set()
                await asyncio.sleep(1.0)
            else:
                self.wake()  # the next replies of these conversations are first in line now

    async def _record_finished(self) -> None:
        """Write every finished send back in one transaction (kept for a retry if it fails)."""
        if not self._finished:
            return
        batch, self._finished = self._finished, []
        try:
            async with self._sessions() as session, session.begin():
                sent = [
                    (due.id, outcome.external_id)
                    for due, outcome in batch
                    if isinstance(outcome, SendResult)
                ]
                await outbox.mark_sent_many(session, sent)
                await outbox.mark_opted_out(
                    session,
                    [
                        due.id
                        for due, outcome in batch
                        if isinstance(outcome, SendError) and outcome.code == OPTED_OUT
                    ],
                )
                for due, outcome in batch:
                    if isinstance(outcome, SendError) and outcome.code != OPTED_OUT:
                        await self._record_failure(session, due, outcome)
        except BaseException:
            self._finished[:0] = batch
            raise
        self._held.difference_update(due.id for due, _outcome in batch)

    async def _record_failure(
        self, session: AsyncSession, due: outbox.Due, error: SendError
    ) -> None:
        reason = f"{error.code}: {error.reason}" if error.code else error.reason
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
