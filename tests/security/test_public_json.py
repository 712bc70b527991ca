"""Finding 13, web-chat cases (issue 14): deeply nested JSON and 5,000-digit numbers made the
web chat answer 500. They are a client's mistake (or an attack) and get a 400 with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable

import aiohttp
import pytest

from bot.config import Settings
from tests.security._public_support import WEBCHAT, new_session, running

NESTED = ("[" * 100_000 + "]" * 100_000).encode()
SID = new_session()
NESTED_IN_FIELD = (
    f'{{"session_id": "{SID}", "text": "halo", "payload": '
    + '{"a": ' * 5000
    + "1"
    + "}" * 5000
    + "}"
).encode()
HUGE_INT = f'{{"session_id": "{SID}", "text": {"9" * 5000}}}'.encode()
HUGE_INT_ELSEWHERE = f'{{"session_id": "{SID}", "text": "halo", "n": {"1" * 5000}}}'.encode()


@pytest.mark.parametrize(
    "body",
    [NESTED, NESTED_IN_FIELD, HUGE_INT, HUGE_INT_ELSEWHERE],
    ids=["nested-array", "nested-field", "huge-int-text", "huge-int-extra"],
)
async def test_hostile_json_gets_400_with_a_reason(
    sqlite_url: str, settings_factory: Callable[..., Settings], body: bytes
) -> None:
    async with running(settings_factory, sqlite_url) as siaga, aiohttp.ClientSession() as http:
        async with http.post(
            siaga.url + WEBCHAT, data=body, headers={"Content-Type": "application/json"}
        ) as resp:
            status, text = resp.status, await resp.text()
        assert status == 400, text
        error = json.loads(text).get("error")
        assert isinstance(error, str)
        assert error
        # The server is fine afterwards.
        async with http.post(
            siaga.url + WEBCHAT, json={"session_id": new_session(), "text": "halo"}
        ) as resp:
            assert resp.status == 200
