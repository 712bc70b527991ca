"""The advisories API (issue 16): supervisors only, validation, audience counts, four eyes,
approval queues the recipients, cancel, progress (docs/advisories.md). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.channels.registry import build_adapters
from bot.config import Secret, Settings
from bot.console import setup_console
from bot.keys import ADAPTERS, SESSIONS, SETTINGS
from storage.conversations import get_or_create_contact, lock_conversation
from storage.db import create_engine, session_factory
from storage.models import AuditEntry, OutboxMessage, utcnow
from storage.operators import create_operator
from tests.console.conftest import PASSWORD, Console
from tests.support.fake_providers import FakeTelegram

DRAFT = {
    "title": "Typhoon signal 8",
    "text_id": "Sinyal topan 8 di Hong Kong: tetap di dalam rumah.",
    "text_en": "Typhoon signal 8 in Hong Kong: stay indoors.",
    "source_url": "https://www.hko.gov.hk/en/",
    "audience": {"countries": ["HK"]},
}


@pytest.fixture
async def console(
    migrated: str, settings_factory: Callable[..., Settings], fake_telegram: FakeTelegram
) -> AsyncIterator[Console]:
    """The console with Telegram configured (against the fake Bot API), two supervisors
    (``sari``, ``tono``), an operator (``ana``) and five Telegram contacts."""
    settings = settings_factory(
        migrated,
        telegram_token=Secret("123:abc"),
        telegram_webhook_secret=Secret("s3cret"),
        telegram_api_url=fake_telegram.url,
    )
    engine = create_engine(migrated)
    async with aiohttp.ClientSession() as http:
        app = web.Application()
        app[SETTINGS] = settings
        app[SESSIONS] = session_factory(engine)
        app[ADAPTERS] = build_adapters(settings, http)
        setup_console(app)
        client: TestClient[Any, Any] = TestClient(TestServer(app))
        await client.start_server()
        con = Console(client=client, sessions=app[SESSIONS], settings=settings)
        async with con.sessions() as session:
            for name, role in [
                ("ana", "operator"),
                ("sari", "supervisor"),
                ("tono", "supervisor"),
            ]:
                await create_operator(session, name, PASSWORD, role)
            people = [("1", True, "HK"), ("2", True, "HK"), ("3", True, "TW"), ("4", False, "HK")]
            for key, opt_in, country in [*people, ("5", None, "HK")]:
                contact = await get_or_create_contact(session, "telegram", key)
                contact.advisory_opt_in = opt_in
                contact.country = country
                contact.last_inbound_at = utcnow() - timedelta(days=2)
                await lock_conversation(session, contact)
            await session.commit()
        try:
            yield con
        finally:
            await client.close()
            await engine.dispose()


async def test_only_supervisors_see_advisories(console: Console) -> None:
    status, body = await console.get("/api/console/advisories")
    assert status == 401
    await console.login("ana")
    status, body = await console.get("/api/console/advisories")
    assert status == 403
    assert "supervisor" in body["error"]
    page = await console.client.get("/console/advisories", allow_redirects=False)
    assert page.status == 403


async def test_drafts_are_validated_with_reasons(console: Console) -> None:
    await console.login("sari")
    for broken, word in [
        ({**DRAFT, "text_en": ""}, "text_en"),
        ({**DRAFT, "text_id": "x" * 801}, "text_id"),
        ({**DRAFT, "source_url": "javascript:alert(1)"}, "source_url"),
        ({**DRAFT, "audience": {"countries": "HK"}}, "countries"),
        ({**DRAFT, "audience": {"active_days": -1}}, "active_days"),
        ({**DRAFT, "audience": {"languages": ["fr"]}}, "languages"),
        ({**DRAFT, "scheduled_at": "tomorrow"}, "scheduled_at"),
        ({**DRAFT, "scheduled_at": "2026-12-24T10:00:00"}, "scheduled_at"),  # no time zone
    ]:
        status, body = await console.post("/api/console/advisories", broken)
        assert status == 400, broken
        assert word in body["error"]
    async with console.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_count_then_four_eyes_then_queued_and_cancelled(console: Console) -> None:
    await console.login("sari")
    status, body = await console.get("/api/console/advisories")
    assert status == 200
    assert body["channels"] == {"telegram": "all"}  # the web chat is never pushed to
    assert {"country": "HK", "contacts": 2} in body["countries"]
    status, body = await console.post("/api/console/advisories/audience", {"audience": {}})
    assert body["count"] == {"telegram": 3, "total": 3}  # 4 said no, 5 was never asked
    status, body = await console.post(
        "/api/console/advisories/audience", {"audience": {"countries": ["HK"]}}
    )
    assert body["count"]["total"] == 2

    status, body = await console.post("/api/console/advisories", DRAFT)
    assert status == 201
    advisory = body["advisory"]
    assert advisory["status"] == "draft"
    status, body = await console.post(f"/api/console/advisories/{advisory['id']}/approve")
    assert status == 403
    assert "four eyes" in body["error"]
    async with console.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    await console.login("tono")
    status, body = await console.post(f"/api/console/advisories/{advisory['id']}/approve")
    assert status == 200, body
    assert body["advisory"]["recipients"] == 2
    status, body = await console.post(f"/api/console/advisories/{advisory['id']}/approve")
    assert status == 409
    async with console.sessions() as session:
        rows = list((await session.execute(select(OutboxMessage))).scalars())
        actions = set((await session.execute(select(AuditEntry.action))).scalars())
    assert sorted(r.recipient for r in rows) == ["1", "2"]
    assert all("Sumber: https://www.hko.gov.hk/en/" in r.text for r in rows)
    assert all("STOP" in r.text for r in rows)
    assert {"advisory_created", "advisory_approved"} <= actions

    status, body = await console.get(f"/api/console/advisories/{advisory['id']}")
    assert body["advisory"]["status"] == "sending"
    assert body["advisory"]["progress"]["queued"] == 2
    status, body = await console.post(f"/api/console/advisories/{advisory['id']}/cancel")
    assert status == 200
    assert body == {"cancelled": 2}
    status, body = await console.get(f"/api/console/advisories/{advisory['id']}")
    assert body["advisory"]["status"] == "cancelled"
    assert body["advisory"]["progress"]["cancelled"] == 2
    status, body = await console.post(f"/api/console/advisories/{advisory['id']}/cancel")
    assert status == 409


async def test_a_scheduled_advisory_waits_for_its_time(console: Console) -> None:
    await console.login("sari")
    later = (utcnow() + timedelta(hours=3)).isoformat()
    status, body = await console.post("/api/console/advisories", {**DRAFT, "scheduled_at": later})
    assert status == 201
    await console.login("tono")
    advisory_id = body["advisory"]["id"]
    status, body = await console.post(f"/api/console/advisories/{advisory_id}/approve")
    assert body["advisory"]["status"] == "scheduled"
    async with console.sessions() as session:
        due = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.next_attempt_at <= utcnow())
        )
    assert due == 0
