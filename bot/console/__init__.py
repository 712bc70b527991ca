"""The command-centre console: pages at ``/console``, the JSON API at ``/api/console/``.

``setup_console(app)`` is all the composition root (``bot.app``) calls. The console needs
``app[SETTINGS]`` and ``app[SESSIONS]``; ``app[SIGNALS]``, when present, wakes the senders in
whichever process they run, so operator replies go out at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.console import (
    accounts,
    advisories,
    api,
    companies,
    handover,
    integration,
    openapi,
    pages,
    referrals,
)
from bot.console.limits import LOGIN_LIMITER, AttemptLimiter
from bot.console.live import HUB, LiveHub
from bot.keys import SESSIONS, SETTINGS

__all__ = ["setup_console"]


def setup_console(app: web.Application) -> None:
    """Add the console pages, the JSON API, ``/api/openapi.json`` and live updates to ``app``."""

    async def live_hub(app: web.Application) -> AsyncIterator[None]:
        # Created after the database context (cleanup_ctx order) has put SESSIONS on the app.
        app[HUB] = LiveHub(app[SESSIONS])
        settings = app[SETTINGS]
        app[LOGIN_LIMITER] = AttemptLimiter(
            settings.login_max_per_address, settings.login_lockout_minutes * 60
        )
        yield

    async def close_hub(app: web.Application) -> None:
        # on_shutdown runs before aiohttp waits for open handlers: the event streams end here.
        if HUB in app:
            await app[HUB].close()

    app.cleanup_ctx.append(live_hub)
    app.on_shutdown.append(close_hub)
    api.add_routes(app)
    referrals.add_routes(app)
    handover.add_routes(app)
    accounts.add_routes(app)
    integration.add_routes(app)
    companies.add_routes(app)
    pages.add_routes(app)
    advisories.add_routes(app)
    app.router.add_get("/api/openapi.json", openapi.serve)
