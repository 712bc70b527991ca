"""Finding 14 (issue 14): the web chat's session id is a bearer token and reading *consumed*
operator replies: whoever polled first with the session id got the reply, and the real
person's next poll got nothing. Reads are now idempotent: the page asks for what came after
the last message it has, and nobody else's read takes anything away from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

from bot.config import Settings
from bot.keys import SESSIONS
from storage import conversations, outbox
from tests.security._public_support import client_from, new_session, post_message, running
from tests.support.server import RunningSiaga

OPERATOR_TEXT = "Halo, saya petugas Command Centre. Kami menghubungi KJRI sekarang."


async def operator_says(siaga: RunningSiaga, session_id: str, text: str) -> int:
    """Queue an operator's message the way the console does (outbox row + message log)."""
    async with siaga.app[SESSIONS]() as session, session.begin():
        conversation = await conversations.find_conversation(session, "webchat", session_id)
        assert conversation is not None
        row = outbox.enqueue(
            session,
            channel="webchat",
            recipient=session_id,
            text=text,
            conversation_id=conversation.id,
            origin="operator",
        )
        await session.flush()
        conversations.add_message(
            session, conversation, direction="out", text=text, origin="operator", outbox_id=row.id
        )
        return row.id


async def read(
    http: aiohttp.ClientSession, siaga: RunningSiaga, session_id: str, after: int | None
) -> list[dict[str, Any]]:
    params = {"session_id": session_id}
    if after is not None:
        params["after"] = str(after)
    async with http.get(siaga.url + "/api/webchat/messages", params=params) as resp:
        assert resp.status == 200, await resp.text()
        messages: list[dict[str, Any]] = (await resp.json())["messages"]
        return messages


async def test_a_second_reader_does_not_take_the_operators_reply(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    async with running(settings_factory, database_url) as siaga:
        sid = new_session()
        async with client_from("127.0.0.5") as worker:
            status, data, _ = await post_message(worker, siaga, sid, "halo")
            assert status == 200
            last_seen = max(reply["id"] for reply in data["replies"])
            outbox_id = await operator_says(siaga, sid, OPERATOR_TEXT)

            # Someone who learnt the session id reads first, twice, from elsewhere.
            async with client_from("127.0.0.6") as snoop:
                for _ in range(2):
                    await read(snoop, siaga, sid, None)
                    await read(snoop, siaga, sid, last_seen)

            # The person's page still gets the reply, and again after a lost response.
            for _ in range(2):
                got = await read(worker, siaga, sid, last_seen)
                assert [(m["id"], m["text"], m["from"]) for m in got] == [
                    (outbox_id, OPERATOR_TEXT, "operator")
                ]
            assert await read(worker, siaga, sid, outbox_id) == []
