"""Provider webhook routes: thin HTTP glue in front of ``bot.ingest.ingest``.

The routes are the ones each adapter declares (``ChannelAdapter.routes``), for every channel in
``bot.channels.registry``: a channel without credentials still has its routes, which answer 404
naming what is missing. Each route only rebuilds the request as a :class:`RawRequest`. The URL is
rebuilt from ``SIAGA_PUBLIC_URL`` plus the raw path (query included), never from
``request.url``: behind a TLS-terminating proxy or tunnel the latter is the internal address and
every Twilio signature would fail (docs/wire-protocols.md §3.3).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import ingest
from bot.channels.base import ChannelAdapter, RawRequest, Route
from bot.channels.registry import CHANNELS
from bot.keys import ADAPTERS, SETTINGS

log = logging.getLogger("bot.webhooks")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup_webhooks(app: web.Application) -> None:
    """Add every channel's routes to ``app`` (which must carry ``SETTINGS`` and ``ADAPTERS``)."""
    for name, channel in CHANNELS.items():
        for route in channel.adapter.routes:
            app.router.add_route(route.method, route.path, _handler(name, route))


def _handler(channel: str, route: Route) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        adapter = _adapter(request, channel)
        raw = RawRequest(
            method=request.method,
            url=request.app[SETTINGS].public_url.rstrip("/") + request.raw_path,
            path=request.path,
            headers=request.headers,
            body=await request.read() if route.ingest else b"",
            query=dict(request.query),
        )
        if route.ingest:
            return await ingest.ingest(request.app, adapter, raw)
        ack = adapter.answer(raw)
        if ack.status >= 400:
            log.warning(
                "channel=%s %s %s refused (%d)", channel, route.method, route.path, ack.status
            )
        return web.Response(status=ack.status, body=ack.body, content_type=ack.content_type)

    return handle


def _adapter(request: web.Request, channel: str) -> ChannelAdapter:
    """The configured adapter, or 404 naming what is missing (nothing is stored)."""
    adapter = request.app[ADAPTERS].get(channel)
    if adapter is None:
        raise web.HTTPNotFound(
            text=f'{{"error": "channel {channel} is not configured on this server"}}',
            content_type="application/json",
        )
    return adapter
