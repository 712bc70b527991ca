"""The one table of channels: what exists, how each is built, and how each is reached.

Every provider channel is a row of :data:`CHANNELS`: its adapter class (which carries its routes,
lifecycle, media download and reply window) and a builder that returns the adapter when its
credentials are set, or None. Nothing registers itself on import; adding a channel is one module
and one row here (plus its settings in ``bot.config``).

The web chat (``bot.webchat``) is built in and needs no credentials. Its replies are fetched by
the browser instead of pushed, so the sender leaves them alone (:data:`PULLED`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiohttp

from bot.channels.base import ChannelAdapter, within_reply_window
from bot.channels.meta_whatsapp import MetaWhatsAppAdapter
from bot.channels.telegram import TelegramAdapter
from bot.channels.twilio_whatsapp import TwilioWhatsAppAdapter
from bot.config import Settings

WEBCHAT = "webchat"
# Channels whose messages the client fetches (``GET /api/webchat/messages``): never sent.
PULLED = frozenset({WEBCHAT})


@dataclass(frozen=True, slots=True)
class Channel:
    """A row of the table: the adapter class, how to build it from the settings, and which
    setting names the approved template sent outside its reply window (if it has one)."""

    adapter: type[ChannelAdapter]
    build: Callable[[Settings, aiohttp.ClientSession], ChannelAdapter | None]
    window_template: Callable[[Settings], str] = lambda _settings: ""


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
        template_sid=CHANNELS[TwilioWhatsAppAdapter.name].window_template(settings),
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
        template_name=CHANNELS[MetaWhatsAppAdapter.name].window_template(settings),
    )


CHANNELS: dict[str, Channel] = {
    TelegramAdapter.name: Channel(TelegramAdapter, _telegram),
    TwilioWhatsAppAdapter.name: Channel(
        TwilioWhatsAppAdapter, _twilio, lambda s: s.twilio_template_sid
    ),
    MetaWhatsAppAdapter.name: Channel(
        MetaWhatsAppAdapter, _meta, lambda s: s.whatsapp_template_name
    ),
}


def reply_window_open(channel: str, last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether free text may go to a contact of ``channel`` now (the adapter's reply window)."""
    row = CHANNELS.get(channel)
    window = row.adapter.reply_window if row is not None else None  # the web chat has none
    return within_reply_window(window, last_inbound_at, now)


def window_template(settings: Settings, channel: str) -> str | None:
    """The approved template configured for ``channel`` (None: none, or no window there)."""
    row = CHANNELS.get(channel)
    return (row.window_template(settings) or None) if row is not None else None


def broadcast_reach(
    settings: Settings, configured: Iterable[str]
) -> dict[str, Literal["all", "window"]]:
    """Who an advisory to many can reach on each configured channel (docs/advisories.md).

    ``all``: everyone (no reply window, or the approved template goes outside it); ``window``:
    only people inside the reply window (WhatsApp without a template). Pulled channels (the web
    chat) are never reached: nobody keeps that page open to fetch it.
    """
    reach: dict[str, Literal["all", "window"]] = {}
    for name in configured:
        row = CHANNELS.get(name)
        if row is None or name in PULLED:
            continue
        no_window = row.adapter.reply_window is None
        reach[name] = "all" if no_window or row.window_template(settings) else "window"
    return reach


def build_adapters(settings: Settings, http: aiohttp.ClientSession) -> dict[str, ChannelAdapter]:
    """Adapters for every configured channel, keyed by channel name (not started yet).

    A channel without credentials is left out: its webhook answers 404 instead of accepting
    requests it cannot verify.
    """
    built = {name: channel.build(settings, http) for name, channel in CHANNELS.items()}
    return {name: adapter for name, adapter in built.items() if adapter is not None}
