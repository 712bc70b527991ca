"""Critical alerts name the operators on duty (issue 15, part 5, docs/console.md "Shift
handover"): a critical web-chat message reaches the team's Telegram group (a fake Bot API) with
the names of those marked on duty in the console, or says that nobody is."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.config import Secret, Settings
from bot.keys import SESSIONS
from storage import handover
from storage.operators import create_operator
from tests.bot.test_outbox import ALERT_CHAT, send_critical
from tests.support.fake_providers import TELEGRAM_TOKEN, FakeTelegram
from tests.support.server import RunningSiaga, start_siaga


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


async def test_the_alert_names_who_is_on_duty(siaga: RunningSiaga, telegram: FakeTelegram) -> None:
    async with siaga.app[SESSIONS]() as session:
        ana = await create_operator(session, "ana", "correct horse battery", "operator")
        budi = await create_operator(session, "budi", "correct horse battery", "operator")
        await create_operator(session, "citra", "correct horse battery", "operator")
        await session.flush()
        await handover.set_on_duty(session, ana.id, True)
        await handover.set_on_duty(session, budi.id, True)
        await handover.set_on_duty(session, budi.id, False)
        await session.commit()
    await send_critical(siaga)
    sent = await telegram.wait_for("/sendMessage", count=1, within=15)
    alert = next(s for s in sent if s.params["chat_id"] == ALERT_CHAT)
    assert "CRITICAL" in alert.params["text"]
    assert "Petugas jaga: ana" in alert.params["text"]
    assert "budi" not in alert.params["text"]
    assert "citra" not in alert.params["text"]


async def test_the_alert_says_when_nobody_is_on_duty(
    siaga: RunningSiaga, telegram: FakeTelegram
) -> None:
    await send_critical(siaga)
    sent = await telegram.wait_for("/sendMessage", count=1, within=15)
    alert = next(s for s in sent if s.params["chat_id"] == ALERT_CHAT)
    assert "belum ada yang menandai diri" in alert.params["text"]
