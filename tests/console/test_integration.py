"""Integration without screen-scraping (issue 15, part 6): signed outbound webhooks through an
outbox with retries, checked by a local receiver (signatures, retries, order per case, personal
data only where allowed), and scoped API tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from bot.outbound import WebhookSender
from nlu.types import Urgency
from storage.integration import MAX_ATTEMPTS
from storage.models import AuditEntry, WebhookDelivery, utcnow
from tests.console.conftest import Console, seed_case


@dataclass
class Receiver:
    """A subscriber's endpoint: records every request, checks signatures, fails on demand."""

    url: str = ""
    secrets: dict[str, str] = field(default_factory=dict)
    # (path, case reference) -> how many requests about that case to fail
    fail: dict[tuple[str, str], int] = field(default_factory=dict)
    always_fail: set[str] = field(default_factory=set)
    seen: list[tuple[str, int, dict[str, Any], bool]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        path = request.match_info["name"]
        body = await request.read()
        stamp, _, mac = request.headers["X-Siaga-Signature"].partition(",v1=")
        timestamp = stamp.removeprefix("t=")
        expected = hmac.new(
            self.secrets[path].encode(), f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        valid = hmac.compare_digest(mac, expected)
        payload = json.loads(body)
        assert request.headers["X-Siaga-Event"] == payload["event"]
        assert request.headers["X-Siaga-Delivery"] == payload["id"]
        key = (path, payload["case"]["reference"])
        failing = path in self.always_fail or self.fail.get(key, 0) > 0
        if failing and path not in self.always_fail:
            self.fail[key] -= 1
        status = 500 if failing or not valid else 200
        self.seen.append((path, status, payload, valid))
        return web.Response(status=status)

    def delivered(self, path: str) -> list[dict[str, Any]]:
        return [p for name, status, p, _ in self.seen if name == path and status == 200]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hooks/{name}", rec.handle)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    rec.url = str(client.make_url("/hooks/"))
    try:
        yield rec
    finally:
        await client.close()


async def _webhook(console: Console, receiver: Receiver, name: str, **body: Any) -> dict[str, Any]:
    status, data = await console.post(
        "/api/console/webhooks", {"name": name, "url": receiver.url + name, **body}
    )
    assert status == 201, data
    receiver.secrets[name] = data["secret"]
    return dict(data["webhook"])


async def _deliver_all(console: Console, rounds: int = 30) -> None:
    """Run delivery rounds, letting the backoff pass between them."""
    async with aiohttp.ClientSession() as http:
        sender = WebhookSender(console.sessions, http)
        for _ in range(rounds):
            await sender.run_once()
            async with console.sessions() as session:
                pending = (
                    await session.execute(
                        select(WebhookDelivery).where(WebhookDelivery.status == "pending")
                    )
                ).all()
                if not pending:
                    return
                await session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.status == "pending")
                    .values(next_attempt_at=utcnow())
                )
                await session.commit()


async def test_case_events_are_signed_retried_and_ordered_per_case(
    console: Console, receiver: Receiver
) -> None:
    await console.login("root")
    await _webhook(console, receiver, "siskop2mi")
    await _webhook(console, receiver, "peduli", events=["case.created"], personal_data=True)

    ref = await seed_case(
        console.sessions, name="Siti", fields={"country": "Malaysia", "worker_name": "Siti Aminah"}
    )
    other = await seed_case(console.sessions)
    receiver.fail[("siskop2mi", ref)] = 2  # the case's first event fails twice
    await console.login("ana")
    await console.post(f"/api/console/cases/{ref}/take")
    await console.post(f"/api/console/cases/{ref}/corrections", {"urgency": "critical"})
    await console.post(
        f"/api/console/cases/{ref}/referrals",
        {"partner_key": "mission:MY:kbri-kuala-lumpur", "request": "cek majikan"},
    )
    await console.post(
        f"/api/console/cases/{ref}/status", {"status": "closed", "resolution": "gaji dibayar"}
    )
    await _deliver_all(console)

    assert all(valid for *_, valid in receiver.seen)
    events = [p["event"] for p in receiver.delivered("siskop2mi") if p["case"]["reference"] == ref]
    assert events == [
        "case.created",
        "case.urgency_changed",
        "case.referred",
        "case.status_changed",  # in progress -> referred
        "case.closed",
    ]
    # Order per case: nothing about the case arrived before its first event finally went through.
    tries = [
        (status, p["event"])
        for name, status, p, _ in receiver.seen
        if name == "siskop2mi" and p["case"]["reference"] == ref
    ]
    assert tries[:3] == [(500, "case.created"), (500, "case.created"), (200, "case.created")]
    # No personal data to a subscriber that was not allowed it; names to the one that was.
    for payload in receiver.delivered("siskop2mi"):
        assert "affected_name" not in payload["case"]
        assert "Siti" not in json.dumps(payload)
    peduli = receiver.delivered("peduli")
    assert {p["event"] for p in peduli} == {"case.created"}
    assert {p["case"]["reference"] for p in peduli} == {ref, other}
    mine = next(p for p in peduli if p["case"]["reference"] == ref)
    assert mine["case"]["affected_name"] == "Siti Aminah"
    referred = next(p for p in receiver.delivered("siskop2mi") if p["event"] == "case.referred")
    assert referred["data"]["partner"] == "KBRI Kuala Lumpur"
    async with console.sessions() as session:
        rows = (await session.execute(select(WebhookDelivery))).scalars().all()
    assert {r.status for r in rows} == {"sent"}
    assert max(r.attempts for r in rows) == 3


