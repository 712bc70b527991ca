"""The console inside the whole application, without a browser: web chat in, console out.

Runs on SQLite and PostgreSQL; the two-instance test runs two complete applications on one
PostgreSQL database, as a load-balanced deployment would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.config import Settings
from bot.keys import SESSIONS
from storage.operators import create_operator
from tests.console.conftest import PASSWORD
from tests.console.test_browser import CRITICAL
from tests.support.server import RunningSiaga, start_siaga
from tests.support.webchat import WebChat


class Operator:
    """An operator's HTTP session against one instance's console API."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        """Use ``http`` (its own cookie jar) against ``base``."""
        self.base = base
        self.http = http
        self.csrf = ""

    async def login(self, username: str) -> None:
        """Log in; keeps the CSRF token."""
        async with self.http.post(
            f"{self.base}/api/console/login", json={"username": username, "password": PASSWORD}
        ) as resp:
            data = await resp.json()
            assert resp.status == 200, data
            self.csrf = data["operator"]["csrf_token"]

    async def get(self, path: str, **params: str) -> Any:
        """GET a console endpoint (must succeed)."""
        async with self.http.get(f"{self.base}{path}", params=params) as resp:
            data = await resp.json()
            assert resp.status == 200, data
            return data

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """POST with the CSRF token."""
        async with self.http.post(
            f"{self.base}{path}", json=body or {}, headers={"X-CSRF-Token": self.csrf}
        ) as resp:
            return resp.status, await resp.json()


def _http() -> aiohttp.ClientSession:
    """A client that keeps cookies from 127.0.0.1 (aiohttp refuses IP hosts by default)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _add_operators(server: RunningSiaga, *names: str) -> None:
    async with server.app[SESSIONS]() as session:
        for name in names:
            await create_operator(session, name, PASSWORD, "operator")
        await session.commit()


async def _poll_until(chat: WebChat, session_id: str, needle: str) -> list[dict[str, Any]]:
    """Poll the web chat like the page does until a message containing ``needle`` arrives."""
    seen: list[dict[str, Any]] = []
    while not any(needle in m["text"] for m in seen):
        seen.extend(await chat.poll(session_id))
        await asyncio.sleep(0.2)
    return seen


