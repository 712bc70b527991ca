"""Finding 14 (issue 14): the chat page could be framed (no ``X-Frame-Options``; old browsers
ignore CSP's ``frame-ancestors``), which lets another site overlay it (clickjacking)."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from bot.config import Settings
from tests.security._public_support import running


async def test_chat_page_refuses_frames_and_keeps_its_policy(
    sqlite_url: str, settings_factory: Callable[..., Settings]
) -> None:
    async with running(settings_factory, sqlite_url) as siaga, aiohttp.ClientSession() as http:
        for path in ("/", "/webchat.js", "/webchat.css"):
            async with http.get(siaga.url + path) as resp:
                assert resp.status == 200
                assert resp.headers.get("X-Frame-Options") == "DENY", path
                assert resp.headers.get("X-Content-Type-Options") == "nosniff", path
        async with http.get(siaga.url + "/") as resp:
            csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
