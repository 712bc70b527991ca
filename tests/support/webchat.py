"""A web-chat client for conversation tests: the same HTTP API the chat page uses."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from bot.config import Settings
from tests.support.server import RunningSiaga, start_siaga


class WebChat:
    """Talks to a running Siaga through ``/api/webchat/messages``; can restart the server."""

    def __init__(self, settings: Settings) -> None:
        """Prepare a client; call :meth:`start` before use."""
        self.settings = settings
        self.server: RunningSiaga | None = None
        self.http = aiohttp.ClientSession()

    async def start(self) -> None:
        """Start the server."""
        self.server = await start_siaga(self.settings)

    @property
    def url(self) -> str:
        """Base URL of the running server."""
        assert self.server is not None
        return self.server.url

    async def send(
        self, session_id: str, text: str | None = None, payload: str | None = None
    ) -> list[dict[str, Any]]:
        """Send one message; returns the bot's replies (``text`` and ``buttons``)."""
        body: dict[str, Any] = {
            "session_id": session_id,
            "text": text if text is not None else "",
            "message_id": uuid.uuid4().hex,
        }
        if payload is not None:
            body["payload"] = payload
        async with self.http.post(f"{self.url}/api/webchat/messages", json=body) as resp:
            data = await resp.json()
            assert resp.status == 200, data
            replies: list[dict[str, Any]] = data["replies"]
            return replies

    async def poll(self, session_id: str) -> list[dict[str, Any]]:
        """Messages that arrived later (operator replies, status changes)."""
        async with self.http.get(
            f"{self.url}/api/webchat/messages", params={"session_id": session_id}
        ) as resp:
            data = await resp.json()
            assert resp.status == 200, data
            messages: list[dict[str, Any]] = data["messages"]
            return messages

    async def restart(self) -> None:
        """Stop and start the server on the same database (state must survive)."""
        assert self.server is not None
        await self.server.stop()
        self.server = await start_siaga(self.settings)

    async def close(self) -> None:
        """Stop everything."""
        if self.server is not None:
            await self.server.stop()
        await self.http.close()
