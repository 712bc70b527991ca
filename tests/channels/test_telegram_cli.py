"""``siaga telegram set-webhook`` and ``poll`` against the fake Bot API (and the real app)."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.channels.telegram_cli import poll, set_webhook
from bot.config import Secret, Settings
from storage.models import InboxEvent
from tests.channels.harness import load
from tests.support.e2e import count, settled
from tests.support.fake_providers import TELEGRAM_SECRET, TELEGRAM_TOKEN, FakeTelegram
from tests.support.server import start_siaga


def tg_settings(factory: Callable[..., Settings], url: str, fake: FakeTelegram) -> Settings:
    return factory(
        url,
        public_url="https://siaga.example.org",
        telegram_token=Secret(TELEGRAM_TOKEN),
        telegram_webhook_secret=Secret(TELEGRAM_SECRET),
        telegram_api_url=fake.url,
    )


async def test_set_webhook_registers_url_secret_and_allowed_updates(
    sqlite_url: str, settings_factory: Callable[..., Settings], fake_telegram: FakeTelegram
) -> None:
    settings = tg_settings(settings_factory, sqlite_url, fake_telegram)
    assert await set_webhook(settings, "https://siaga.example.org/webhooks/telegram") == 0
    hook = fake_telegram.webhook
    assert hook["url"] == "https://siaga.example.org/webhooks/telegram"
    assert hook["secret_token"] == TELEGRAM_SECRET
    assert json.loads(hook["allowed_updates"]) == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    assert json.loads(hook["drop_pending_updates"]) is False


async def test_poll_feeds_updates_through_the_webhook_path(
    database_url: str, settings_factory: Callable[..., Settings], fake_telegram: FakeTelegram
) -> None:
    settings = tg_settings(settings_factory, database_url, fake_telegram)
    fake_telegram.updates = [
        load("telegram", "message__text"),
        load("telegram", "callback_query__button"),
    ]
    running = await start_siaga(settings)
    try:
        assert await poll(settings, running.url, once=True, long_poll=0) == 0
        assert await count(running, InboxEvent) == 2
        # A second run starts without an offset, so Telegram re-sends: nothing new is stored.
        assert await poll(settings, running.url, once=True, long_poll=0) == 0
        assert await count(running, InboxEvent) == 2
        await fake_telegram.wait_for("sendMessage")
        await settled(running)
    finally:
        await running.stop()
    [first, *_] = fake_telegram.calls("/getUpdates")
    assert json.loads(first.params["allowed_updates"])[0] == "message"
