"""Wake-ups between processes over PostgreSQL LISTEN/NOTIFY (``bot.signals``).

Two hubs on two engines stand for two processes. Real PostgreSQL, no fakes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.signals import PostgresSignals
from storage.db import create_engine
from tests.support.databases import PG_ADMIN_DSN


@pytest.fixture
async def hubs(postgres_url: str) -> AsyncIterator[tuple[PostgresSignals, PostgresSignals]]:
    engines = [create_engine(postgres_url), create_engine(postgres_url)]
    pair = (PostgresSignals(engines[0]), PostgresSignals(engines[1]))
    for hub in pair:
        await hub.start()
    try:
        yield pair
    finally:
        for hub in pair:
            await hub.close()
        for engine in engines:
            await engine.dispose()


async def test_a_stored_event_wakes_the_other_process(
    hubs: tuple[PostgresSignals, PostgresSignals],
) -> None:
    web, worker = hubs
    woken = asyncio.Event()
    worker.on_inbox(woken.set)
    web.inbox_stored()
    await asyncio.wait_for(woken.wait(), timeout=10)


async def test_a_web_chat_waiter_hears_that_its_event_is_done_elsewhere(
    hubs: tuple[PostgresSignals, PostgresSignals],
) -> None:
    web, worker = hubs
    waiter = web.waiter(4242)
    other = web.waiter(4343)
    worker.events_done([4242, 17])
    await asyncio.wait_for(waiter, timeout=10)
    assert not other.done(), "only the events reported done are resolved"


async def test_listening_survives_a_lost_connection(
    hubs: tuple[PostgresSignals, PostgresSignals],
) -> None:
    """A database restart or a killed backend: the hub reconnects and hears nudges again."""
    web, worker = hubs
    woken = asyncio.Event()
    worker.on_inbox(woken.set)
    pid = worker._pg.get_server_pid()  # the listening backend (test-only peek)
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    deadline = asyncio.get_running_loop().time() + 20
    while not woken.is_set():
        assert asyncio.get_running_loop().time() < deadline, "never heard a nudge again"
        web.inbox_stored()
        await asyncio.sleep(0.5)
    assert worker._pg.get_server_pid() != pid, "it listens on a new connection"
