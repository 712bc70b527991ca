"""The web chat's HTTP API: history after a reload, deduplication, long messages, the page.

Every test runs against the full application on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.keys import SESSIONS
from storage import conversations, outbox
from storage.models import InboxEvent, Message, OutboxMessage
from tests.support.server import RunningSiaga, start_siaga

CRITICAL = "tolong majikan saya pukul saya sekarang, saya dikunci di kamar"
OPERATOR_TEXT = "Halo, saya petugas Command Centre. Kami menghubungi KJRI sekarang."


@pytest.fixture
async def siaga(
    database_url: str, settings_factory: Callable[..., Settings]
) -> AsyncIterator[RunningSiaga]:
    """The full application (dispatcher, sender, every route) on a fresh database."""
    server = await start_siaga(settings_factory(database_url))
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


def new_session() -> str:
    return "web-" + uuid.uuid4().hex


async def send(
    http: aiohttp.ClientSession,
    siaga: RunningSiaga,
    session_id: str,
    text: str,
    *,
    message_id: str | None = None,
    payload: str | None = None,
) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {
        "session_id": session_id,
        "text": text,
        "message_id": message_id or uuid.uuid4().hex,
    }
    if payload is not None:
        body["payload"] = payload
    async with http.post(f"{siaga.url}/api/webchat/messages", json=body) as resp:
        return resp.status, await resp.json()


async def history(
    http: aiohttp.ClientSession, siaga: RunningSiaga, session_id: str | None
) -> tuple[int, dict[str, Any]]:
    params = {} if session_id is None else {"session_id": session_id}
    async with http.get(f"{siaga.url}/api/webchat/history", params=params) as resp:
        return resp.status, await resp.json()


async def poll(
    http: aiohttp.ClientSession, siaga: RunningSiaga, session_id: str, after: int | None = None
) -> list[dict[str, Any]]:
    params = {"session_id": session_id}
    if after is not None:
        params["after"] = str(after)
    async with http.get(f"{siaga.url}/api/webchat/messages", params=params) as resp:
        assert resp.status == 200
        messages: list[dict[str, Any]] = (await resp.json())["messages"]
        return messages


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


async def outbox_status(siaga: RunningSiaga, outbox_id: int) -> str:
    async with siaga.app[SESSIONS]() as session:
        row = await session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row.status


def utc(value: str) -> datetime:
    assert value.endswith("Z"), value
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() == UTC.utcoffset(None)
    return moment


async def test_history_lists_the_conversation_in_order(
    siaga: RunningSiaga, http: aiohttp.ClientSession
) -> None:
    sid = new_session()
    status, greeting = await send(http, siaga, sid, "halo", message_id="w-1")
    assert status == 200
    assert greeting["replies"]
    status, report = await send(http, siaga, sid, CRITICAL, message_id="w-2")
    assert status == 200
    reference = re.search(r"SGA-[A-Z0-9]+", " ".join(r["text"] for r in report["replies"]))
    assert reference, report

    status, data = await history(http, siaga, sid)
    assert status == 200
    messages = data["messages"]
    senders = [m["from"] for m in messages]
    assert senders[0] == "worker"
    assert messages[0]["text"] == "halo"
    assert messages[0]["message_id"] == "w-1"
    critical_at = senders.index("worker", 1)
    assert messages[critical_at]["text"] == CRITICAL
    assert messages[critical_at]["message_id"] == "w-2"
    assert set(senders[1:critical_at]) == {"bot"}
    assert set(senders[critical_at + 1 :]) == {"bot"}
    # The bot's messages are the replies the page got, in the same order, with their outbox ids.
    replies = [*greeting["replies"], *report["replies"]]
    bots = [m for m in messages if m["from"] == "bot"]
    assert [m["outbox_id"] for m in bots] == [r["id"] for r in replies]
    for logged, sent in zip(bots, replies, strict=True):
        # The log keeps a case PIN masked (flows.types.Reply.secret): a reload does not show it
        # again; everything else is what the page was sent.
        if "••••••" in logged["text"]:
            assert logged["text"] != sent["text"]
        else:
            assert logged["text"] == sent["text"]
    assert any(reference.group(0) in m["text"] for m in bots), "the case reference is kept"
    # Oldest first, in UTC.
    ids = [m["id"] for m in messages]
    assert ids == sorted(set(ids))
    times = [utc(m["created_at"]) for m in messages]
    assert times == sorted(times)
    assert not any(m["pending"] for m in messages)
    # Only the last bot message keeps its buttons: the others can no longer be pressed.
    assert [bool(m["buttons"]) for m in messages[:-1]] == [False] * (len(messages) - 1)
    assert messages[-1]["buttons"] == report["replies"][-1]["buttons"]

    # An operator's message comes last, from "operator"; the bot's buttons are then gone.
    await operator_says(siaga, sid, OPERATOR_TEXT)
    status, data = await history(http, siaga, sid)
    assert status == 200
    last = data["messages"][-1]
    assert (last["from"], last["text"]) == ("operator", OPERATOR_TEXT)
    assert not any(m["buttons"] for m in data["messages"])


async def test_the_welcome_is_shown_without_storing_anything(
    siaga: RunningSiaga, http: aiohttp.ClientSession
) -> None:
    for lang, words, other in (("id", "Lapor", "English"), ("en", "Report", "Bahasa")):
        async with http.get(f"{siaga.url}/api/webchat/welcome?lang={lang}") as resp:
            assert resp.status == 200
            [welcome] = (await resp.json())["messages"]
        assert welcome["from"] == "bot"
        assert "Siaga" in welcome["text"]
        titles = [b["title"] for b in welcome["buttons"]]
        assert any(words in title for title in titles), titles
        assert any(other in title for title in titles), titles
        assert {b["payload"] for b in welcome["buttons"]} >= {"report", "handoff", "status"}
    # Opening the page is not a conversation: nothing in the inbox, the log or the outbox.
    sid = new_session()
    status, data = await history(http, siaga, sid)
    assert (status, data["messages"]) == (200, [])
    async with siaga.app[SESSIONS]() as session:
        for model in (InboxEvent, Message, OutboxMessage):
            assert (await session.execute(select(func.count()).select_from(model))).scalar() == 0


async def test_reading_history_does_not_deliver_anything(
    siaga: RunningSiaga, http: aiohttp.ClientSession
) -> None:
    sid = new_session()
    assert (await send(http, siaga, sid, "halo"))[0] == 200
    outbox_id = await operator_says(siaga, sid, OPERATOR_TEXT)

    for _ in range(2):
        status, data = await history(http, siaga, sid)
        assert status == 200
        assert data["messages"][-1]["outbox_id"] == outbox_id
        assert await outbox_status(siaga, outbox_id) == "pending"

    # The poll hands it over, and records that it did; reading again takes nothing away
    # (issue 14), and the page asks only for what came after the last reply it has.
    before = outbox_id - 1
    assert [m["id"] for m in await poll(http, siaga, sid, after=before)] == [outbox_id]
    assert await outbox_status(siaga, outbox_id) == "fetched"
    assert [m["id"] for m in await poll(http, siaga, sid, after=before)] == [outbox_id]
    assert await poll(http, siaga, sid, after=outbox_id) == []
    status, data = await history(http, siaga, sid)
    assert data["messages"][-1]["text"] == OPERATOR_TEXT


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"session_id": ""},
        {"session_id": "short"},
        {"session_id": "bad id!!"},
        {"session_id": "x" * 65},
    ],
    ids=["missing", "empty", "short", "characters", "long"],
)
async def test_history_rejects_a_bad_session_id(
    siaga: RunningSiaga, http: aiohttp.ClientSession, params: dict[str, str]
) -> None:
    async with http.get(f"{siaga.url}/api/webchat/history", params=params) as resp:
        assert resp.status == 400
        assert "session_id" in (await resp.json())["error"]


async def test_history_of_an_unknown_session_is_empty(
    siaga: RunningSiaga, http: aiohttp.ClientSession
) -> None:
    status, data = await history(http, siaga, new_session())
    assert status == 200
    assert data["messages"] == []


async def test_a_resent_message_is_stored_once(
    siaga: RunningSiaga, http: aiohttp.ClientSession
) -> None:
    sid = new_session()
    status, first = await send(http, siaga, sid, "gaji saya belum dibayar", message_id="w-same")
    assert status == 200
    assert first["replies"]
    status, again = await send(http, siaga, sid, "gaji saya belum dibayar", message_id="w-same")
    assert (status, again) == (200, {"replies": [], "duplicate": True})
    status, data = await history(http, siaga, sid)
    assert [m["message_id"] for m in data["messages"] if m["from"] == "worker"] == ["w-same"]


async def test_a_too_long_message_is_refused_with_what_to_cut(
    siaga: RunningSiaga, http: aiohttp.ClientSession
) -> None:
    sid = new_session()
    status, data = await send(http, siaga, sid, "a" * 4100)
    assert status == 400
    assert data["code"] == "too_long"
    assert (data["length"], data["max_length"]) == (4100, 4096)
    assert "4096" in data["error"]
    assert "by 4 characters" in data["error"]
    async with siaga.app[SESSIONS]() as session:
        assert (await session.execute(select(func.count(InboxEvent.id)))).scalar_one() == 0
    # Code points are counted, as the page counts them: 4096 emoji are not too long.
    status, _data = await send(http, siaga, sid, "\U0001f600" * 4096)
    assert status in (200, 202)


async def test_a_message_stored_but_not_handled_yet_is_in_the_history(
    postgres_url: str,
    settings_factory: Callable[..., Settings],
    http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A web-only instance (no dispatcher): the 202 case, and what a reload shows meanwhile."""
    monkeypatch.setattr("bot.webchat.REPLY_WAIT_SECONDS", 0.2)
    web = await start_siaga(settings_factory(postgres_url, role="web"))
    try:
        sid = new_session()
        status, data = await send(
            http, web, sid, "paspor saya ditahan agensi", message_id="w-wait"
        )
        assert (status, data) == (202, {"replies": [], "pending": True})
        status, data = await history(http, web, sid)
        assert status == 200
        [item] = data["messages"]
        assert item["pending"] is True
        assert (item["from"], item["message_id"]) == ("worker", "w-wait")
        assert item["text"] == "paspor saya ditahan agensi"
        utc(item["created_at"])
    finally:
        await web.stop()


async def test_the_page_is_self_contained(
    siaga: RunningSiaga, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{siaga.url}/") as resp:
        assert resp.status == 200
        page = await resp.text()
        csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    for needed in ['<script src="/webchat.js"', 'href="/webchat.css"', "/api/webchat/history"]:
        assert needed in page
    for call_centre in ['href="tel:08001000"', 'href="tel:+622129244800"']:
        assert call_centre in page
    assets = {}
    for name, kind in [("webchat.js", "text/javascript"), ("webchat.css", "text/css")]:
        async with http.get(f"{siaga.url}/{name}") as resp:
            assert resp.status == 200
            assert resp.content_type == kind
            assets[name] = await resp.text()
    # No fonts, CDNs or other hosts: everything comes from this server.
    for text in [page, *assets.values()]:
        assert not re.search(
            r"""(src|href)=["']?(https?:)?//|@import|url\(\s*["']?(https?:)?//""", text
        )
    for html_sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"]:
        assert html_sink not in assets["webchat.js"]
