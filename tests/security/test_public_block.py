"""Finding 9 (issue 14): operators had no way to mark and block abuse. They now can, from the
case page, and a block never hides a real emergency: the blocked sender's messages are still
stored, a critical one still opens a case in the queue, and the team gets a single low-noise
notice about it instead of an alarm. What a block does limit is how fast that sender (the
session, and for the web chat the address it wrote from) can start new conversations.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import aiohttp
from sqlalchemy import select

from bot.config import Settings
from bot.keys import SESSIONS
from storage.cases import OPEN_STATUSES
from storage.models import Case, Message, OutboxMessage
from storage.operators import create_operator
from tests.security._public_support import (
    CRITICAL,
    client_from,
    count,
    new_session,
    post_message,
    running,
)
from tests.support.e2e import eventually
from tests.support.server import RunningSiaga

TEAM_CHAT = "-1009990002"
PASSWORD = "correct horse battery"


async def console_client(siaga: RunningSiaga) -> tuple[aiohttp.ClientSession, str]:
    async with siaga.app[SESSIONS]() as session:
        await create_operator(session, "ayu", PASSWORD, "operator")
        await session.commit()
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.post(
        siaga.url + "/api/console/login",
        json={"username": "ayu", "password": PASSWORD},
        headers={"Origin": siaga.url},
    ) as resp:
        data = await resp.json()
        assert resp.status == 200, data
    return http, data["operator"]["csrf_token"]


async def references(siaga: RunningSiaga) -> list[str]:
    async with siaga.app[SESSIONS]() as session:
        return list((await session.execute(select(Case.reference).order_by(Case.id))).scalars())


async def alert_texts(siaga: RunningSiaga) -> list[str]:
    async with siaga.app[SESSIONS]() as session:
        stmt = select(OutboxMessage.text).where(OutboxMessage.origin == "alert")
        return list((await session.execute(stmt.order_by(OutboxMessage.id))).scalars())


async def test_a_blocked_sender_is_slowed_but_its_emergency_still_reaches_a_human(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    async with running(settings_factory, database_url, alert_telegram_chat_id=TEAM_CHAT) as siaga:
        async with client_from("127.0.0.7") as abuser:
            status, _data, _ = await post_message(abuser, siaga, new_session(), CRITICAL)
            assert status == 200
            [first] = await references(siaga)

            console, csrf = await console_client(siaga)
            async with console:
                async with console.post(
                    f"{siaga.url}/api/console/cases/{first}/abuse",
                    json={"reason": "the same prank from this address all night"},
                    headers={"X-CSRF-Token": csrf, "Origin": siaga.url},
                ) as resp:
                    marked = await resp.json()
                    assert resp.status == 200, marked
                assert marked["blocked"] is True
                async with console.get(f"{siaga.url}/api/console/cases/{first}") as resp:
                    assert resp.status == 200

            alerts_before = await alert_texts(siaga)

            # The blocked address writes again, from a new session: still taken and filed...
            again = new_session()
            status, data, _ = await post_message(abuser, siaga, again, CRITICAL)
            assert status == 200, data

            async def filed() -> bool:
                return len(await references(siaga)) == 2

            await eventually(filed)
            second = (await references(siaga))[1]
            assert (
                await count(siaga, Case, Case.reference == second, Case.status.in_(OPEN_STATUSES))
                == 1
            )
            assert await count(siaga, Message, Message.direction == "in") == 2

            # ... with one low-noise notice instead of an alarm.
            new_alerts = (await alert_texts(siaga))[len(alerts_before) :]
            assert len(new_alerts) == 1, new_alerts
            assert second in new_alerts[0]
            assert "🚨" not in new_alerts[0]
            assert re.search(r"block", new_alerts[0], re.IGNORECASE)

            # ... but it cannot open conversation after conversation any more.
            statuses = [
                (await post_message(abuser, siaga, new_session(), "halo"))[0] for _ in range(5)
            ]
            assert 429 in statuses

        # Nobody else is affected.
        async with client_from("127.0.0.8") as worker:
            status, data, _ = await post_message(worker, siaga, new_session(), "halo")
            assert status == 200, data
