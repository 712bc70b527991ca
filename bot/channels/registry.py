"""The one table of channels: what exists, how each is built, and how each is reached.

Every provider channel is a row of :data:`CHANNELS`: its adapter class (which carries its routes,
lifecycle, media download and reply window) and a builder that returns the adapter when its
credentials are set, or None. Nothing registers itself on import; adding a channel is one module
and one row here (plus its settings in ``bot.config``).

The web chat (``bot.webchat``) is built in and needs no credentials. Its replies are fetched by
the browser instead of pushed, so the sender leaves them alone (:data:`PULLED`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from bot.channels.base import ChannelAdapter
from bot.channels.meta_whatsapp import MetaWhatsAppAdapter
from bot.channels.telegram import TelegramAdapter
from bot.channels.twilio_whatsapp import TwilioWhatsAppAdapter
from bot.config import Settings

WEBCHAT = "webchat"
# Channels whose messages the client fetches (``GET /api/webchat/messages``): never sent.
PULLED = frozenset({WEBCHAT})


@dataclass(frozen=True, slots=True)
class Channel:
    """A row of the table: the adapter class and how to build it from the settings."""

    adapter: type[ChannelAdapter]
    build: Callable[[Settings, aiohttp.ClientSession], ChannelAdapter | None]


def _telegram(settings: Settings, _http: aiohttp.ClientSession) -> ChannelAdapter | None:
    if not settings.telegram_token:
        return None
    return TelegramAdapter(
        token=settings.telegram_token.get(),
        webhook_secret=settings.telegram_webhook_secret.get(),
        api_url=settings.telegram_api_url,
    )


def _twilio(settings: Settings, http: aiohttp.ClientSession) -> ChannelAdapter | None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    return TwilioWhatsAppAdapter(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get(),
        whatsapp_number=settings.twilio_whatsapp_number,
        public_url=settings.public_url,
        api_url=settings.twilio_api_url,
        template_sid=settings.twilio_template_sid,
        http=http,
    )


def _meta(settings: Settings, http: aiohttp.ClientSession) -> ChannelAdapter | None:
    if not (settings.whatsapp_token and settings.whatsapp_app_secret):
        return None
    return MetaWhatsAppAdapter(
        token=settings.whatsapp_token.get(),
        app_secret=settings.whatsapp_app_secret.get(),
        verify_token=settings.whatsapp_verify_token.get(),
        phone_number_id=settings.whatsapp_phone_number_id,
        http=http,
        api_url=settings.whatsapp_api_url,
        template_name=settings.whatsapp_template_name,
    )


CHANNELS: dict[str, Channel] = {
    TelegramAdapter.name: Channel(TelegramAdapter, _telegram),
    TwilioWhatsAppAdapter.name: Channel(TwilioWhatsAppAdapter, _twilio),
    MetaWhatsAppAdapter.name: Channel(MetaWhatsAppAdapter, _meta),
}


def build_adapters(settings: Settings, http: aiohttp.ClientSession) -> dict[str, ChannelAdapter]:
    """Adapters for every configured channel, keyed by channel name (not started yet).

    A channel without credentials is left out: its webhook answers 404 instead of accepting
    requests it cannot verify.
    """
    built = {name: channel.build(settings, http) for name, channel in CHANNELS.items()}
    return {name: adapter for name, adapter in built.items() if adapter is not None}
