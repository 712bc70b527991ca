"""Shift handover and who is on duty (issue 15, part 5)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from nlu.types import Urgency
from storage.models import AuditEntry, DutyPeriod, Referral, utcnow
from tests.console.conftest import Console, seed_case


async def test_duty_is_marked_by_each_operator_and_seen_by_all(console: Console) -> None:
    await console.login("ana")
    status, data = await console.get("/api/console/duty")
    assert (status, data["on_duty"]) == (200, [])
    status, data = await console.post("/api/console/duty", {"on_duty": True})
    assert status == 200
    assert data["changed"] is True
    status, data = await console.post("/api/console/duty", {"on_duty": True})
    assert data["changed"] is False  # twice on is once on
    await console.login("budi")
    await console.post("/api/console/duty", {"on_duty": True})
    _, data = await console.get("/api/console/duty")
    assert [d["username"] for d in data["on_duty"]] == ["ana", "budi"]
    _, handover = await console.get("/api/console/handover")
    assert handover["me_on_duty"] is True
    await console.post("/api/console/duty", {"on_duty": False})
    _, data = await console.get("/api/console/duty")
    assert [d["username"] for d in data["on_duty"]] == ["ana"]
    status, data = await console.post("/api/console/duty", {"on_duty": "yes"})
    assert status == 400
    async with console.sessions() as session:
        actions = [
            e.action
            for e in (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
            if e.action.startswith("duty")
        ]
        open_rows = (
            await session.execute(select(DutyPeriod).where(DutyPeriod.ended_at.is_(None)))
        ).all()
    assert actions == ["duty_on", "duty_on", "duty_off"]
    assert len(open_rows) == 1


async def test_a_forgotten_duty_mark_expires(console: Console) -> None:
    await console.login("ana")
    await console.post("/api/console/duty", {"on_duty": True})
    async with console.sessions() as session:
        await session.execute(update(DutyPeriod).values(started_at=utcnow() - timedelta(hours=17)))
        await session.commit()
    _, data = await console.get("/api/console/duty")
    assert data["on_duty"] == []
    status, data = await console.post("/api/console/duty", {"on_duty": True})
    assert (status, data["changed"]) == (200, True)
    _, data = await console.get("/api/console/duty")
    assert [d["username"] for d in data["on_duty"]] == ["ana"]


async def test_handover_lists_what_the_next_shift_inherits(console: Console) -> None:
    now = utcnow()
    critical = await seed_case(
        console.sessions, urgency=Urgency.CRITICAL, fields={"country": "Malaysia"}
    )
    high = await seed_case(
        console.sessions, urgency=Urgency.HIGH, created_at=now - timedelta(hours=1)
    )
    normal_old = await seed_case(
        console.sessions, urgency=Urgency.NORMAL, created_at=now - timedelta(hours=45)
    )
    normal_new = await seed_case(console.sessions, urgency=Urgency.NORMAL)
    await console.login("ana")
    await console.post(f"/api/console/cases/{critical}/take")
    status, data = await console.post(
        f"/api/console/cases/{critical}/referrals",
        {"partner_key": "mission:MY:kbri-kuala-lumpur", "request": "cek majikan"},
    )
    assert status == 201
    async with console.sessions() as session:
        await session.execute(update(Referral).values(due_at=now - timedelta(hours=2)))
        await session.commit()
    status, data = await console.post(
        "/api/console/handover/notes", {"text": "SGA kritis menunggu telepon balik KBRI"}
    )
    assert status == 201
    status, _ = await console.post("/api/console/handover/notes", {"text": "   "})
    assert status == 400

    await console.login("budi")  # the next shift
    status, data = await console.get("/api/console/handover")
    assert status == 200
    assert [c["reference"] for c in data["urgent"]] == [critical, high]
    assert data["urgent"][0]["assigned_operator"] == "ana"
    due = {d["reference"]: d for d in data["first_responses_due"]}
    # ana took the critical case over but has not replied yet: its first response is still due.
    assert critical in due
    assert high in due  # 4-hour target, 1 hour old: due within the next 8 hours
    assert due[high]["breached"] is False
    assert normal_old in due  # 48-hour target, 45 hours old
    assert normal_new not in due  # due in two days, not this shift
    assert [r["reference"] for r in data["overdue_referrals"]] == [critical]
    assert [n["text"] for n in data["notes"]] == ["SGA kritis menunggu telepon balik KBRI"]
    assert data["notes"][0]["operator"] == "ana"

    _, short = await console.get("/api/console/handover", hours="1")
    assert normal_old not in {d["reference"] for d in short["first_responses_due"]}
    status, data = await console.get("/api/console/handover", hours="99")
    assert status == 400
    assert "hours" in data["error"]


async def test_handover_needs_a_login(console: Console) -> None:
    status, _ = await console.get("/api/console/handover")
    assert status == 401
    resp = await console.client.get("/console/handover", allow_redirects=False)
    assert resp.status == 302
