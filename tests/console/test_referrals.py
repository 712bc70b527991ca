"""Referrals to partners (issue 15, part 2): choosing a partner that fits the case, telling the
worker in plain words, following the referral up, overdue reminders, figures per partner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from storage.models import AuditEntry, Case, OutboxMessage, Referral, utcnow
from tests.console.conftest import Console, seed_case

KL = "mission:MY:kbri-kuala-lumpur"
SECRET_REQUEST = "Mohon cek alamat majikan di Shah Alam; catatan internal RAHASIA-7731"


async def _taken_case(console: Console, **fields: Any) -> str:
    ref = await seed_case(console.sessions, fields={"country": "Malaysia", **fields})
    await console.login("ana")
    status, data = await console.post(f"/api/console/cases/{ref}/take")
    assert status == 200, data
    return ref


async def _refer(console: Console, ref: str, **body: Any) -> tuple[int, Any]:
    payload = {"partner_key": KL, "request": SECRET_REQUEST, **body}
    result: tuple[int, Any] = await console.post(f"/api/console/cases/{ref}/referrals", payload)
    return result


async def _told(console: Console, ref: str) -> list[str]:
    async with console.sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        rows = (
            await session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.conversation_id == case.conversation_id)
                .order_by(OutboxMessage.id)
            )
        ).scalars()
        return [r.text for r in rows]


async def test_partners_fit_the_case_country_and_province(console: Console) -> None:
    ref = await _taken_case(console)
    status, data = await console.get(f"/api/console/cases/{ref}/referrals")
    assert status == 200
    names = {p["name"] for p in data["partners"]}
    assert {"KBRI Kuala Lumpur", "KJRI Johor Bahru"} <= names
    assert "KDEI Taipei" not in names  # another country's mission
    assert {"Bareskrim Polri", "BPJS Ketenagakerjaan"} <= names
    assert {"BP3MI Sulawesi Selatan", "BP3MI Sulawesi Tengah"} <= names  # province unknown
    kl = next(p for p in data["partners"] if p["key"] == KL)
    assert kl["contacts"]
    assert all(c["value"] for c in kl["contacts"])
    # National partners carry no number: none is sourced in docs/facts.md.
    assert all(not p["contacts"] for p in data["partners"] if p["kind"] != "mission")

    status, data = await console.get(
        f"/api/console/cases/{ref}/referrals", province="Sulawesi Selatan"
    )
    bp3mi = [p["name"] for p in data["partners"] if p["kind"] == "bp3mi"]
    assert bp3mi == ["BP3MI Sulawesi Selatan"]

    status, data = await console.get("/api/console/partners", country="TW")
    assert status == 200
    missions = [p["name"] for p in data["partners"] if p["kind"] == "mission"]
    assert missions == ["KDEI Taipei"]
    status, data = await console.get("/api/console/partners", country="Atlantis")
    assert status == 400
    assert "Atlantis" in data["error"]


async def test_referring_tells_the_worker_the_partner_and_nothing_internal(
    console: Console,
) -> None:
    ref = await _taken_case(console)
    before = await _told(console, ref)
    due = (utcnow() + timedelta(days=3)).date().isoformat()
    status, data = await _refer(console, ref, partner_reference="KL/2026/0456", due_at=due)
    assert status == 201, data
    referral = data["referral"]
    assert referral["status"] == "sent"
    assert referral["partner"] == "KBRI Kuala Lumpur"
    assert referral["partner_reference"] == "KL/2026/0456"
    assert referral["due_at"].startswith(due)  # end of that day in Jakarta is 16:59 UTC
    assert referral["created_by"] == "ana"

    told = await _told(console, ref)
    assert len(told) == len(before) + 1
    message = told[-1]
    assert "KBRI Kuala Lumpur" in message
    assert ref in message
    assert "RAHASIA" not in message
    assert "Shah Alam" not in message
    assert "KL/2026/0456" not in message

    async with console.sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        assert case.status == "referred"
        actions = [
            (e.action, e.detail)
            for e in (
                await session.execute(select(AuditEntry).where(AuditEntry.case_id == case.id))
            ).scalars()
        ]
    assert ("referred", {"referral_id": referral["id"], "partner": KL}) in actions
    assert any(a == "status_changed" and d["to"] == "referred" for a, d in actions)

    status, data = await console.get(f"/api/console/cases/{ref}/referrals")
    assert [r["partner"] for r in data["referrals"]] == ["KBRI Kuala Lumpur"]
    assert data["referrals"][0]["request"] == SECRET_REQUEST  # operators see it, the worker not


async def test_bad_referrals_are_refused_with_a_reason(console: Console) -> None:
    ref = await seed_case(console.sessions, fields={"country": "Malaysia"})
    await console.login("ana")
    status, data = await _refer(console, ref)
    assert status == 409
    assert "take" in data["error"]
    await console.post(f"/api/console/cases/{ref}/take")
    status, data = await _refer(console, ref, partner_key="mission:MY:kbri-atlantis")
    assert status == 400
    assert "unknown partner" in data["error"]
    status, data = await _refer(console, ref, request="  ")
    assert status == 400
    status, data = await _refer(console, ref, due_at="2020-01-01")
    assert status == 400
    assert "past" in data["error"]
    status, data = await _refer(console, ref, due_at="next week")
    assert status == 400
    status, data = await _refer(console, "SGA-NOPE00")
    assert status == 404
    assert len(await _told(console, ref)) == 1  # only "an officer has joined"
    async with console.sessions() as session:
        assert (await session.execute(select(Referral))).first() is None

    await console.post(
        f"/api/console/cases/{ref}/status", {"status": "closed", "resolution": "selesai"}
    )
    status, data = await _refer(console, ref)
    assert status == 409
    assert "closed" in data["error"]

    # A supervisor may refer a case nobody took over.
    other = await seed_case(console.sessions, fields={"country": "Malaysia"})
    await console.login("sari")
    status, data = await _refer(console, other)
    assert status == 201, data


async def test_a_referral_moves_forward_with_notes_and_never_back(console: Console) -> None:
    ref = await _taken_case(console)
    _, data = await _refer(console, ref)
    rid = data["referral"]["id"]
    status, data = await console.post(
        f"/api/console/referrals/{rid}", {"status": "acknowledged", "note": "diterima Pak Andi"}
    )
    assert status == 200, data
    assert data["referral"]["acknowledged_at"] is not None
    await console.login("budi")  # the next shift follows it up
    status, data = await console.post(
        f"/api/console/referrals/{rid}",
        {"status": "acting", "partner_reference": "KL/2026/0999"},
    )
    assert status == 200
    status, data = await console.post(f"/api/console/referrals/{rid}", {"status": "sent"})
    assert status == 400
    assert "back" in data["error"]
    status, data = await console.post(f"/api/console/referrals/{rid}", {"status": "lost"})
    assert status == 400
    status, data = await console.post(f"/api/console/referrals/{rid}", {})
    assert status == 400
    status, data = await console.post(
        f"/api/console/referrals/{rid}", {"status": "done", "note": "majikan membayar gaji"}
    )
    assert status == 200
    referral = data["referral"]
    assert referral["status"] == "done"
    assert referral["closed_at"] is not None
    assert referral["partner_reference"] == "KL/2026/0999"
    steps = [(u["from"], u["to"], u["operator"], u["note"]) for u in referral["updates"]]
    assert steps == [
        (None, "sent", "ana", None),
        ("sent", "acknowledged", "ana", "diterima Pak Andi"),
        ("acknowledged", "acting", "budi", None),
        ("acting", "done", "budi", "majikan membayar gaji"),
    ]
    status, data = await console.post(f"/api/console/referrals/{rid}", {"status": "declined"})
    assert status == 400
    # A note after the end is still welcome (the partner may report back later).
    status, data = await console.post(f"/api/console/referrals/{rid}", {"note": "sudah pulang"})
    assert status == 200
    status, data = await console.post("/api/console/referrals/999999", {"note": "x"})
    assert status == 404


async def test_overdue_referrals_are_reminded_in_the_queue(console: Console) -> None:
    ref = await _taken_case(console)
    due = (utcnow() + timedelta(days=1)).isoformat()
    _, data = await _refer(console, ref, due_at=due)
    rid = data["referral"]["id"]
    status, data = await console.get("/api/console/referrals/overdue")
    assert status == 200
    assert data["overdue"] == []
    async with console.sessions() as session:  # two days pass
        await session.execute(
            update(Referral).where(Referral.id == rid).values(due_at=utcnow() - timedelta(days=1))
        )
        await session.commit()
    status, data = await console.get("/api/console/referrals/overdue")
    assert [(o["reference"], o["partner"]) for o in data["overdue"]] == [
        (ref, "KBRI Kuala Lumpur")
    ]
    _, detail = await console.get(f"/api/console/cases/{ref}/referrals")
    assert detail["referrals"][0]["overdue"] is True
    await console.post(
        f"/api/console/referrals/{rid}", {"status": "declined", "note": "bukan wewenang"}
    )
    _, data = await console.get("/api/console/referrals/overdue")
    assert data["overdue"] == []


async def test_supervision_shows_referrals_per_partner(console: Console) -> None:
    ref = await _taken_case(console)
    _, a = await _refer(console, ref)
    _, b = await _refer(console, ref, partner_key="police:bareskrim", request="dugaan TPPO")
    _, c = await _refer(console, ref)
    async with console.sessions() as session:
        await session.execute(
            update(Referral)
            .where(Referral.id == a["referral"]["id"])
            .values(created_at=utcnow() - timedelta(hours=10))
        )
        await session.commit()
    await console.post(f"/api/console/referrals/{a['referral']['id']}", {"status": "acknowledged"})
    await console.post(f"/api/console/referrals/{a['referral']['id']}", {"status": "done"})
    status, data = await console.get("/api/console/referrals/stats")
    assert status == 403
    await console.login("sari")
    status, data = await console.get("/api/console/referrals/stats")
    assert status == 200
    rows = {p["partner"]: p for p in data["partners"]}
    kl = rows["KBRI Kuala Lumpur"]
    assert (kl["referrals"], kl["open"], kl["done"], kl["declined"]) == (2, 1, 1, 0)
    assert 9.9 <= kl["hours_to_acknowledge"] <= 10.1
    assert 9.9 <= kl["hours_to_close"] <= 10.1
    police = rows["Bareskrim Polri"]
    assert (police["referrals"], police["open"], police["hours_to_close"]) == (1, 1, None)
    assert next(p["partner"] for p in data["partners"]) == "KBRI Kuala Lumpur"
    assert b["referral"]["id"] != c["referral"]["id"]
