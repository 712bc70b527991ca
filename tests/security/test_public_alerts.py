"""Finding 9 (issue 14): 60 anonymous web-chat sessions created 60 critical cases and 60 team
alerts: the on-duty team's phones ring 60 times and a real emergency drowns among them.
Alerts are now coalesced (a few individual ones per channel and window, then one summary),
while every message is still stored and every case still reaches the queue, critical first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.config import Settings
from storage.cases import OPEN_STATUSES
from storage.models import Case, Message, OutboxMessage
from tests.security._public_support import (
    CRITICAL,
    client_from,
    count,
    new_session,
    post_message,
    running,
)
from tests.support.e2e import eventually

SESSIONS = 60
TEAM_CHAT = "-1009990001"


async def test_sixty_anonymous_emergencies_do_not_ring_the_team_sixty_times(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    async with running(settings_factory, database_url, alert_telegram_chat_id=TEAM_CHAT) as siaga:

        async def one(n: int) -> int:
            # Each session from an address of its own: no rate limit is what stops this.
            async with client_from(f"127.0.1.{n + 1}") as http:
                status, data, _ = await post_message(http, siaga, new_session(), CRITICAL)
                assert status in (200, 202), data  # 202: stored, the answer comes later
                return status

        await asyncio.gather(*(one(n) for n in range(SESSIONS)))

        async def all_filed() -> bool:
            return await count(siaga, Case, Case.urgency == "critical") == SESSIONS

        await eventually(all_filed, within=90)
        # Every message is stored and every case is open in the queue.
        inbound = await count(siaga, Message, Message.direction == "in", Message.text == CRITICAL)
        assert inbound == SESSIONS
        queued = await count(
            siaga, Case, Case.status.in_(OPEN_STATUSES), Case.urgency == "critical"
        )
        assert queued == SESSIONS
        alerts = await count(siaga, OutboxMessage, OutboxMessage.origin == "alert")
        assert 1 <= alerts <= 10, f"{alerts} team alerts for {SESSIONS} sessions"
