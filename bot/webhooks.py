"""Provider webhook routes: thin HTTP glue in front of ``bot.ingest.ingest``.

Each route only rebuilds the request as a :class:`RawRequest` and hands it to the ingest with its
channel's adapter. The URL is rebuilt from ``SIAGA_PUBLIC_URL`` plus the raw path (query included),
never from ``request.url``: behind a TLS-terminating proxy or tunnel the latter is the internal
address and every Twilio signature would fail (``channels.md`` §3.3).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot import ingest
from bot.channels.base import ChannelAdapter, RawRequest
from bot.channels.meta_whatsapp import MetaWhatsAppAdapter
from bot.keys import ADAPTERS, SETTINGS

log = logging.getLogger("bot.webhooks")

ROUTES = {
    "/webhooks/telegram": "telegram",
    "/webhooks/twilio": "twilio",
    "/webhooks/twilio/status": "twilio",
    "/webhooks/whatsapp": "whatsapp",
}


def setup_webhooks(app: web.Application) -> None:
    """Add the provider routes to ``app`` (which must carry ``SETTINGS`` and ``ADAPTERS``)."""
    for path in ROUTES:
        app.router.add_post(path, _post)
    app.router.add_get("/webhooks/whatsapp", _whatsapp_handshake)


def _adapter(request: web.Request, channel: str) -> ChannelAdapter:
    """The configured adapter, or 404 naming what is missing (nothing is stored)."""
    adapter = request.app[ADAPTERS].get(channel)
    if adapter is None:
        raise web.HTTPNotFound(
            text=f'{{"error": "channel {channel} is not configured on this server"}}',
            content_type="application/json",
        )
    return adapter


async def _post(request: web.Request) -> web.StreamResponse:
    channel = ROUTES[request.path.rstrip("/") or request.path]
    adapter = _adapter(request, channel)
    settings = request.app[SETTINGS]
    raw = RawRequest(
        method=request.method,
        url=settings.public_url.rstrip("/") + request.raw_path,
        path=request.path,
        headers=request.headers,
        body=await request.read(),
        query=dict(request.query),
    )
    return await ingest.ingest(request.app, adapter, raw)


async def _whatsapp_handshake(request: web.Request) -> web.StreamResponse:
    """Meta's GET verification: 200 with ``hub.challenge`` as plain text, or 403 (§4.1)."""
    adapter = _adapter(request, "whatsapp")
    if not isinstance(adapter, MetaWhatsAppAdapter):
        raise web.HTTPNotFound(text="no verification handshake for this adapter")
    ack = adapter.handshake(request.query)
    if ack.status != 200:
        log.warning("whatsapp verification handshake refused")
    return web.Response(status=ack.status, body=ack.body, content_type=ack.content_type)
