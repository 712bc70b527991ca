"""Shared pieces of the public-side security tests (tests/security/test_public_*.py).

The full application runs on a real port; clients connect from distinct loopback addresses
(127.0.0.2, 127.0.0.3, …: Linux routes all of 127.0.0.0/8 to lo), so "one address" and "many
addresses" are real TCP peers, not headers the server is asked to trust.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.config import Settings
from bot.keys import SESSIONS
from tests.support.server import RunningSiaga, start_siaga

CRITICAL = "tolong majikan saya pukul saya sekarang, saya dikunci di kamar"
WEBCHAT = "/api/webchat/messages"


def new_session() -> str:
    """A fresh web-chat session id, as the page makes one."""
    return "web-" + uuid.uuid4().hex


@asynccontextmanager
async def running(
    settings_factory: Callable[..., Settings], database_url: str, **overrides: Any
) -> AsyncIterator[RunningSiaga]:
    """The full application (dispatcher, sender, every route) on a fresh database."""
    server = await start_siaga(settings_factory(database_url, **overrides))
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def client_from(address: str = "127.0.0.1") -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client whose connections come from ``address`` (a loopback address)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0), limit=100)
    async with aiohttp.ClientSession(connector=connector) as http:
        yield http


async def post_message(
    http: aiohttp.ClientSession,
    siaga: RunningSiaga,
    session_id: str,
    text: str,
    **extra: Any,
) -> tuple[int, dict[str, Any], Any]:
    """POST one web-chat message; returns (status, JSON body, headers)."""
    body = {"session_id": session_id, "text": text, "message_id": uuid.uuid4().hex, **extra}
    async with http.post(siaga.url + WEBCHAT, json=body) as resp:
        data = await resp.json(content_type=None)
        return resp.status, data, resp.headers


async def count(siaga: RunningSiaga, model: Any, *where: Any) -> int:
    """Rows of ``model`` matching ``where`` in the running server's database."""
    async with siaga.app[SESSIONS]() as session:
        value = await session.scalar(select(func.count()).select_from(model).where(*where))
    return int(value or 0)
