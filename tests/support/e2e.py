"""Helpers for tests that drive the real app end to end: settings for every channel, posting
wire requests, counting rows, and waiting until the pipeline has settled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.config import Secret, Settings
from bot.keys import SESSIONS
from storage.models import InboxEvent, OutboxMessage
from tests.channels.harness import WireRequest
from tests.support.fake_providers import (
    META_APP_SECRET,
    META_PHONE_NUMBER_ID,
    META_TOKEN,
    META_VERIFY_TOKEN,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_NUMBER,
    FakeMeta,
    FakeTelegram,
    FakeTwilio,
)
from tests.support.server import RunningSiaga

PUBLIC_URL = "https://siaga.example.org"


def channel_settings(
    settings_factory: Callable[..., Settings],
    database_url: str,
    tg: FakeTelegram,
    tw: FakeTwilio,
    meta: FakeMeta,
    **overrides: Any,
) -> Settings:
    """Settings with all three channels pointed at the fakes."""
    values: dict[str, Any] = {
        "public_url": PUBLIC_URL,
        "telegram_token": Secret(TELEGRAM_TOKEN),
        "telegram_webhook_secret": Secret(TELEGRAM_SECRET),
        "telegram_api_url": tg.url,
        "twilio_account_sid": TWILIO_ACCOUNT_SID,
        "twilio_auth_token": Secret(TWILIO_AUTH_TOKEN),
        "twilio_whatsapp_number": TWILIO_NUMBER,
        "twilio_api_url": tw.url,
        "whatsapp_token": Secret(META_TOKEN),
        "whatsapp_app_secret": Secret(META_APP_SECRET),
        "whatsapp_verify_token": Secret(META_VERIFY_TOKEN),
        "whatsapp_phone_number_id": META_PHONE_NUMBER_ID,
        "whatsapp_api_url": meta.api_url,
    }
    values.update(overrides)
    return settings_factory(database_url, **values)


async def stop_or_explain(running: RunningSiaga, within: float = 20.0) -> None:
    """Stop the app; a shutdown that hangs fails the test with every task's stack."""
    try:
        await asyncio.wait_for(running.stop(), within)
    except TimeoutError:
        stacks = []
        for task in asyncio.all_tasks():
            frames = task.get_stack(limit=8)
            where = " <- ".join(f"{f.f_code.co_filename}:{f.f_lineno}" for f in frames)
            stacks.append(f"{task.get_name()}: {where}")
        raise AssertionError("shutdown hung:\n" + "\n".join(stacks)) from None


async def post(
    client: aiohttp.ClientSession, siaga: RunningSiaga, req: WireRequest
) -> tuple[int, bytes, str]:
    async with client.post(siaga.url + req.path, data=req.body, headers=req.headers) as resp:
        return resp.status, await resp.read(), resp.content_type


async def count(siaga: RunningSiaga, model: Any, *where: Any) -> int:
    async with siaga.app[SESSIONS]() as session:
        value = await session.scalar(select(func.count()).select_from(model).where(*where))
    return int(value or 0)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def settled(siaga: RunningSiaga) -> None:
    """Wait until every stored event is processed and every outbox row left pending/sending."""

    async def done() -> bool:
        pending_in = await count(siaga, InboxEvent, InboxEvent.status == "pending")
        pending_out = await count(
            siaga, OutboxMessage, OutboxMessage.status.in_(["pending", "sending"])
        )
        return pending_in == 0 and pending_out == 0

    await eventually(done)
