"""The console API as operators, supervisors and admins use it, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.console.openapi import ENDPOINTS
from nlu.types import Urgency
from storage.models import AuditEntry, Case, Conversation, Operator, OutboxMessage, utcnow
from tests.console.conftest import PASSWORD, Console, seed_case


def _concrete(path: str) -> str:
    return (
        path.replace("{reference}", "SGA-XXXXXX")
        .replace("{operator_id}", "1")
        .replace("{request_id}", "1")
        .replace("{referral_id}", "1")
        .replace("{webhook_id}", "1")
        .replace("{token_id}", "1")
        .replace("{key}", "0" * 64)
    )


# --- logged out, roles, CSRF -----------------------------------------------------------------


async def test_logged_out_user_sees_nothing(console: Console) -> None:
    await seed_case(console.sessions)
    for method, path, role, *_ in ENDPOINTS:
        if role is None:
            continue
        resp = await console.client.request(method.upper(), _concrete(path), json={})
        assert resp.status == 401, (method, path)
        assert "SGA-" not in await resp.text()
    for page in ["/console", "/console/cases/SGA-XXXXXX", "/console/dashboard", "/console/admin"]:
        resp = await console.client.get(page, allow_redirects=False)
        assert resp.status == 302
        # The login form brings the operator back to the page they asked for (issue 15).
        assert resp.headers["Location"].split("?next=")[0] == "/console/login"


async def test_session_cookie_is_httponly_strict_and_secure_when_configured(
    migrated: str, settings_factory: Any
) -> None:
    from storage.operators import create_operator
    from tests.console.conftest import make_console

    con, engine = await make_console(migrated, settings_factory(migrated, secure_cookies=True))
    try:
        async with con.sessions() as session:
            await create_operator(session, "ana", PASSWORD, "operator")
            await session.commit()
        resp = await con.client.post(
            "/api/console/login", json={"username": "ana", "password": PASSWORD}
        )
        cookie = resp.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Secure" in cookie
        assert PASSWORD not in cookie
    finally:
        await con.client.close()
        await engine.dispose()


async def test_forged_cookie_is_refused(console: Console) -> None:
    await console.login("ana")
    token = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/"))
    value = token["siaga_console"].value
    forged = value[:-2] + ("00" if not value.endswith("00") else "11")
    console.client.session.cookie_jar.clear()
    console.client.session.cookie_jar.update_cookies(
        {"siaga_console": forged}, response_url=console.client.make_url("/")
    )
    status, _ = await console.get("/api/console/queue")
    assert status == 401


async def test_operator_cannot_open_admin_or_supervision(console: Console) -> None:
    await console.login("ana")
    for path in ["/api/console/operators", "/api/console/dashboard", "/api/console/export.csv"]:
        resp = await console.client.get(path)
        assert resp.status == 403, path
    status, _ = await console.post(
        "/api/console/operators", {"username": "eve", "password": "x" * 12, "role": "admin"}
    )
    assert status == 403
    resp = await console.client.get("/console/admin")
    assert resp.status == 403
    assert "needs the <strong>admin</strong> role" in await resp.text()
    resp = await console.client.get("/console")
    body = await resp.text()
    assert resp.status == 200
    assert "/console/admin" not in body  # the menu does not offer it either


async def test_supervisor_sees_dashboard_but_not_admin(console: Console) -> None:
    await console.login("sari")
    assert (await console.client.get("/api/console/dashboard")).status == 200
    assert (await console.client.get("/console/dashboard")).status == 200
    assert (await console.client.get("/api/console/operators")).status == 403


async def test_admin_adds_operator_who_can_log_in(console: Console) -> None:
    await console.login("root")
    status, data = await console.post(
        "/api/console/operators", {"username": "dewi", "password": "short", "role": "operator"}
    )
    assert status == 400
    assert "at least 10" in data["error"]
    status, data = await console.post(
        "/api/console/operators", {"username": "dewi", "password": PASSWORD, "role": "operator"}
    )
    assert status == 201
    status, data = await console.post(
        "/api/console/operators", {"username": "dewi", "password": PASSWORD, "role": "operator"}
    )
    assert status == 400
    assert "already taken" in data["error"]
    await console.login("dewi")
    status, me = await console.get("/api/console/me")
    assert me["operator"]["role"] == "operator"


async def test_csrf_is_enforced(console: Console) -> None:
    ref = await seed_case(console.sessions)
    await console.login("ana")
    take = f"/api/console/cases/{ref}/take"
    resp = await console.client.post(take, json={})
    assert resp.status == 403
    assert "CSRF" in (await resp.json())["error"]
    resp = await console.client.post(take, json={}, headers={"X-CSRF-Token": "wrong"})
    assert resp.status == 403
    resp = await console.client.post(
        take,
        json={},
        headers={"X-CSRF-Token": console.csrf, "Origin": "https://evil.example"},
    )
    assert resp.status == 403
    async with console.sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        assert case.assigned_operator_id is None  # none of the refused requests changed it
    status, _ = await console.post(take)
    assert status == 200


async def test_login_from_another_site_or_as_a_form_is_refused(console: Console) -> None:
    resp = await console.client.post(
        "/api/console/login",
        json={"username": "ana", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert resp.status == 403
    resp = await console.client.post(
        "/api/console/login", data={"username": "ana", "password": PASSWORD}
    )
    assert resp.status == 415


async def test_lockout_after_repeated_failures(console: Console) -> None:
    for _ in range(2):
        resp = await console.client.post(
            "/api/console/login", json={"username": "ana", "password": "wrong password"}
        )
        assert resp.status == 401
        assert (await resp.json())["error"] == "Wrong username or password."
    resp = await console.client.post(
        "/api/console/login", json={"username": "ana", "password": "wrong password"}
    )
    data = await resp.json()
    assert resp.status == 401
    assert "locked" in data["error"]
    # The right password does not help while locked.
    resp = await console.client.post(
        "/api/console/login", json={"username": "ana", "password": PASSWORD}
    )
    assert resp.status == 401
    assert "locked" in (await resp.json())["error"]
    # An admin unlocks the account.
    await console.login("root")
    status, ops = await console.get("/api/console/operators")
    ana = next(o for o in ops["operators"] if o["username"] == "ana")
    assert ana["locked_until"] is not None
    status, _ = await console.post(f"/api/console/operators/{ana['id']}/unlock")
    assert status == 200
    await console.login("ana")
    async with console.sessions() as session:
        actions = list(
            (await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars()
        )
    assert actions.count("login_failed") == 2
    assert "login_locked" in actions
    assert "login_refused_locked" in actions
    assert "operator_unlocked" in actions


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(console: Console) -> None:
    resp = await console.client.post(
        "/api/console/login", json={"username": "nobody", "password": PASSWORD}
    )
    assert resp.status == 401
    assert (await resp.json())["error"] == "Wrong username or password."


async def test_logout_ends_the_session(console: Console) -> None:
    await console.login("ana")
    status, _ = await console.post("/api/console/logout")
    assert status == 200
    status, _ = await console.get("/api/console/queue")
    assert status == 401


# --- queue --------------------------------------------------------------------------------


async def test_queue_orders_by_urgency_then_waiting_time(console: Console) -> None:
    now = utcnow()
    old_normal = await seed_case(console.sessions, created_at=now - timedelta(hours=3))
    new_normal = await seed_case(console.sessions, created_at=now - timedelta(hours=1))
    critical = await seed_case(
        console.sessions,
        text="majikan pukul saya",
        intent="complaint.abuse",
        urgency=Urgency.CRITICAL,
        created_at=now - timedelta(minutes=1),
    )
    high = await seed_case(
        console.sessions, urgency=Urgency.HIGH, created_at=now - timedelta(minutes=30)
    )
    await console.login("ana")
    status, data = await console.get("/api/console/queue")
    assert status == 200
    assert [c["reference"] for c in data["cases"]] == [critical, high, old_normal, new_normal]
    assert data["cases"][0]["urgency"] == "critical"
    assert data["cases"][0]["urgency_reasons"] == ["lexicon:id:dipukul"]


async def test_queue_filters_and_search(console: Console) -> None:
    hk = await seed_case(
        console.sessions,
        channel="telegram",
        name="Siti Aminah",
        phone="+85291234567",
        fields={"country": "Hong Kong", "p3mi": "PT Maju"},
    )
    tw = await seed_case(
        console.sessions,
        intent="complaint.document_withheld",
        name="Rina",
        phone="+886912000111",
        fields={"country": "Taiwan"},
    )
    await console.login("ana")

    async def refs(**params: str) -> list[str]:
        status, data = await console.get("/api/console/queue", **params)
        assert status == 200
        return [c["reference"] for c in data["cases"]]

    assert await refs(country="Taiwan") == [tw]
    assert await refs(channel="telegram") == [hk]
    assert await refs(category="complaint.document_withheld") == [tw]
    assert sorted(await refs(category="complaint")) == sorted([hk, tw])
    assert await refs(q=hk.lower()) == [hk]
    assert await refs(q="91234567") == [hk]
    assert await refs(q="rina") == [tw]
    assert await refs(operator="none") == sorted([hk, tw], key=[hk, tw].index)
    await console.post(f"/api/console/cases/{tw}/take")
    assert await refs(operator="me") == [tw]
    assert await refs(status="in_progress") == [tw]
    _, opts = await console.get("/api/console/filters")
    assert {"Hong Kong", "Taiwan"} <= set(opts["countries"])


# --- case view, take over, reply ------------------------------------------------------------


async def test_case_view_shows_conversation_labels_and_is_audited(console: Console) -> None:
    ref = await seed_case(
        console.sessions,
        text="tolong majikan pukul saya",
        intent="complaint.abuse",
        urgency=Urgency.CRITICAL,
        fields={"worker_name": "Siti", "country": "Hong Kong", "reporter": "family"},
        media=[{"kind": "voice", "url": "a" * 64 + ".ogg", "mime_type": "audio/ogg"}],
    )
    await console.login("ana")
    status, data = await console.get(f"/api/console/cases/{ref}")
    assert status == 200
    assert data["case"]["urgency"] == "critical"
    assert data["case"]["fields"]["country"] == "Hong Kong"
    assert data["case"]["affected_name"] == "Siti"
    message = data["messages"][0]
    assert message["text"] == "tolong majikan pukul saya"
    assert message["nlu"]["intent"] == "complaint.abuse"
    assert message["nlu"]["urgency_reasons"] == ["lexicon:id:dipukul"]
    assert message["media"][0]["kind"] == "voice"
    async with console.sessions() as session:
        viewed = (
            (await session.execute(select(AuditEntry).where(AuditEntry.action == "viewed")))
            .scalars()
            .all()
        )
    assert len(viewed) == 1
    status, _ = await console.get("/api/console/cases/SGA-NOPE99")
    assert status == 404


async def test_take_over_silences_bot_and_blocks_second_operator(console: Console) -> None:
    ref = await seed_case(console.sessions)
    await console.login("ana")
    status, data = await console.post(f"/api/console/cases/{ref}/take")
    assert status == 200
    assert data["status"] == "in_progress"
    async with console.sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        conversation = await session.get(Conversation, case.conversation_id)
        assert conversation is not None
        ana = (
            await session.execute(select(Operator).where(Operator.username == "ana"))
        ).scalar_one()
        assert conversation.state == "handoff:active"
        assert conversation.owner_operator_id == ana.id
        assert case.assigned_operator_id == ana.id
    await console.login("budi")
    status, data = await console.post(f"/api/console/cases/{ref}/take")
    assert status == 409
    assert "ana" in data["error"]
    status, _ = await console.post(f"/api/console/cases/{ref}/take", {"force": True})
    assert status == 403  # only supervisors take a case from someone
    await console.login("sari")
    status, _ = await console.post(f"/api/console/cases/{ref}/take", {"force": True})
    assert status == 200


async def test_reply_goes_through_the_workers_channel_via_outbox(console: Console) -> None:
    ref = await seed_case(console.sessions, channel="telegram", user_id="777001")
    await console.login("ana")
    status, data = await console.post(f"/api/console/cases/{ref}/reply", {"text": "Halo"})
    assert status == 409  # take it first
    await console.post(f"/api/console/cases/{ref}/take")
    status, data = await console.post(
        f"/api/console/cases/{ref}/reply", {"text": "Halo, kami bantu."}
    )
    assert status == 201
    async with console.sessions() as session:
        row = await session.get(OutboxMessage, data["outbox_id"])
        assert row is not None
        assert (row.channel, row.recipient, row.origin) == ("telegram", "777001", "operator")
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        first_response = case.first_response_at
        assert first_response is not None
        assert first_response >= case.created_at
        row.status = "sent"
        row.delivery_status = "delivered"
        await session.commit()
    status, view = await console.get(f"/api/console/cases/{ref}")
    last = view["messages"][-1]
    assert last["text"] == "Halo, kami bantu."
    assert view["case"]["first_response_at"] == first_response.isoformat()
    await console.post(f"/api/console/cases/{ref}/reply", {"text": "Kami telepon sebentar lagi"})
    status, view = await console.get(f"/api/console/cases/{ref}")
    assert view["case"]["first_response_at"] == first_response.isoformat()  # the first one stays
    assert last["origin"] == "operator"
    delivered = view["messages"][-2]
    assert delivered["operator"] == "ana"
    assert delivered["delivery"]["delivery_status"] == "delivered"


async def test_whatsapp_outside_24_hours_offers_the_template(
    console: Console, settings_factory: Any
) -> None:
    ref = await seed_case(
        console.sessions,
        channel="twilio",
        user_id="whatsapp:+628123456789",
        last_inbound_at=utcnow() - timedelta(hours=30),
    )
    await console.login("ana")
    await console.post(f"/api/console/cases/{ref}/take")
    status, view = await console.get(f"/api/console/cases/{ref}")
    assert view["composer"]["window_open"] is False
    status, data = await console.post(f"/api/console/cases/{ref}/reply", {"text": "Halo"})
    assert status == 409
    assert "24 hours" in data["error"]
    status, data = await console.post(f"/api/console/cases/{ref}/reply", {"template": True})
    assert status == 400  # no template configured in this console
    assert "template" in data["error"]


async def test_template_is_sent_when_configured(migrated: str, settings_factory: Any) -> None:
    from storage.operators import create_operator
    from tests.console.conftest import make_console

    settings = settings_factory(migrated, twilio_template_sid="HX123")
    con, engine = await make_console(migrated, settings)
    try:
        async with con.sessions() as session:
            await create_operator(session, "ana", PASSWORD, "operator")
            await session.commit()
        ref = await seed_case(
            con.sessions, channel="twilio", last_inbound_at=utcnow() - timedelta(days=2)
        )
        await con.login("ana")
        await con.post(f"/api/console/cases/{ref}/take")
        status, view = await con.get(f"/api/console/cases/{ref}")
        assert view["composer"]["template"] == "HX123"
        status, data = await con.post(
            f"/api/console/cases/{ref}/reply", {"template": True, "text": "Mohon balas"}
        )
        assert status == 201
        async with con.sessions() as session:
            row = await session.get(OutboxMessage, data["outbox_id"])
            assert row is not None
            assert row.template == "HX123"
    finally:
        await con.client.close()
        await engine.dispose()


async def test_hand_back_and_close(console: Console) -> None:
    ref = await seed_case(console.sessions)
    await console.login("ana")
    await console.post(f"/api/console/cases/{ref}/take")
    status, _ = await console.post(f"/api/console/cases/{ref}/handback")
    assert status == 200
    async with console.sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        conversation = await session.get(Conversation, case.conversation_id)
        assert conversation is not None
        assert conversation.state == "idle"
        assert conversation.owner_operator_id is None
        told_back = (
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.conversation_id == conversation.id)
                )
            )
            .scalars()
            .all()
        )
    # The worker is told a person joined, then that the bot is back (with the bot's menu).
    assert len(told_back) == 2
    joined, back = sorted(told_back, key=lambda row: row.id)
    assert "sudah bergabung" in joined.text
    assert back.text
    assert back.buttons
    status, data = await console.post(f"/api/console/cases/{ref}/status", {"status": "resolved"})
    assert status == 400
    assert "resolution" in data["error"]
    status, data = await console.post(
        f"/api/console/cases/{ref}/status",
        {"status": "closed", "resolution": "Gaji dibayar setelah mediasi KJRI"},
    )
    assert status == 200
    async with console.sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        assert case.status == "closed"
        assert case.resolved_at is not None
        told = (
            (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.conversation_id == case.conversation_id
                    )
                )
            )
            .scalars()
            .all()
        )
    assert len(told) == 3
    assert ref in max(told, key=lambda row: row.id).text
    status, data = await console.get("/api/console/queue")
    assert ref not in [c["reference"] for c in data["cases"]]
    status, data = await console.get("/api/console/queue", status="closed")
    assert [c["reference"] for c in data["cases"]] == [ref]


async def test_notes_and_corrections_are_audited(console: Console) -> None:
    ref = await seed_case(console.sessions, urgency=Urgency.CRITICAL, intent="complaint.abuse")
    await console.login("ana")
    status, _ = await console.post(
        f"/api/console/cases/{ref}/notes", {"text": "Sudah telepon KJRI HK"}
    )
    assert status == 201
    status, data = await console.post(
        f"/api/console/cases/{ref}/corrections", {"urgency": "normal"}
    )
    assert status == 400
    assert "reason" in data["error"]
    status, data = await console.post(
        f"/api/console/cases/{ref}/corrections",
        {
            "urgency": "normal",
            "intent": "complaint.unpaid_wages",
            "reason": "gaji, bukan kekerasan",
        },
    )
    assert status == 200
    status, view = await console.get(f"/api/console/cases/{ref}")
    assert view["case"]["urgency"] == "normal"
    assert view["case"]["intent"] == "complaint.unpaid_wages"
    assert view["notes"][0]["text"] == "Sudah telepon KJRI HK"
    assert view["notes"][0]["operator"] == "ana"
    correction = next(h for h in view["history"] if h["action"] == "corrected")
    assert correction["detail"]["urgency"] == ["critical", "normal"]
    assert correction["detail"]["reason"] == "gaji, bukan kekerasan"
    assert correction["operator"] == "ana"


# --- concurrency ----------------------------------------------------------------------------


async def test_concurrent_take_over_across_instances(console: Console, migrated: str) -> None:
    """Two console instances (own engines and servers), eight operators, one case: one winner."""
    from storage.operators import create_operator
    from tests.console.conftest import make_console

    second, engine2 = await make_console(migrated, console.settings)
    try:
        async with console.sessions() as session:
            for i in range(8):
                await create_operator(session, f"op{i}", PASSWORD, "operator")
            await session.commit()
        for _round in range(3):
            ref = await seed_case(console.sessions)
            consoles = []
            for i in range(8):
                base = console if i % 2 == 0 else second
                # One client per operator so each has its own cookie jar.
                from aiohttp.test_utils import TestClient

                client: TestClient[Any, Any] = TestClient(base.client.server)
                con = Console(client=client, sessions=base.sessions, settings=base.settings)
                await con.login(f"op{i}")
                consoles.append(con)
            results = await asyncio.gather(
                *(c.post(f"/api/console/cases/{ref}/take") for c in consoles)
            )
            statuses = sorted(status for status, _ in results)
            assert statuses == [200] + [409] * 7
            async with console.sessions() as session:
                case = (
                    await session.execute(select(Case).where(Case.reference == ref))
                ).scalar_one()
                conversation = await session.get(Conversation, case.conversation_id)
                assert conversation is not None
                assert conversation.owner_operator_id == case.assigned_operator_id
                takes = (
                    (
                        await session.execute(
                            select(AuditEntry).where(
                                AuditEntry.case_id == case.id, AuditEntry.action == "taken_over"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
                assert len(takes) == 1
            for con in consoles:
                await con.client.session.close()
    finally:
        await second.client.close()
        await engine2.dispose()


# --- live updates ---------------------------------------------------------------------------


async def test_live_events_announce_a_new_critical_case(console: Console) -> None:
    await console.login("ana")
    resp = await console.client.get("/api/console/events")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    seen: list[dict[str, Any]] = []

    async def read_until_case() -> None:
        event = ""
        async for raw in resp.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
                if event == "hello":
                    ref_holder.append(await seed_case(console.sessions, urgency=Urgency.CRITICAL))
            elif line.startswith("data: ") and event == "case_new":
                seen.append(json.loads(line[6:]))
                return

    ref_holder: list[str] = []
    await asyncio.wait_for(read_until_case(), timeout=30)
    resp.close()
    assert seen[0]["reference"] == ref_holder[0]
    assert seen[0]["urgency"] == "critical"


# --- supervision ------------------------------------------------------------------------------


async def test_dashboard_and_csv_export(console: Console) -> None:
    now = utcnow()
    late = await seed_case(
        console.sessions,
        urgency=Urgency.CRITICAL,
        intent="complaint.abuse",
        fields={"country": "Malaysia", "p3mi": "PT Sejahtera"},
        created_at=now - timedelta(hours=2),
        phone="+60123456789",
        name="Wati",
    )
    await seed_case(console.sessions, fields={"country": "Malaysia", "p3mi": "pt sejahtera"})
    await seed_case(console.sessions, fields={"country": "Taiwan", "p3mi": "PT Lain"})
    await console.login("sari")
    status, data = await console.get("/api/console/dashboard")
    assert status == 200
    assert data["total"] == 3
    assert dict(data["by_country"]) == {"Malaysia": 2, "Taiwan": 1}
    assert data["sla_breaches"]["critical"] == 1
    assert [b["reference"] for b in data["open_breaches"]] == [late]
    top = data["companies"][0]
    assert top["complaints"] == 2  # the same P3MI, however it was typed
    assert top["critical"] == 1
    resp = await console.client.get("/api/console/export.csv")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    body = await resp.text()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 3
    row = next(r for r in rows if r["reference"] == late)
    assert row["urgency"] == "critical"
    assert row["sla_breached"] == "yes"
    assert "60123456789" not in body
    assert "Wati" not in body
    page = await console.client.get("/console/dashboard")
    html = await page.text()
    assert "PT Sejahtera" in html
    assert late in html


async def test_openapi_documents_every_console_route(console: Console) -> None:
    resp = await console.client.get("/api/openapi.json")
    doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    app = console.client.app
    assert app is not None
    routed = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if path and path.startswith("/api/console") and route.method != "HEAD":
            routed.add((route.method, path))
    assert routed == documented


@pytest.mark.parametrize("name", ["console.js", "console.css"])
async def test_static_files_are_served(console: Console, name: str) -> None:
    resp = await console.client.get(f"/console/static/{name}")
    assert resp.status == 200
    resp = await console.client.get("/console/static/..%2Fapi.py")
    assert resp.status == 404


async def test_attachments_are_served_to_operators_only(console: Console) -> None:
    from pathlib import Path

    from bot.media import MediaStore

    store = MediaStore(Path(console.settings.media_dir), console.settings.media_max_bytes)
    key = await store.save(b"OggS voice note", "audio/ogg")
    resp = await console.client.get(f"/api/console/media/{key}")
    assert resp.status == 401
    await console.login("ana")
    resp = await console.client.get(f"/api/console/media/{key}")
    assert resp.status == 200
    assert await resp.read() == b"OggS voice note"
    resp = await console.client.get("/api/console/media/..%2F..%2Fetc%2Fpasswd")
    assert resp.status == 404


async def test_csv_export_defuses_spreadsheet_formulas(console: Console) -> None:
    await seed_case(console.sessions, fields={"p3mi": '=HYPERLINK("http://evil","x")'})
    await console.login("sari")
    resp = await console.client.get("/api/console/export.csv")
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert rows[0]["recruitment_company"].startswith("'=")


async def test_closing_a_waiting_handoff_gives_the_worker_back_to_the_bot(
    console: Console,
) -> None:
    """A worker who asked for a person waits in handoff:active; closing must not mute the bot."""
    ref = await seed_case(console.sessions, intent="handoff.human")
    async with console.sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        conversation = await session.get(Conversation, case.conversation_id)
        assert conversation is not None
        conversation.state = "handoff:active"
        conversation.state_data = {"ref": ref}
        await session.commit()
    await console.login("ana")
    status, view = await console.get(f"/api/console/cases/{ref}")
    assert view["conversation"]["bot_silent"] is True
    status, _ = await console.post(
        f"/api/console/cases/{ref}/status",
        {"status": "closed", "resolution": "Pertanyaan dijawab lewat telepon"},
    )
    assert status == 200
    status, view = await console.get(f"/api/console/cases/{ref}")
    assert view["conversation"]["state"] == "idle"
    assert view["conversation"]["bot_silent"] is False


@pytest.mark.parametrize(
    "fields",
    [
        {"safe_contact": "times", "contact_time": "hanya malam setelah jam 10"},
        {"safe_contact": "no"},
        {"safe_to_call": "no"},
    ],
)
async def test_a_worker_who_said_the_chat_is_unsafe_is_not_messaged_unasked(
    console: Console, fields: dict[str, str]
) -> None:
    """Issue 13 walkthrough: a status note reached the worker's chat at noon although she had
    said her employer reads her phone except after 10 pm."""
    ref = await seed_case(console.sessions, fields=fields)
    await console.login("ana")
    status, data = await console.post(
        f"/api/console/cases/{ref}/status",
        {"status": "in_progress", "worker_update": "Kami sedang menghubungi agensi Anda"},
    )
    assert status == 200
    assert "not safe" in data["worker_not_notified"]
    async with console.sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        sent = (
            (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.conversation_id == case.conversation_id
                    )
                )
            )
            .scalars()
            .all()
        )
        trail = (
            (await session.execute(select(AuditEntry.action).where(AuditEntry.case_id == case.id)))
            .scalars()
            .all()
        )
    assert sent == []  # nothing pushed to her phone
    assert (
        case.last_worker_update == "Kami sedang menghubungi agensi Anda"
    )  # "cek status" shows it
    assert "worker_not_notified" in trail
