"""Console test fixtures: a small app with only the console on a real database, and seeding.

The console is mounted on its own (no dispatcher, no sender) so API tests see exactly what the
console does; the browser test uses the full application instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.console import setup_console
from bot.keys import SESSIONS, SETTINGS
from flows.casefile import case_columns
from nlu.types import Urgency
from storage.cases import new_reference, open_case
from storage.conversations import add_message, get_or_create_contact, lock_conversation
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import utcnow
from storage.operators import create_operator

PASSWORD = "correct horse battery"


@dataclass
class Console:
    """A console app on a test server, with its database."""

    client: TestClient[Any, Any]
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    async def login(self, username: str, password: str = PASSWORD) -> str:
        """Log in on this client (cookie kept in its jar); returns the CSRF token."""
        resp = await self.client.post(
            "/api/console/login", json={"username": username, "password": password}
        )
        data = await resp.json()
        assert resp.status == 200, data
        token: str = data["operator"]["csrf_token"]
        self.csrf = token
        return token

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """A POST with the CSRF token; returns (status, json)."""
        resp = await self.client.post(
            path, json=body or {}, headers={"X-CSRF-Token": getattr(self, "csrf", "")}
        )
        return resp.status, await resp.json()

    async def get(self, path: str, **params: str) -> Any:
        """A GET; returns (status, json)."""
        resp = await self.client.get(path, params=params)
        return resp.status, await resp.json()


async def make_console(
    url: str, settings: Settings, engine: AsyncEngine | None = None
) -> tuple[Console, AsyncEngine]:
    """Start one console "instance" (its own engine and server) on the database at ``url``."""
    engine = engine or create_engine(url)
    app = web.Application()
    app[SETTINGS] = settings
    app[SESSIONS] = session_factory(engine)
    setup_console(app)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    return Console(client=client, sessions=app[SESSIONS], settings=settings), engine


@pytest.fixture
async def migrated(database_url: str) -> str:
    """The parametrised database (SQLite and PostgreSQL) with the schema applied."""
    await upgrade_async(database_url)
    return database_url


@pytest.fixture
async def console(
    migrated: str, settings_factory: Callable[..., Settings]
) -> AsyncIterator[Console]:
    """The console on a fresh database, with operators ``ana`` (operator), ``budi`` (operator),
    ``sari`` (supervisor) and ``root`` (admin)."""
    settings = settings_factory(migrated, login_max_failures=3, login_lockout_minutes=15)
    con, engine = await make_console(migrated, settings)
    async with con.sessions() as session:
        for name, role in [
            ("ana", "operator"),
            ("budi", "operator"),
            ("sari", "supervisor"),
            ("root", "admin"),
        ]:
            await create_operator(session, name, PASSWORD, role)
        await session.commit()
    try:
        yield con
    finally:
        await con.client.close()
        await engine.dispose()


async def seed_case(
    sessions: async_sessionmaker[AsyncSession],
    *,
    text: str = "gaji saya belum dibayar 3 bulan",
    intent: str = "complaint.unpaid_wages",
    urgency: Urgency = Urgency.NORMAL,
    channel: str = "webchat",
    user_id: str | None = None,
    name: str | None = "Siti",
    phone: str | None = None,
    fields: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    last_inbound_at: datetime | None = None,
    media: list[dict[str, Any]] | None = None,
) -> str:
    """A case as the dispatcher would open it (contact, conversation, message); its reference."""
    async with sessions() as session:
        contact = await get_or_create_contact(
            session, channel, user_id or new_reference(), display_name=name, phone=phone
        )
        contact.last_inbound_at = last_inbound_at or utcnow()
        conversation = await lock_conversation(session, contact)
        conversation.language = "id"
        reference = new_reference()
        case = await open_case(
            session,
            reference=reference,
            contact_id=contact.id,
            conversation_id=conversation.id,
            channel=channel,
            intent=intent,
            urgency=urgency,
            urgency_reasons=["lexicon:id:dipukul"] if urgency == Urgency.CRITICAL else [],
            fields=fields or {},
            columns=case_columns(fields or {}),
        )
        if created_at is not None:
            case.created_at = created_at
        add_message(
            session,
            conversation,
            direction="in",
            text=text,
            origin="user",
            case_id=case.id,
            media=media,
            nlu={
                "intent": {"name": intent, "confidence": 0.91},
                "urgency": str(urgency),
                "urgency_reasons": list(case.urgency_reasons),
                "language": "id",
            },
        )
        await session.commit()
    return reference
