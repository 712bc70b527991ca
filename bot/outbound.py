"""Signed outbound webhooks: deliver the case events queued by ``storage.integration``.

Each delivery is one POST of the event's JSON to the subscriber's URL with
``X-Siaga-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the subscriber's
secret>``, ``X-Siaga-Event`` and ``X-Siaga-Delivery`` (the event id, for de-duplication: delivery
is at least once). A 2xx answer is success; anything else is retried with backoff (2 s, 4 s …,
at most an hour) and given up after ``storage.integration.MAX_ATTEMPTS`` tries, visible to admins
as failed. Events of one case reach a subscriber in order: a later event waits for an earlier one
(docs/console.md, "Integration"). Logs name delivery and subscriber ids, never the payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import integration
from storage.models import WebhookSubscriber, utcnow

log = logging.getLogger("bot.outbound")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Siaga-Signature`` header value for a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class WebhookSender:
    """Polls the delivery outbox and posts due events (every instance may run one)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: aiohttp.ClientSession,
        poll_seconds: float = 1.0,
        timeout_seconds: float = 10.0,
    ) -> None:
        """Keep the session factory and the shared HTTP client."""
        self._sessions = sessions
        self._http = http
        self._poll = poll_seconds
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the loop."""
        self._task = asyncio.create_task(self._loop())

    async def close(self) -> None:
        """Stop the loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("webhooks: delivery round failed; trying again")
            await asyncio.sleep(self._poll)

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many were tried."""
        async with self._sessions() as session:
            rows = await integration.due_deliveries(session)
            subscribers = {
                s.id: s
                for s in [
                    await session.get(WebhookSubscriber, i)
                    for i in {r.subscriber_id for r in rows}
                ]
                if s is not None
            }
            work = [
                (r.id, r.event, r.payload, subscribers[r.subscriber_id])
                for r in rows
                if r.subscriber_id in subscribers
            ]
        await asyncio.gather(*(self._deliver(*item) for item in work))
        return len(work)

    async def _deliver(
        self, delivery_id: int, event: str, payload: dict[str, object], sub: WebhookSubscriber
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Siaga-Event": event,
            "X-Siaga-Delivery": str(payload.get("id", "")),
            "X-Siaga-Signature": signature(sub.secret, int(time.time()), body),
        }
        error: str | None = None
        try:
            async with self._http.post(
                sub.url, data=body, headers=headers, timeout=self._timeout
            ) as resp:
                ok = 200 <= resp.status < 300
                if not ok:
                    error = f"HTTP {resp.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok, error = False, type(exc).__name__
        log.info(
            "webhook delivery=%s subscriber=%s ok=%s%s",
            delivery_id,
            sub.id,
            ok,
            f" error={error}" if error else "",
        )
        async with self._sessions() as session:
            await integration.record_result(session, delivery_id, ok=ok, error=error, now=utcnow())
            await session.commit()
