"""Fake provider servers and adapters wired to them, for the channel tests.

The fakes live in ``tests.support.fake_providers`` so other suites (console, pipeline) can use
them too; these fixtures only start and stop them around a test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.channels.meta_whatsapp import MetaWhatsAppAdapter
from bot.channels.telegram import TelegramAdapter
from bot.channels.twilio_whatsapp import TwilioWhatsAppAdapter
from tests.channels.harness import PUBLIC_URL
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

# Fast pacing for tests that are not about pacing (the real defaults are in the adapters).
FAST = {"per_second": 1000.0, "chat_interval": 0.0}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """The shared client session the app would hand to the adapters."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def telegram(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramAdapter]:
    """A started Telegram adapter talking to the fake."""
    adapter = TelegramAdapter(
        token=TELEGRAM_TOKEN, webhook_secret=TELEGRAM_SECRET, api_url=fake_telegram.url, **FAST
    )
    await adapter.start()
    yield adapter
    await adapter.close()


@pytest.fixture
async def twilio(
    fake_twilio: FakeTwilio, http: aiohttp.ClientSession
) -> AsyncIterator[TwilioWhatsAppAdapter]:
    """A started Twilio adapter talking to the fake."""
    adapter = TwilioWhatsAppAdapter(
        account_sid=TWILIO_ACCOUNT_SID,
        auth_token=TWILIO_AUTH_TOKEN,
        whatsapp_number=TWILIO_NUMBER,
        public_url=PUBLIC_URL,
        api_url=fake_twilio.url,
        template_sid="HX0123456789abcdef0123456789abcdef",
        http=http,
        **FAST,
    )
    await adapter.start()
    yield adapter
    await adapter.close()


@pytest.fixture
async def meta(fake_meta: FakeMeta, http: aiohttp.ClientSession) -> MetaWhatsAppAdapter:
    """A Cloud API adapter talking to the fake."""
    return MetaWhatsAppAdapter(
        token=META_TOKEN,
        app_secret=META_APP_SECRET,
        verify_token=META_VERIFY_TOKEN,
        phone_number_id=META_PHONE_NUMBER_ID,
        http=http,
        api_url=fake_meta.api_url,
        template_name="siaga_followup",
        **FAST,
    )
