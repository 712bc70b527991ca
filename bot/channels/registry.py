"""The one place channels are registered: an explicit dict, no import side effects.

``build_adapters`` returns only the channels whose credentials are set, so an unconfigured channel
answers 404 at its webhook instead of accepting unverifiable requests.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.channels.base import ChannelAdapter
from bot.channels.meta_whatsapp import MetaWhatsAppAdapter
from bot.channels.telegram import TelegramAdapter
from bot.channels.twilio_whatsapp import TwilioWhatsAppAdapter
from bot.config import Settings

CHANNELS: dict[str, type[Any]] = {
    "telegram": TelegramAdapter,
    "twilio": TwilioWhatsAppAdapter,
    "whatsapp": MetaWhatsAppAdapter,
}


def build_adapters(settings: Settings, http: aiohttp.ClientSession) -> dict[str, ChannelAdapter]:
    """Adapters for every configured channel, keyed by channel name.

    Adapters with ``start``/``close`` (PTB's HTTP pools, twilio's aiohttp session) must be started
    by the caller (``bot.app``) inside the running loop.
    """
    adapters: dict[str, ChannelAdapter] = {}
    if settings.telegram_token:
        adapters["telegram"] = TelegramAdapter(
            token=settings.telegram_token.get(),
            webhook_secret=settings.telegram_webhook_secret.get(),
            api_url=settings.telegram_api_url,
        )
    if settings.twilio_account_sid and settings.twilio_auth_token:
        adapters["twilio"] = TwilioWhatsAppAdapter(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get(),
            whatsapp_number=settings.twilio_whatsapp_number,
            public_url=settings.public_url,
            api_url=settings.twilio_api_url,
            template_sid=settings.twilio_template_sid,
            http=http,
        )
    if settings.whatsapp_token and settings.whatsapp_app_secret:
        adapters["whatsapp"] = MetaWhatsAppAdapter(
            token=settings.whatsapp_token.get(),
            app_secret=settings.whatsapp_app_secret.get(),
            verify_token=settings.whatsapp_verify_token.get(),
            phone_number_id=settings.whatsapp_phone_number_id,
            http=http,
            api_url=settings.whatsapp_api_url,
            template_name=settings.whatsapp_template_name,
        )
    return adapters
