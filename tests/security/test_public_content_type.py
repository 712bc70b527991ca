"""Finding 14 (issue 14): ``text/plain`` was accepted as JSON. A ``text/plain`` POST is what a
page on any other site can send without a CORS preflight, so the web chat and the JSON
webhooks now require ``application/json`` and answer 415 with a reason otherwise."""

from __future__ import annotations

import json
from collections.abc import Callable

import aiohttp

from bot.config import Secret, Settings
from storage.models import InboxEvent
from tests.security._public_support import WEBCHAT, count, new_session, running
from tests.support.fake_providers import FakeTelegram

SECRET = "tg-secret-for-the-public-tests"


async def test_text_plain_is_not_json(
    database_url: str, settings_factory: Callable[..., Settings], fake_telegram: FakeTelegram
) -> None:
    async with (
        running(
            settings_factory,
            database_url,
            telegram_token=Secret("123456:TEST-token"),
            telegram_webhook_secret=Secret(SECRET),
            telegram_api_url=fake_telegram.url,
        ) as siaga,
        aiohttp.ClientSession() as http,
    ):
        body = json.dumps({"session_id": new_session(), "text": "halo"})
        async with http.post(
            siaga.url + WEBCHAT, data=body, headers={"Content-Type": "text/plain"}
        ) as resp:
            assert resp.status == 415, await resp.text()
            assert "application/json" in (await resp.json())["error"]

        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1700000000,
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "is_bot": False, "first_name": "A"},
                "text": "halo",
            },
        }
        async with http.post(
            siaga.url + "/webhooks/telegram",
            data=json.dumps(update),
            headers={"Content-Type": "text/plain", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as resp:
            assert resp.status == 415, await resp.text()
            assert "application/json" in (await resp.json())["error"]
        assert await count(siaga, InboxEvent) == 0

        # The same body as JSON is taken.
        async with http.post(
            siaga.url + "/webhooks/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as resp:
            assert resp.status == 200
        assert await count(siaga, InboxEvent) == 1
