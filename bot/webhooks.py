"""Provider webhook routes: thin HTTP glue in front of ``bot.ingest.ingest``.

The routes are the ones each adapter declares (``ChannelAdapter.routes``), for every channel in
``bot.channels.registry``: a channel without credentials still has its routes, which answer 404
naming what is missing. Each route only rebuilds the request as a :class:`RawRequest`. The URL is
rebuilt from ``SIAGA_PUBLIC_URL`` plus the raw path (query included), never from
``request.url``: behind a TLS-terminating proxy or tunnel the latter is the internal address and
every Twilio signature would fail (docs/wire-protocols.md §3.3).

Before a body is read (docs/abuse.md): an address refused too often gets 429, a request without
the provider's signature header gets 403 (Telegram's secret is a header and is checked in
full), a JSON route refuses any other content type with 415, and a body announced larger than
``SIAGA_MAX_BODY_BYTES`` gets 413. The body is then read within ``SIAGA_BODY_READ_SECONDS``
(408 after it) and verified before it is parsed (``bot.ingest``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import ingest
from bot.channels import meta_whatsapp, telegram, twilio_whatsapp
from bot.channels.base import ChannelAdapter, InvalidSignature, RawRequest, Route
from bot.channels.registry import CHANNELS
from bot.config import Settings
from bot.keys import ADAPTERS, LIMITS, SETTINGS

log = logging.getLogger("bot.webhooks")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The header each provider signs with: a request without it is refused before it is read.
SIGNATURE_HEADERS = {
    telegram.TelegramAdapter.name: telegram.SECRET_HEADER,
    meta_whatsapp.MetaWhatsAppAdapter.name: meta_whatsapp.SIGNATURE_HEADER,
    twilio_whatsapp.TwilioWhatsAppAdapter.name: twilio_whatsapp.SIGNATURE_HEADER,
}
# Channels whose whole check is a header (no body in it): verified before the body is read.
HEADER_ONLY = {telegram.TelegramAdapter.name}
# Channels whose webhooks carry JSON: any other content type is refused (415).
JSON_CHANNELS = {telegram.TelegramAdapter.name, meta_whatsapp.MetaWhatsAppAdapter.name}
JSON_TYPES = {"application/json"}


def setup_webhooks(app: web.Application) -> None:
    """Add every channel's routes to ``app`` (which must carry ``SETTINGS`` and ``ADAPTERS``)."""
    for name, channel in CHANNELS.items():
        for route in channel.adapter.routes:
            app.router.add_route(route.method, route.path, _handler(name, route))


def _handler(channel: str, route: Route) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        adapter = _adapter(request, channel)
        settings = request.app[SETTINGS]
        raw = RawRequest(
            method=request.method,
            url=settings.public_url.rstrip("/") + request.raw_path,
            path=request.path,
            headers=request.headers,
            body=b"",
            query=dict(request.query),
        )
        if route.ingest:
            limits = request.app[LIMITS]
            limits.webhook_gate(request)
            refused = _precheck(adapter, raw)
            if refused is not None:
                limits.webhook_refused(request)
                log.warning("channel=%s rejected before reading: %s", channel, refused)
                return web.json_response({"error": "invalid signature"}, status=403)
            if channel in JSON_CHANNELS and request.content_type not in JSON_TYPES:
                raise unsupported_type("application/json")
            raw = RawRequest(
                method=raw.method,
                url=raw.url,
                path=raw.path,
                headers=raw.headers,
                body=await read_body(request, settings),
                query=raw.query,
            )
            response = await ingest.ingest(request.app, adapter, raw)
            if response.status == 403:
                limits.webhook_refused(request)
            return response
        ack = adapter.answer(raw)
        if ack.status >= 400:
            log.warning(
                "channel=%s %s %s refused (%d)", channel, route.method, route.path, ack.status
            )
        return web.Response(status=ack.status, body=ack.body, content_type=ack.content_type)

    return handle


def _precheck(adapter: ChannelAdapter, raw: RawRequest) -> str | None:
    """Why the request is refused without reading its body, or None (the body decides)."""
    name = SIGNATURE_HEADERS.get(adapter.name)
    if name is not None and not raw.headers.get(name):
        return f"missing {name}"
    if adapter.name in HEADER_ONLY:
        try:
            adapter.verify(raw)
        except InvalidSignature as exc:
            return str(exc)
    return None


def unsupported_type(expected: str) -> web.HTTPUnsupportedMediaType:
    """415 with a reason naming the content type that is required."""
    return web.HTTPUnsupportedMediaType(
        text=f'{{"error": "Content-Type must be {expected}"}}', content_type="application/json"
    )


async def read_body(request: web.Request, settings: Settings) -> bytes:
    """The body, refused (413) before reading when it is announced too large, and cut (408)
    when it does not arrive within ``SIAGA_BODY_READ_SECONDS`` (slow-body connections)."""
    limit = settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    try:
        return await asyncio.wait_for(request.read(), timeout=settings.body_read_seconds)
    except TimeoutError:
        raise web.HTTPRequestTimeout(
            text=(
                f'{{"error": "the request body did not arrive within '
                f'{settings.body_read_seconds:g} seconds"}}'
            ),
            content_type="application/json",
        ) from None


def _adapter(request: web.Request, channel: str) -> ChannelAdapter:
    """The configured adapter, or 404 naming what is missing (nothing is stored)."""
    adapter = request.app[ADAPTERS].get(channel)
    if adapter is None:
        raise web.HTTPNotFound(
            text=f'{{"error": "channel {channel} is not configured on this server"}}',
            content_type="application/json",
        )
    return adapter
