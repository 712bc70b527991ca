"""Accounts an admin can run (issue 15, part 4): own password change, admin reset with a forced
change, deactivation that ends sessions on every instance, TOTP, SIAGA_REQUIRE_2FA=admins, and
landing on the requested page after login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp

from bot.config import Settings
from bot.console.auth import safe_next
from storage.models import utcnow
from storage.operators import create_operator
from tests.console.conftest import PASSWORD, Console, make_console

NEW_PASSWORD = "kuda baterai benar staples"


async def _second_client(console: Console) -> Console:
    """Another browser on the same instance."""
    from aiohttp.test_utils import TestClient

    client: TestClient[Any, Any] = TestClient(console.client.server)
    await client.start_server()
    return Console(client=client, sessions=console.sessions, settings=console.settings)


async def _id_of(console: Console, username: str) -> int:
    _, data = await console.get("/api/console/operators")
    return int(next(o["id"] for o in data["operators"] if o["username"] == username))


async def test_changing_my_password_ends_my_other_sessions(console: Console) -> None:
    other = await _second_client(console)
    try:
        await other.login("ana")
        await console.login("ana")
        status, data = await console.post(
            "/api/console/me/password",
            {"current_password": "not my password", "new_password": NEW_PASSWORD},
        )
        assert (status, data["error"]) == (400, "the current password is wrong")
        status, data = await console.post(
            "/api/console/me/password", {"current_password": PASSWORD, "new_password": "short"}
        )
        assert status == 400
        assert "10 characters" in data["error"]
        status, _ = await console.post(
            "/api/console/me/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert status == 200
        assert (await console.get("/api/console/me"))[0] == 200  # this session goes on
        assert (await other.get("/api/console/me"))[0] == 401  # the other one ended
        resp = await other.client.post(
            "/api/console/login", json={"username": "ana", "password": PASSWORD}
        )
        assert resp.status == 401
        await other.login("ana", NEW_PASSWORD)
    finally:
        await other.client.close()


async def test_an_admin_reset_forces_a_new_password_at_the_next_login(console: Console) -> None:
    ana = await _second_client(console)
    try:
        await ana.login("ana")
        await console.login("root")
        ana_id = await _id_of(console, "ana")
        status, data = await console.post(
            f"/api/console/operators/{ana_id}/password", {"password": "sementara-123"}
        )
        assert status == 200
        assert (await ana.get("/api/console/me"))[0] == 401  # logged out at once
        resp = await ana.client.post(
            "/api/console/login", json={"username": "ana", "password": "sementara-123"}
        )
        body = await resp.json()
        assert resp.status == 200
        assert body["action"] == "change_password"
        ana.csrf = body["operator"]["csrf_token"]
        status, data = await ana.get("/api/console/queue")
        assert (status, data["action"]) == (403, "change_password")
        page = await ana.client.get("/console", allow_redirects=False)
        assert page.headers["Location"] == "/console/account"
        page = await ana.client.get("/console/account")
        assert page.status == 200
        assert "Kata sandi Anda direset oleh admin" in await page.text()
        status, _ = await ana.post(
            "/api/console/me/password",
            {"current_password": "sementara-123", "new_password": NEW_PASSWORD},
        )
        assert status == 200
        assert (await ana.get("/api/console/queue"))[0] == 200
        _, data = await console.get("/api/console/operators")
        row = next(o for o in data["operators"] if o["username"] == "ana")
        assert row["must_change_password"] is False
        await console.login("sari")
        status, _ = await console.post(
            f"/api/console/operators/{ana_id}/password", {"password": "sementara-456"}
        )
        assert status == 403  # only admins
    finally:
        await ana.client.close()


async def test_deactivation_ends_sessions_on_every_instance(
    console: Console, migrated: str
) -> None:
    other, engine = await make_console(migrated, console.settings)  # a second instance
    try:
        await other.login("ana")
        assert (await other.get("/api/console/queue"))[0] == 200
        await console.login("root")
        ana_id = await _id_of(console, "ana")
        root_id = await _id_of(console, "root")
        status, data = await console.post(
            f"/api/console/operators/{ana_id}/active", {"active": False}
        )
        assert (status, data["active"]) == (200, False)
        assert (await other.get("/api/console/queue"))[0] == 401
        resp = await other.client.post(
            "/api/console/login", json={"username": "ana", "password": PASSWORD}
        )
        assert resp.status == 401
        assert "disabled" in (await resp.json())["error"]
        status, data = await console.post(
            f"/api/console/operators/{root_id}/active", {"active": False}
        )
        assert status == 409
        status, data = await console.post(
            f"/api/console/operators/{ana_id}/active", {"active": "no"}
        )
        assert status == 400
        status, _ = await console.post("/api/console/operators/999999/active", {"active": True})
        assert status == 404
        await console.post(f"/api/console/operators/{ana_id}/active", {"active": True})
        await other.login("ana")
    finally:
        await other.client.close()
        await engine.dispose()


async def test_totp_second_factor(console: Console) -> None:
    await console.login("ana")
    status, data = await console.post("/api/console/me/totp")
    assert status == 200
    assert data["otpauth_uri"].startswith("otpauth://totp/Siaga:ana?")
    totp = pyotp.TOTP(data["secret"])
    status, _ = await console.post("/api/console/me/totp/enable", {"code": "000000"})
    assert status == 400
    status, _ = await console.post("/api/console/me/totp/enable", {"code": totp.now()})
    assert status == 200

    async def login(**body: str) -> tuple[int, dict[str, Any]]:
        resp = await console.client.post(
            "/api/console/login", json={"username": "ana", "password": PASSWORD, **body}
        )
        return resp.status, await resp.json()

    status, data = await login()
    assert (status, data["totp_required"]) == (401, True)
    status, data = await login(code="123456")
    assert status == 401
    assert data["totp_required"] is True
    code = totp.at(utcnow(), counter_offset=1)  # the next step: the current one was used
    status, data = await login(code=code)
    assert status == 200, data
    status, data = await login(code=code)
    assert status == 401  # a code is good once
    status, data = await login(code="654321")
    assert (status, data["error"]) == (401, "Wrong code from the authenticator app.")
    status, data = await login(code="111111")
    assert status == 401
    assert "locked" in data["error"]  # wrong codes count like wrong passwords (limit: 3)
    status, data = await login(code=totp.at(utcnow(), counter_offset=1))
    assert status == 401
    assert "locked" in data["error"]  # even with a good code now


async def test_admins_must_set_up_totp_when_required(
    migrated: str, settings_factory: Callable[..., Settings]
) -> None:
    con, engine = await make_console(migrated, settings_factory(migrated, require_2fa="admins"))
    try:
        async with con.sessions() as session:
            await create_operator(session, "root", PASSWORD, "admin")
            await create_operator(session, "ana", PASSWORD, "operator")
            await session.commit()
        resp = await con.client.post(
            "/api/console/login", json={"username": "root", "password": PASSWORD}
        )
        body = await resp.json()
        assert body["action"] == "setup_totp"
        con.csrf = body["operator"]["csrf_token"]
        status, data = await con.get("/api/console/operators")
        assert (status, data["action"]) == (403, "setup_totp")
        _, data = await con.post("/api/console/me/totp")
        await con.post("/api/console/me/totp/enable", {"code": pyotp.TOTP(data["secret"]).now()})
        assert (await con.get("/api/console/operators"))[0] == 200
        status, data = await con.post(
            "/api/console/me/totp/disable", {"password": PASSWORD, "code": "000000"}
        )
        assert status == 409
        await con.login("ana")  # operators are not required to
        assert (await con.get("/api/console/queue"))[0] == 200
    finally:
        await con.client.close()
        await engine.dispose()


async def test_after_login_the_operator_lands_on_the_page_asked_for(console: Console) -> None:
    resp = await console.client.get("/console/cases/SGA-ABC123?x=1", allow_redirects=False)
    location = urlsplit(resp.headers["Location"])
    assert location.path == "/console/login"
    assert parse_qs(location.query)["next"] == ["/console/cases/SGA-ABC123?x=1"]
    await console.login("ana")
    resp = await console.client.get(
        "/console/login", params={"next": "/console/handover"}, allow_redirects=False
    )
    assert resp.headers["Location"] == "/console/handover"
    for bad in (
        "https://evil.example/",
        "//evil.example",
        "/console//evil.example",
        "/x",
        "/console\\\\evil",
        "/console/login?next=/console",
    ):
        assert safe_next(bad) == "/console", bad
    assert safe_next("/console/cases/SGA-ABC123") == "/console/cases/SGA-ABC123"
