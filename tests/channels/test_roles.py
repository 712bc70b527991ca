"""Web and worker roles in separate applications, sharing one PostgreSQL database.

Two real apps on two ports, as two processes would run them (``SIAGA_ROLE=web`` and
``SIAGA_ROLE=worker``). Their pollers are set to a minute, so a reply within the test can only
come from the LISTEN/NOTIFY wake-ups: web → worker ("an event was stored"), worker → web ("these
events are done", which the web chat waits for).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from bot.config import Settings
from bot.keys import DISPATCHER, SENDER
from storage.models import InboxEvent
from tests.channels.harness import wire
from tests.support.e2e import PUBLIC_URL, channel_settings, count, post, stop_or_explain
from tests.support.fake_providers import FakeMeta, FakeTelegram, FakeTwilio
from tests.support.server import RunningSiaga, start_siaga

SLOW_POLLS = {"inbox_recover_seconds": 120.0, "outbox_poll_seconds": 60.0}


@pytest.fixture
async def roles(
    postgres_url: str,
    settings_factory: Callable[..., Settings],
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
) -> AsyncIterator[tuple[RunningSiaga, RunningSiaga]]:
    def settings(role: str) -> Settings:
        return channel_settings(
            settings_factory,
            postgres_url,
            fake_telegram,
            fake_twilio,
            fake_meta,
            role=role,
            **SLOW_POLLS,
        )

    worker = await start_siaga(settings("worker"))
    try:
        web = await start_siaga(settings("web"))
        try:
            yield web, worker
        finally:
            await stop_or_explain(web)
    finally:
        await stop_or_explain(worker)


async def test_webhook_stored_by_web_is_answered_by_worker(
    roles: tuple[RunningSiaga, RunningSiaga], fake_telegram: FakeTelegram
) -> None:
    web, worker = roles
    assert DISPATCHER not in web.app, "the web role runs no workers"
    assert SENDER not in web.app
    assert DISPATCHER in worker.app
    async with aiohttp.ClientSession() as client:
        status, _, _ = await post(
            client, web, wire("telegram", "message__text", public_url=PUBLIC_URL)
        )
        assert status == 200
        [reply] = await fake_telegram.wait_for("sendMessage")
        assert str(reply.params["chat_id"]) == "700000001"
        assert await count(worker, InboxEvent, InboxEvent.status == "done") == 1
        # The worker process serves health checks only: no webhooks there.
        async with client.post(f"{worker.url}/webhooks/telegram", data=b"{}") as resp:
            assert resp.status == 404
        async with client.get(f"{worker.url}/healthz") as resp:
            assert resp.status == 200


async def test_web_chat_gets_its_reply_from_the_worker_process(
    roles: tuple[RunningSiaga, RunningSiaga],
) -> None:
    web, _worker = roles
    body = {"session_id": uuid.uuid4().hex, "text": "syarat jadi pmi apa aja ya"}
    async with (
        aiohttp.ClientSession() as client,
        client.post(f"{web.url}/api/webchat/messages", json=body) as resp,
    ):
        data = await resp.json()
    # 202 {"pending": true} would mean the web process never heard that the event was done.
    assert resp.status == 200, data
    assert data["replies"], "the worker's answer came back through the web process"
