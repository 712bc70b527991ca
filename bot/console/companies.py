"""Recruitment companies (P3MI) as records (docs/console.md, "Recruitment companies"): import
the list from CSV, suggest the company for the name a worker typed, let the operator confirm or
create it, and count complaints per confirmed company. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.console import service
from bot.console.auth import api
from bot.console.html import esc
from bot.console.i18n import script_texts, text
from bot.console.params import json_body, json_error, period, string
from bot.keys import SESSIONS
from storage import companies as store
from storage.audit import audit
from storage.models import Company
from storage.operators import SessionInfo

MAX_CSV_BYTES = 5 * 1024 * 1024


def _company(c: Company, score: float | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": c.id, "name": c.name, "licence_number": c.licence_number}
    if score is not None:
        data["score"] = round(score)
    return data


@api("operator")
async def case_company(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """The name the worker typed, the confirmed company, and suggestions for it."""
    async with request.app[SESSIONS]() as session:
        try:
            case = await service.get_case(session, request.match_info["reference"])
        except service.ConsoleError:
            return json_error(404, "no such case")
        typed = case.recruitment_company or ""
        confirmed = await store.confirmed_for(session, case.id)
        found = await store.suggest(session, typed) if typed else []
        return web.json_response(
            {
                "reference": case.reference,
                "typed": typed,
                "confirmed": _company(confirmed) if confirmed else None,
                "suggestions": [_company(s.company, s.score) for s in found],
            }
        )


@api("operator")
async def confirm_company(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Confirm a company for the case: ``{company_id}``, or ``{name, licence_number?}`` to create
    it first (an existing company with that name or licence is used instead)."""
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            case = await service.get_case(session, request.match_info["reference"])
        except service.ConsoleError:
            return json_error(404, "no such case")
        company_id = data.get("company_id")
        created = False
        if company_id is None:
            try:
                company = await store.create(
                    session,
                    string(data, "name"),
                    string(data, "licence_number") or None,
                    source="operator",
                    created_by=info.operator_id,
                )
            except ValueError as exc:
                return json_error(400, str(exc))
            company_id, created = company.id, True
        if not isinstance(company_id, int):
            return json_error(400, "company_id must be a number")
        confirmed = await store.confirm(session, case.id, company_id, info.operator_id)
        if confirmed is None:
            return json_error(404, "no such company")
        audit(
            session,
            "company_confirmed",
            case_id=case.id,
            operator_id=info.operator_id,
            detail={"company_id": confirmed.id, "from_form": created},
        )
        await session.commit()
        return web.json_response({"confirmed": _company(confirmed)})


@api("operator")
async def search_companies(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Companies matching ``q`` (fuzzy), best first."""
    async with request.app[SESSIONS]() as session:
        found = await store.suggest(session, request.query.get("q", "")[:200], limit=10)
        return web.json_response({"companies": [_company(s.company, s.score) for s in found]})


@api("supervisor")
async def import_companies(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Import companies from a CSV body (``text/csv``): a name column, a licence column."""
    if request.content_type not in ("text/csv", "text/plain"):
        return json_error(415, "send the CSV as text/csv")
    if (request.content_length or 0) > MAX_CSV_BYTES:
        return json_error(413, "the CSV is larger than 5 MB")
    raw = await request.read()
    if len(raw) > MAX_CSV_BYTES:
        return json_error(413, "the CSV is larger than 5 MB")
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return json_error(400, "the CSV must be UTF-8")
    async with request.app[SESSIONS]() as session:
        try:
            result = await store.import_csv(session, body, created_by=info.operator_id)
        except ValueError as exc:
            return json_error(400, str(exc))
        audit(
            session,
            "companies_imported",
            operator_id=info.operator_id,
            detail={"created": result.created, "updated": result.updated},
        )
        await session.commit()
    return web.json_response(
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": result.errors[:100],
        }
    )


@api("supervisor")
async def company_stats(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Complaints per confirmed company in a period."""
    since, until = period(request)
    async with request.app[SESSIONS]() as session:
        rows = await store.complaints_per_company(session, since=since, until=until)
    return web.json_response({"companies": rows})


def case_section(lang: str | None = None) -> str:
    """The case page's company panel; ``companies.js`` fills it."""
    return (
        f'<section id="company" class="panel"><h2>{esc(text("co.title", lang))}</h2>'
        '<p id="company-typed" class="muted"></p><p id="company-confirmed"></p>'
        '<ul id="company-suggestions" class="suggestions"></ul>'
        '<form id="company-create" class="referral-form">'
        f'<label>{esc(text("co.name", lang))}<input name="name" required></label>'
        f'<label>{esc(text("co.licence", lang))}<input name="licence_number"></label>'
        f'<button type="submit">{esc(text("co.create", lang))}</button></form>'
        '<p id="company-error" class="error" role="alert" hidden></p></section>'
        + script_texts(("co.",), lang)
    )


def dashboard_section(lang: str | None = None) -> str:
    """Supervision: complaints per confirmed company, and the CSV import."""
    return (
        f'<section class="panel" id="company-stats"><h2>{esc(text("co.stats_title", lang))}</h2>'
        f'<table class="list"><thead><tr><th>{esc(text("co.name", lang))}</th>'
        f"<th>{esc(text('co.licence', lang))}</th><th>{esc(text('co.complaints', lang))}</th>"
        f"<th>{esc(text('co.open', lang))}</th><th>{esc(text('co.critical', lang))}</th></tr>"
        '</thead><tbody id="company-stats-body"></tbody></table>'
        f'<form id="company-import"><label>{esc(text("co.import", lang))}'
        '<input type="file" name="file" accept=".csv,text/csv" required></label>'
        f'<button type="submit">{esc(text("co.import_button", lang))}</button></form>'
        '<p id="company-import-result" role="status" hidden></p></section>'
        + script_texts(("co.",), lang)
    )


def add_routes(app: web.Application) -> None:
    """Register the company endpoints."""
    r = app.router
    p = "/api/console"
    r.add_get(f"{p}/cases/{{reference}}/company", case_company)
    r.add_post(f"{p}/cases/{{reference}}/company", confirm_company)
    r.add_get(f"{p}/companies", search_companies)
    r.add_post(f"{p}/companies/import", import_companies)
    r.add_get(f"{p}/companies/stats", company_stats)
