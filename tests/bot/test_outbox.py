"""Outbox: retries after a failing send, gives up with a reason, honours retry-after.

Driven by a real path: a critical web-chat message alerts the rapid-response team's Telegram
group through the outbox; the fake Bot API server fails on demand.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from sqlalchemy import select

from bot.config import Secret, Settings
from bot.keys import SESSIONS
from storage.models import OutboxMessage
from tests.support.fake_providers import TELEGRAM_TOKEN, FakeTelegram, telegram_error
from tests.support.server import RunningSiaga, start_siaga

ALERT_CHAT = "-1001234567890"
CRITICAL = "tolong saya dipukul majikan sekarang, saya dikunci di kamar"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def siaga(
    database_url: str, settings_factory: Callable[..., Settings], telegram: FakeTelegram
) -> AsyncIterator[RunningSiaga]:
    settings = settings_factory(
        database_url,
        telegram_token=Secret(TELEGRAM_TOKEN),
        telegram_webhook_secret=Secret("s3cret-for-tests"),
        telegram_api_url=telegram.url,
        alert_telegram_chat_id=ALERT_CHAT,
    )
    server = await start_siaga(settings)
    try:
        yield server
    finally:
        await server.stop()


async def send_critical(server: RunningSiaga) -> None:
    body = {"session_id": "crit-" + uuid.uuid4().hex[:10], "text": CRITICAL}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/api/webchat/messages", json=body) as resp,
    ):
        assert resp.status == 200


async def alert_row(
    server: RunningSiaga, *, until: Callable[[OutboxMessage], bool]
) -> OutboxMessage:
    for _ in range(200):
        async with server.app[SESSIONS]() as session:
            row = (
                await session.execute(select(OutboxMessage).where(OutboxMessage.origin == "alert"))
            ).scalar_one_or_none()
        if row is not None and until(row):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError("the alert did not reach the expected state")


async def test_alert_is_retried_after_a_failing_send(
    siaga: RunningSiaga, telegram: FakeTelegram
) -> None:
    telegram.fail_next("sendMessage", 502, telegram_error(502, "Bad Gateway"))
    await send_critical(siaga)
    sent = await telegram.wait_for("/sendMessage", count=2, within=15)
    assert sent[-1].params["chat_id"] == ALERT_CHAT
    assert "CRITICAL" in sent[-1].params["text"]
    row = await alert_row(siaga, until=lambda r: r.status == "sent")
    assert row.attempts == 2
    assert row.external_id


async def test_retry_after_is_honoured(siaga: RunningSiaga, telegram: FakeTelegram) -> None:
    telegram.fail_next(
        "sendMessage", 429, telegram_error(429, "Too Many Requests: retry after 2", retry_after=2)
    )
    await send_critical(siaga)
    sent = await telegram.wait_for("/sendMessage", count=2, within=15)
    assert sent[1].at - sent[0].at >= 1.9, "the second try waits for the provider's retry_after"
    row = await alert_row(siaga, until=lambda r: r.status == "sent")
    assert row.attempts == 2


async def test_permanent_failure_is_parked_with_its_reason(
    siaga: RunningSiaga, telegram: FakeTelegram
) -> None:
    telegram.fail_next("sendMessage", 400, telegram_error(400, "Bad Request: chat not found"))
    await send_critical(siaga)
    row = await alert_row(siaga, until=lambda r: r.status == "failed")
    assert row.attempts == 1
    assert row.last_error
    assert "chat not found" in row.last_error.lower()