async def test_a_delivery_that_keeps_failing_is_given_up_and_shown(
    console: Console, receiver: Receiver
) -> None:
    await console.login("root")
    await _webhook(console, receiver, "down")
    receiver.always_fail.add("down")
    ref = await seed_case(console.sessions, urgency=Urgency.HIGH)
    await _deliver_all(console, rounds=MAX_ATTEMPTS + 2)
    assert len([1 for name, *_ in receiver.seen if name == "down"]) == MAX_ATTEMPTS
    status, data = await console.get("/api/console/webhooks/deliveries", status="failed")
    assert status == 200
    assert [
        (d["case"], d["event"], d["attempts"], d["last_error"]) for d in data["deliveries"]
    ] == [(ref, "case.created", MAX_ATTEMPTS, "HTTP 500")]
    assert "payload" not in data["deliveries"][0]


async def test_webhooks_are_for_admins_and_audited(console: Console, receiver: Receiver) -> None:
    await console.login("sari")
    status, _ = await console.post("/api/console/webhooks", {"name": "x", "url": receiver.url})
    assert status == 403
    await console.login("root")
    status, data = await console.post("/api/console/webhooks", {"name": "x", "url": "ftp://x"})
    assert status == 400
    status, data = await console.post(
        "/api/console/webhooks", {"name": "x", "url": receiver.url, "events": ["case.eaten"]}
    )
    assert status == 400
    hook = await _webhook(console, receiver, "pwni", personal_data=True)
    status, data = await console.get("/api/console/webhooks")
    assert "secret" not in json.dumps(data)
    status, data = await console.post(
        f"/api/console/webhooks/{hook['id']}/active", {"active": False}
    )
    assert (status, data["webhook"]["active"]) == (200, False)
    await seed_case(console.sessions)
    await _deliver_all(console)
    assert receiver.seen == []  # a paused subscriber gets nothing
    async with console.sessions() as session:
        actions = [
            (e.action, e.detail.get("personal_data"))
            for e in (await session.execute(select(AuditEntry))).scalars()
            if e.action.startswith("webhook")
        ]
    assert actions == [("webhook_created", True), ("webhook_paused", None)]


async def test_api_tokens_read_only_what_their_scopes_allow(console: Console) -> None:
    ref = await seed_case(console.sessions)
    await console.login("ana")
    status, _ = await console.post("/api/console/tokens", {"name": "x", "scopes": ["cases:read"]})
    assert status == 403
    await console.login("root")
    status, _ = await console.post("/api/console/tokens", {"name": "x", "scopes": ["all"]})
    assert status == 400
    status, data = await console.post(
        "/api/console/tokens", {"name": "siskop2mi", "scopes": ["cases:read"]}
    )
    assert status == 201
    token, token_id = data["value"], data["token"]["id"]
    _, listed = await console.get("/api/console/tokens")
    assert token not in json.dumps(listed)

    async with aiohttp.ClientSession() as http:
        base = str(console.client.make_url(""))
        auth = {"Authorization": f"Bearer {token}"}

        async def call(method: str, path: str) -> int:
            async with http.request(method, base + path, headers=auth, json={}) as resp:
                return resp.status

        assert await call("GET", "/api/console/queue") == 200
        assert await call("GET", f"/api/console/cases/{ref}") == 200
        assert await call("GET", "/api/console/dashboard") == 403  # no stats:read
        assert await call("POST", f"/api/console/cases/{ref}/take") == 403
        assert await call("GET", "/api/console/operators") == 403
        async with http.get(
            base + "/api/console/queue", headers={"Authorization": "Bearer siaga_forged"}
        ) as resp:
            assert resp.status == 401
        status, _ = await console.post(f"/api/console/tokens/{token_id}/revoke")
        assert status == 200
        assert await call("GET", "/api/console/queue") == 401
    async with console.sessions() as session:
        actions = [
            e.action
            for e in (await session.execute(select(AuditEntry))).scalars()
            if e.action.startswith("api_token")
        ]
    assert actions == ["api_token_created", "api_token_revoked"]
