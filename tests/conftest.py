"""Shared fixtures: real databases (SQLite and PostgreSQL), settings, the running app, web chat."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.config import Secret, Settings

if TYPE_CHECKING:
    from tests.support.server import RunningSiaga
    from tests.support.webchat import WebChat
from tests.support.databases import fresh_postgres, fresh_sqlite, pg_disabled
from tests.support.fake_providers import FakeMeta, FakeTelegram, FakeTwilio


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection to a non-loopback address (courier's localOnlyTransport)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
            allowed = host in {"localhost", "::1"} or host.startswith("127.")
            if not allowed:
                raise OSError(f"tests may not reach the network: {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


DB_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=pytest.mark.skipif(pg_disabled(), reason="SIAGA_TEST_NO_PG=1"),
    ),
]


@pytest.fixture(params=DB_PARAMS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: the same test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        async with fresh_sqlite(tmp_path) as url:
            yield url
    else:
        async with fresh_postgres() as url:
            yield url


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh SQLite database, for tests where the backend does not matter."""
    async with fresh_sqlite(tmp_path) as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (for multi-instance tests)."""
    if pg_disabled():
        pytest.skip("SIAGA_TEST_NO_PG=1")
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A local Bot API server."""
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    """A local Twilio REST API server."""
    async with FakeTwilio() as fake:
        yield fake


@pytest.fixture
async def fake_meta() -> AsyncIterator[FakeMeta]:
    """A local Graph API server."""
    async with FakeMeta() as fake:
        yield fake


@pytest.fixture
async def siaga(
    database_url: str,
    settings_factory: Callable[..., Settings],
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
) -> AsyncIterator[RunningSiaga]:
    """The full app with all three channels pointed at the fakes, on SQLite and PostgreSQL.

    Test modules that need other settings define their own ``siaga`` fixture.
    """
    from tests.support.e2e import channel_settings, stop_or_explain
    from tests.support.server import start_siaga

    settings = channel_settings(
        settings_factory, database_url, fake_telegram, fake_twilio, fake_meta
    )
    running = await start_siaga(settings)
    try:
        yield running
    finally:
        await stop_or_explain(running)


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: everything local, quick retries; override any field by name."""

    def make(database_url: str, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "public_url": "http://127.0.0.1:8080",
            "secret_key": Secret("test-secret-key-" + "x" * 32),
            "media_dir": str(tmp_path / "media"),
            "outbox_poll_seconds": 0.05,
            "inbox_recover_seconds": 1.0,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
async def webchat(
    sqlite_url: str, settings_factory: Callable[..., Settings]
) -> AsyncIterator[WebChat]:
    """The full app on a fresh SQLite database, driven through the web chat API."""
    from tests.support.webchat import WebChat  # imports the whole app: only when used

    chat = WebChat(settings_factory(sqlite_url))
    await chat.start()
    try:
        yield chat
    finally:
        await chat.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium, headless (tests.support.browser); used by the browser tests."""
    from tests.support.browser import chromium

    async with chromium() as launched:
        yield launched
