"""Recruitment companies as records (issue 15, part 3): CSV import, fuzzy suggestions for the
names workers type, confirm or create, complaints counted per confirmed company."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from nlu.types import Urgency
from storage.companies import normalize, score
from storage.models import AuditEntry, Company
from tests.console.conftest import Console, seed_case

CSV = (
    "nama;nomor_izin\n"
    "PT. Sinar Jaya Abadi;SIP3MI-001/2024\n"
    "PT Maju Bersama Sejahtera;SIP3MI-002/2024\n"
    "PT Sinar Mas Mandiri;SIP3MI-003/2024\n"
    ";SIP3MI-004/2024\n"
)


async def _import(console: Console, body: str) -> tuple[int, Any]:
    resp = await console.client.post(
        "/api/console/companies/import",
        data=body.encode(),
        headers={"Content-Type": "text/csv", "X-CSRF-Token": console.csrf},
    )
    return resp.status, await resp.json()


def test_the_names_workers_type_match_one_company() -> None:
    target = normalize("PT. Sinar Jaya Abadi")
    assert target == "sinar jaya abadi"
    for typed in ("PT sinar jaya abadi", "pt. Sinar Jaya", "sinarjaya", "SINAR JAYA ABADI, PT"):
        assert score(typed, target) >= 85, typed
    assert score("sinar mas", target) < 85
    assert score("pt", target) == 0  # a legal form alone names nothing


async def test_import_suggest_confirm_and_count(console: Console) -> None:
    await console.login("ana")
    status, _ = await _import(console, CSV)
    assert status == 403  # supervisors import
    await console.login("sari")
    status, data = await _import(console, CSV)
    assert status == 200, data
    assert (data["created"], data["updated"], data["unchanged"]) == (3, 0, 0)
    assert data["errors"] == [{"line": 5, "error": "no usable company name"}]
    status, data = await _import(console, CSV)  # importing again adds nothing
    assert (data["created"], data["unchanged"]) == (0, 3)
    status, data = await _import(console, "foo,bar\n1,2\n")
    assert status == 400
    assert "name column" in data["error"]

    refs = []
    for typed, urgency in [
        ("PT sinar jaya abadi", Urgency.CRITICAL),
        ("pt. Sinar Jaya", Urgency.NORMAL),
        ("sinarjaya", Urgency.HIGH),
    ]:
        refs.append(await seed_case(console.sessions, fields={"p3mi": typed}, urgency=urgency))
    await console.login("ana")
    for ref in refs:
        status, data = await console.get(f"/api/console/cases/{ref}/company")
        assert status == 200
        assert data["confirmed"] is None
        best = data["suggestions"][0]
        assert best["name"] == "PT. Sinar Jaya Abadi", (data["typed"], data["suggestions"])
        assert best["licence_number"] == "SIP3MI-001/2024"
        status, data = await console.post(
            f"/api/console/cases/{ref}/company", {"company_id": best["id"]}
        )
        assert status == 200
        assert data["confirmed"]["name"] == "PT. Sinar Jaya Abadi"

    # A company that is not in the list yet: created once, then matched.
    other = await seed_case(console.sessions, fields={"p3mi": "PT Cahaya Timur"})
    _, data = await console.get(f"/api/console/cases/{other}/company")
    assert data["suggestions"] == []
    status, data = await console.post(
        f"/api/console/cases/{other}/company", {"name": "PT Cahaya Timur"}
    )
    assert status == 200
    status, data = await console.post(f"/api/console/cases/{other}/company", {"name": " "})
    assert status == 400
    status, data = await console.post(f"/api/console/cases/{other}/company", {"company_id": 9999})
    assert status == 404
    status, data = await console.get("/api/console/companies", q="cahaya timur")
    assert [c["name"] for c in data["companies"]] == ["PT Cahaya Timur"]

    await console.login("sari")
    status, data = await console.get("/api/console/companies/stats")
    assert status == 200
    rows = {c["company"]: c for c in data["companies"]}
    sinar = rows["PT. Sinar Jaya Abadi"]
    assert (sinar["complaints"], sinar["open"], sinar["critical"]) == (3, 3, 1)
    assert rows["PT Cahaya Timur"]["complaints"] == 1
    assert "PT Sinar Mas Mandiri" not in rows
    async with console.sessions() as session:
        assert len((await session.execute(select(Company))).all()) == 4
        actions = [
            e.action
            for e in (await session.execute(select(AuditEntry))).scalars()
            if e.action.startswith("compan")
        ]
    assert actions.count("company_confirmed") == 4
    assert actions.count("companies_imported") == 2


async def test_import_refuses_what_is_not_a_csv(console: Console) -> None:
    await console.login("sari")
    status, _ = await console.post("/api/console/companies/import", {"x": 1})
    assert status == 415
    resp = await console.client.post(
        "/api/console/companies/import",
        data=b"nama\n\xff\xfe\n",
        headers={"Content-Type": "text/csv", "X-CSRF-Token": console.csrf},
    )
    assert resp.status == 400
    assert "UTF-8" in (await resp.json())["error"]
