"""Finding 9 (issue 14): one address pushed 870 web-chat requests in 20 s, a new session each,
and created 871 conversations. Limits per address and per session now stop it, without
turning anyone else away and without losing what a person typed (a 429 says when to retry,
and the page resends with the same message id).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.config import Settings
from storage.models import Conversation, InboxEvent
from tests.security._public_support import (
    client_from,
    count,
    new_session,
    post_message,
    running,
)

FLOOD = 870


async def test_one_address_with_new_sessions_cannot_create_hundreds_of_conversations(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    async with running(settings_factory, database_url) as siaga:
        async with client_from("127.0.0.2") as attacker:
            gate = asyncio.Semaphore(40)

            async def one() -> tuple[int, dict[str, object], str | None]:
                async with gate:
                    status, data, headers = await post_message(
                        attacker, siaga, new_session(), "halo"
                    )
                    return status, data, headers.get("Retry-After")

            results = await asyncio.gather(*(one() for _ in range(FLOOD)))

        statuses = [status for status, _data, _retry in results]
        assert 500 not in statuses
        refused = [(data, retry) for status, data, retry in results if status == 429]
        conversations = await count(siaga, Conversation)
        stored = await count(siaga, InboxEvent)
        # Not 870: a handful of sessions, everything else refused with a reason and a time.
        assert conversations <= 60, f"{conversations} conversations from one address"
        assert stored <= 60
        assert len(refused) >= FLOOD - 60
        assert all(isinstance(data.get("error"), str) and data["error"] for data, _ in refused)
        assert all(retry is not None and int(retry) >= 1 for _data, retry in refused)

        # Someone else, from another address, is still answered at once.
        async with client_from("127.0.0.3") as worker:
            status, data, _ = await post_message(worker, siaga, new_session(), "halo")
        assert status == 200, data
        assert data["replies"]


async def test_one_session_cannot_send_without_pause(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    async with running(settings_factory, database_url) as siaga:
        session_id = new_session()
        async with client_from("127.0.0.4") as http:
            statuses = [
                (await post_message(http, siaga, session_id, f"pesan {n}"))[0] for n in range(80)
            ]
        assert 429 in statuses
        assert statuses[:5] == [200] * 5  # a person typing a few messages is never refused
        assert await count(siaga, InboxEvent) < 80


async def test_a_forged_forwarded_for_does_not_buy_new_addresses(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    # X-Forwarded-For is believed only from SIAGA_FORWARDED_ALLOW_IPS (a local proxy), never
    # from the client itself: a new "address" per request changes nothing.
    async with running(settings_factory, database_url) as siaga:
        async with client_from("127.0.0.9") as attacker:
            statuses = []
            for n in range(100):
                body = {"session_id": new_session(), "text": "halo"}
                forged = {"X-Forwarded-For": f"203.0.113.{n % 250}"}
                async with attacker.post(
                    siaga.url + "/api/webchat/messages", json=body, headers=forged
                ) as resp:
                    statuses.append(resp.status)
        assert statuses.count(429) >= 70
        assert await count(siaga, Conversation) <= 30
