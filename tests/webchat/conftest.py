"""Web chat fixtures: the full application on a port that survives a restart, and Chromium.

The browser tests drive Debian's Chromium through Playwright (``executable_path``, never a
downloaded browser), like the console's. ``SIAGA_SCREENSHOT_DIR`` set: the worker's journey is
saved there as ``webchat-NN-….png`` at 390×844.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.keys import SESSIONS
from storage.models import InboxEvent, Message
from tests.support.server import RunningSiaga, start_siaga

PHONE = {"width": 390, "height": 844}  # the screenshots' size: a common mid-range phone


class Siaga:
    """The whole application on one port: it can be stopped and started again (same database)."""

    def __init__(self, settings: Settings) -> None:
        """Prepare; :meth:`start` serves."""
        self.settings = settings
        self.server: RunningSiaga | None = None
        self.port = 0

    async def start(self) -> None:
        """Serve (again) on the same port."""
        self.server = await start_siaga(self.settings, port=self.port)
        self.port = int(self.server.url.rsplit(":", 1)[1])

    async def stop(self) -> None:
        """Stop like a real shutdown; the port stays ours to reuse."""
        if self.server is not None:
            await self.server.stop()
            self.server = None

    @property
    def url(self) -> str:
        """The base URL (the same across restarts)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The running server's database sessions."""
        assert self.server is not None, "the server is stopped"
        return self.server.app[SESSIONS]

    async def inbound(self, text: str | None = None) -> list[Message]:
        """The message log's inbound rows (of ``text``), in order."""
        stmt = select(Message).where(Message.direction == "in").order_by(Message.id)
        if text is not None:
            stmt = stmt.where(Message.text == text)
        async with self.sessions() as session:
            return list((await session.execute(stmt)).scalars())

    async def inbox_count(self, dedup_suffix: str) -> int:
        """Inbox rows whose dedup key ends with ``dedup_suffix`` (``:<message_id>``)."""
        stmt = select(func.count()).where(InboxEvent.dedup_key.endswith(dedup_suffix))
        async with self.sessions() as session:
            return int((await session.execute(stmt)).scalar_one())


@pytest.fixture
async def app(sqlite_url: str, settings_factory: Callable[..., Settings]) -> AsyncIterator[Siaga]:
    """The full application on SQLite, restartable on its port."""
    siaga = Siaga(settings_factory(sqlite_url))
    await siaga.start()
    try:
        yield siaga
    finally:
        await siaga.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def phone(browser: Any) -> AsyncIterator[Any]:
    """A browser context like a worker's phone in Hong Kong: 390×844, Indonesian, UTC+8."""
    context = await browser.new_context(
        viewport=PHONE, locale="id-ID", timezone_id="Asia/Hong_Kong", device_scale_factor=1
    )
    try:
        yield context
    finally:
        await context.close()


async def shot(page: Any, name: str) -> None:
    """Save ``webchat-<name>.png`` into ``SIAGA_SCREENSHOT_DIR`` when it is set."""
    directory = os.environ.get("SIAGA_SCREENSHOT_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        await page.screenshot(path=str(Path(directory) / f"webchat-{name}.png"), full_page=False)
