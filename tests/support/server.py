"""Run the real Siaga application on a real port, as a test fixture or from a benchmark."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.app import build_app
from bot.config import Settings


@dataclass
class RunningSiaga:
    """A started server: its base URL and the application (for its keys)."""

    url: str
    app: web.Application
    runner: web.AppRunner

    async def stop(self) -> None:
        """Shut down like a real stop: workers finish, resources close."""
        await self.runner.cleanup()


async def start_siaga(
    settings: Settings, *, host: str = "127.0.0.1", port: int = 0
) -> RunningSiaga:
    """Start the full application (migrations, workers, every route) on a free port."""
    app = build_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server  # aiohttp exposes the bound port only here
    assert server is not None
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return RunningSiaga(url=f"http://{host}:{bound}", app=app, runner=runner)