async def test_case_from_web_chat_is_worked_in_the_console(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    chat = WebChat(settings_factory(database_url))
    await chat.start()
    try:
        await _work_a_case(chat)
    finally:
        await chat.close()


async def _work_a_case(chat: WebChat) -> None:
    assert chat.server is not None
    await _add_operators(chat.server, "ana")
    async with _http() as http:
        ana = Operator(chat.url, http)
        await ana.login("ana")
        replies = await chat.send("web-worker-0001", CRITICAL)
        assert any("SGA-" in r["text"] for r in replies)
        queue = (await ana.get("/api/console/queue"))["cases"]
        assert [c["urgency"] for c in queue] == ["critical"]
        ref = queue[0]["reference"]
        status, _ = await ana.post(f"/api/console/cases/{ref}/take")
        assert status == 200

        # The bot is silent while the operator holds the conversation.
        assert await chat.send("web-worker-0001", "terima kasih pak") == []

        status, _ = await ana.post(
            f"/api/console/cases/{ref}/reply", {"text": "Kami segera bantu"}
        )
        assert status == 201
        await _poll_until(chat, "web-worker-0001", "Kami segera bantu")
        view = await ana.get(f"/api/console/cases/{ref}")
        assert view["messages"][-1]["delivery"]["delivery_status"] == "delivered"
        assert [m["text"] for m in view["messages"] if m["direction"] == "in"][-1] == (
            "terima kasih pak"
        )

        status, _ = await ana.post(f"/api/console/cases/{ref}/handback")
        assert status == 200
        await _poll_until(chat, "web-worker-0001", "Siaga")  # told the assistant is back
        assert await chat.send("web-worker-0001", "halo") != []  # and the bot answers again

        status, _ = await ana.post(
            f"/api/console/cases/{ref}/status",
            {"status": "resolved", "resolution": "Dievakuasi ke shelter KJRI"},
        )
        assert status == 200
        await _poll_until(chat, "web-worker-0001", ref)
        assert (await ana.get("/api/console/queue"))["cases"] == []


async def test_two_instances_share_the_queue_and_live_updates(
    postgres_url: str, settings_factory: Callable[..., Settings]
) -> None:
    settings = settings_factory(postgres_url)
    first = await start_siaga(settings)
    second = await start_siaga(settings)
    chat = WebChat(settings)
    chat.server = first  # the worker's chat goes to instance 1
    try:
        await _add_operators(first, "ana", "budi")
        async with _http() as http_a, _http() as http_b:
            ana = Operator(second.url, http_a)  # the operators use instance 2
            budi = Operator(first.url, http_b)
            await ana.login("ana")
            await budi.login("budi")
            async with http_a.get(f"{second.url}/api/console/events") as events:
                assert (await events.content.readline()).startswith(b"retry:")
                await chat.send("web-worker-0002", CRITICAL)
                new_case: dict[str, Any] = {}
                event = ""
                async for raw in events.content:
                    line = raw.decode().strip()
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "case_new":
                        new_case = json.loads(line[6:])
                        break
            assert new_case["urgency"] == "critical"
            ref = new_case["reference"]
            results = await asyncio.gather(
                ana.post(f"/api/console/cases/{ref}/take"),
                budi.post(f"/api/console/cases/{ref}/take"),
            )
            assert sorted(status for status, _ in results) == [200, 409]
    finally:
        await chat.http.close()
        await second.stop()
        await first.stop()


async def test_the_pin_is_masked_for_operators_and_erasure_works_end_to_end(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    """Issue 13: the PIN was shown in plain text in the console; "hapus data saya" did nothing."""
    chat = WebChat(settings_factory(database_url))
    await chat.start()
    try:
        assert chat.server is not None
        async with chat.server.app[SESSIONS]() as session:
            await create_operator(session, "sari", PASSWORD, "supervisor")
            await create_operator(session, "ana", PASSWORD, "operator")
            await session.commit()
        s = "web-worker-erase"
        replies = await chat.send(s, CRITICAL)
        first = replies[0]["text"]
        pin = first.split("PIN: *")[1][:6]
        assert pin.isdigit()  # the worker sees her PIN (defect 6)
        async with _http() as http:
            sari = Operator(chat.url, http)
            await sari.login("sari")
            ref = (await sari.get("/api/console/queue"))["cases"][0]["reference"]
            view = await sari.get(f"/api/console/cases/{ref}")
            shown = " ".join(m["text"] for m in view["messages"])
            assert pin not in shown  # operators never see it (defect 5)
            assert "••••••" in shown

            await chat.send(s, "Aman sekarang", payload="safe:yes")
            await chat.send(s, "Lewati", payload="skip")
            replies = await chat.send(s, "tolong hapus data saya")
            assert any("erase:yes" in str(r.get("buttons")) for r in replies)
            replies = await chat.send(s, "Ya, hapus", payload="erase:yes")
            assert "14 hari" in replies[0]["text"]

            async with _http() as other:
                ana = Operator(chat.url, other)
                await ana.login("ana")
                async with other.get(f"{chat.url}/api/console/erasure-requests") as resp:
                    assert resp.status == 403  # supervisors only
            [request] = (await sari.get("/api/console/erasure-requests"))["requests"]
            assert request["cases"] == [ref]
            status, data = await sari.post(
                f"/api/console/erasure-requests/{request['id']}/execute"
            )
            assert status == 200, data
            assert data["erased"]["messages"] >= 4
            view = await sari.get(f"/api/console/cases/{ref}")
            assert all(m["text"] == "" for m in view["messages"])
            assert view["case"]["status"] == "closed"
            assert (await sari.get("/api/console/erasure-requests"))["requests"] == []
            status, _ = await sari.post(f"/api/console/erasure-requests/{request['id']}/execute")
            assert status == 409  # done once
    finally:
        await chat.close()
