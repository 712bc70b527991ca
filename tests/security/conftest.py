"""Security fixtures: the whole application on a real port, with console accounts, and operators
as an attacker's HTTP client sees them (their own cookie jar, the CSRF token they were given).

Each test in this directory replays one finding of issue 14 against the running app (both
databases); the only fakes are the providers (Telegram, Twilio, Meta) as local HTTP servers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.keys import SESSIONS
from storage.operators import create_operator
from tests.console.conftest import PASSWORD
from tests.support.e2e import channel_settings, stop_or_explain
from tests.support.fake_providers import FakeMeta, FakeTelegram, FakeTwilio
from tests.support.server import RunningSiaga, start_siaga

# (username, role): two operators, so one can try to touch the other's case.
STAFF = (("ana", "operator"), ("budi", "operator"), ("sari", "supervisor"), ("root", "admin"))


class Client:
    """One browser's session against the console API: its own cookies, its CSRF token."""

    def __init__(self, base: str) -> None:
        """A client for the app at ``base`` (cookies kept even for 127.0.0.1)."""
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def login(self, username: str, password: str = PASSWORD) -> tuple[int, Any]:
        """Try to log in; keeps the CSRF token on success. Returns (status, json)."""
        async with self.http.post(
            f"{self.base}/api/console/login", json={"username": username, "password": password}
        ) as resp:
            data = await resp.json()
            if resp.status == 200:
                self.csrf = data["operator"]["csrf_token"]
            return resp.status, data

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        """GET a console endpoint; (status, json)."""
        async with self.http.get(f"{self.base}{path}", params=params) as resp:
            return resp.status, await resp.json()

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """POST with the session's CSRF token; (status, json)."""
        async with self.http.post(
            f"{self.base}{path}", json=body or {}, headers={"X-CSRF-Token": self.csrf}
        ) as resp:
            return resp.status, await resp.json()

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.http.close()


StartApp = Callable[..., Awaitable[RunningSiaga]]


@pytest.fixture
async def start_app(
    database_url: str,
    settings_factory: Callable[..., Settings],
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
) -> AsyncIterator[StartApp]:
    """Start the full app (every channel on the fakes) with setting overrides, and the
    console accounts of :data:`STAFF` (password ``tests.console.conftest.PASSWORD``)."""
    started: list[RunningSiaga] = []

    async def start(**overrides: Any) -> RunningSiaga:
        settings = channel_settings(
            settings_factory, database_url, fake_telegram, fake_twilio, fake_meta, **overrides
        )
        running = await start_siaga(settings)
        started.append(running)
        async with running.app[SESSIONS]() as session:
            for name, role in STAFF:
                await create_operator(session, name, PASSWORD, role)
            await session.commit()
        return running

    yield start
    for running in started:
        await stop_or_explain(running)


@pytest.fixture
async def app(start_app: StartApp) -> RunningSiaga:
    """The full app with default settings and the console accounts."""
    return await start_app()


@pytest.fixture
async def clients() -> AsyncIterator[Callable[[str], Client]]:
    """Make console clients for an app's base URL (closed at the end of the test)."""
    made: list[Client] = []

    def make(base: str) -> Client:
        client = Client(base)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def logged_in(
    app: RunningSiaga, clients: Callable[[str], Client]
) -> Callable[[str], Awaitable[Client]]:
    """A client logged in as one of :data:`STAFF` on :func:`app`."""

    async def login(username: str) -> Client:
        client = clients(app.url)
        status, data = await client.login(username)
        assert status == 200, data
        return client

    return login
