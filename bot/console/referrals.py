"""Referrals: pass a case to a partner (a mission, BP3MI, the police, BPJS, Immigration) and
follow it up (docs/console.md, "Referrals").

The partners come from ``knowledge.partners`` (the directory's missions, filtered by the case's
country, and the national partners). Referring a case tells the worker, through their own channel
and the outbox like every console message, in plain words and by the partner's name only: the
operator's request and notes stay internal. The case moves to the ``referred`` status (without
the generic status message: the referral message says more). Every step is audited.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console import service
from bot.console.auth import api
from bot.console.html import esc
from bot.console.i18n import script_texts, text
from bot.console.params import json_body, json_error, period, string
from bot.keys import SESSIONS, SIGNALS
from flows.router import referral_reply
from knowledge.directory import load_directory
from knowledge.partners import Partner, partners
from storage import referrals as store
from storage.audit import audit, operator_names
from storage.cases import CLOSED_STATUSES
from storage.models import Case, Conversation, Referral, ReferralUpdate, utcnow
from storage.operators import SessionInfo, has_role

log = logging.getLogger("bot.console")

MAX_REQUEST = 2000
MAX_NOTE = 4000
MAX_PARTNER_REFERENCE = 120
# A due date without a time means the end of that day at the command centre (Asia/Jakarta).
CENTRE_TZ = ZoneInfo("Asia/Jakarta")


def parse_due(raw: str, now: datetime) -> datetime | None:
    """``2026-12-05`` (the end of that day in the centre's time zone) or an ISO timestamp with
    its offset; empty means no due date.

    Raises:
        service.ConsoleError: unreadable, or already past.
    """
    raw = raw.strip()
    if not raw:
        return None
    bad = service.ConsoleError(
        "invalid", "due_at must be a date like 2026-12-05 or a timestamp with its offset"
    )
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            due = datetime.combine(day, time(23, 59, 59), CENTRE_TZ).astimezone(UTC)
        else:
            due = datetime.fromisoformat(raw)
    except ValueError:
        raise bad from None
    if due.tzinfo is None:
        raise bad
    if due <= now:
        raise service.ConsoleError("invalid", "the due date is already past")
    return due.astimezone(UTC)


def case_province(case: Case) -> str | None:
    """The worker's home province, when the intake recorded one."""
    for key in ("province", "home_province", "origin_province"):
        value = (case.fields or {}).get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def case_country_code(case: Case) -> str | None:
    """The case's country as the directory's ISO code ("Malaysia" -> "MY")."""
    country = load_directory().lookup(case.country) if case.country else None
    return country.code if country else None


def partner_dict(p: Partner, lang: str | None = None) -> dict[str, Any]:
    """A partner for the API (contacts only those the directory has sourced)."""
    return {
        "key": p.key,
        "name": p.name,
        "kind": p.kind,
        "kind_label": text(f"ref.kind.{p.kind}", lang),
        "country": p.country,
        "province": p.province,
        "contacts": [{"label": label, "value": value} for label, value in p.contacts],
    }


def referral_dict(
    r: Referral, updates: list[ReferralUpdate], names: dict[int, str], now: datetime
) -> dict[str, Any]:
    """A referral with its history, for the case page."""
    return {
        "id": r.id,
        "partner_key": r.partner_key,
        "partner": r.partner_name,
        "kind": r.partner_kind,
        "partner_reference": r.partner_reference,
        "request": r.request,
        "status": r.status,
        "due_at": r.due_at.isoformat() if r.due_at else None,
        "overdue": bool(r.due_at and r.due_at < now and r.status in store.OPEN_REFERRAL_STATUSES),
        "created_at": r.created_at.isoformat(),
        "created_by": names.get(r.created_by or 0),
        "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
        "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        "updates": [
            {
                "at": u.created_at.isoformat(),
                "operator": names.get(u.operator_id or 0),
                "from": u.status_from,
                "to": u.status_to,
                "note": u.note,
            }
            for u in updates
        ],
    }


# --- commands -----------------------------------------------------------------------------


async def refer(
    session: AsyncSession,
    reference: str,
    *,
    info: SessionInfo,
    partner_key: str,
    request_text: str,
    partner_reference: str,
    due_raw: str,
) -> Referral:
    """Refer a case to a partner: the referral, the worker told, the case ``referred``, audited.

    Raises:
        service.ConsoleError: unknown partner, empty request, bad due date (invalid); a closed
            case, or a case another operator holds when the caller is not a supervisor
            (conflict); no such case (not_found).
    """
    partner = partners().get(partner_key.strip())
    if partner is None:
        raise service.ConsoleError("invalid", f"unknown partner {partner_key!r}")
    request_text = request_text.strip()
    if not request_text:
        raise service.ConsoleError("invalid", "say what was asked of the partner")
    if len(request_text) > MAX_REQUEST:
        raise service.ConsoleError("invalid", f"the request is longer than {MAX_REQUEST}")
    partner_reference = partner_reference.strip()
    if len(partner_reference) > MAX_PARTNER_REFERENCE:
        raise service.ConsoleError("invalid", "the partner's reference is too long")
    now = utcnow()
    due = parse_due(due_raw, now)
    case = await service.get_case(session, reference)
    if case.status in CLOSED_STATUSES:
        raise service.ConsoleError(
            "conflict", f"{case.reference} is {case.status}; reopen it first"
        )
    if case.assigned_operator_id != info.operator_id and not has_role(info.role, "supervisor"):
        raise service.ConsoleError("conflict", f"take {case.reference} over before referring it")
    referral = store.create(
        session,
        case_id=case.id,
        partner_key=partner.key,
        partner_name=partner.name,
        partner_kind=partner.kind,
        request=request_text,
        partner_reference=partner_reference or None,
        due_at=due,
        operator_id=info.operator_id,
    )
    await session.flush()
    store.add_update(
        session,
        referral,
        status_from=None,
        status_to="sent",
        note=None,
        operator_id=info.operator_id,
    )
    audit(
        session,
        "referred",
        case_id=case.id,
        operator_id=info.operator_id,
        detail={"referral_id": referral.id, "partner": partner.key},
    )
    if case.status != "referred":
        await service.change_status(
            session, case.reference, "referred", operator_id=info.operator_id, notify_worker=False
        )
    conversation = await session.get(Conversation, case.conversation_id)
    language = service.worker_language(conversation) if conversation else "id"
    # The console's one path to the worker (outbox, conversation log), as for status changes.
    await service._send_to_worker(
        session,
        case,
        referral_reply(case.reference, partner.name, language),
        operator_id=info.operator_id,
        origin="system",
    )
    return referral


async def update(
    session: AsyncSession,
    referral_id: int,
    *,
    info: SessionInfo,
    status: str,
    note: str,
    partner_reference: str,
) -> tuple[Referral, str]:
    """Record the partner's progress (a new state and/or an internal note); audited.

    Raises:
        service.ConsoleError: not_found, or invalid (unknown state, a step back, nothing to do).
    """
    referral = await store.get_for_update(session, referral_id)
    if referral is None:
        raise service.ConsoleError("not_found", "no such referral")
    note = note.strip()[:MAX_NOTE]
    partner_reference = partner_reference.strip()
    if len(partner_reference) > MAX_PARTNER_REFERENCE:
        raise service.ConsoleError("invalid", "the partner's reference is too long")
    try:
        before = store.advance(
            session,
            referral,
            status=status.strip() or None,
            note=note or None,
            partner_reference=partner_reference or None,
            operator_id=info.operator_id,
        )
    except store.ReferralError as exc:
        raise service.ConsoleError("invalid", str(exc)) from None
    audit(
        session,
        "referral_updated",
        case_id=referral.case_id,
        operator_id=info.operator_id,
        detail={"referral_id": referral.id, "from": before, "to": referral.status},
    )
    return referral, before


# --- page fragments (the pages in bot.console.pages include these) -------------------------

_SCRIPT_KEYS = ("ref.",)


def case_section(lang: str | None = None) -> str:
    """The case page's referral panel; ``referrals.js`` fills it from the API."""
    return (
        f'<section id="referrals" class="panel referrals"><h2>{esc(text("ref.title", lang))}</h2>'
        '<div id="referral-list"><p class="muted">…</p></div>'
        '<form id="referral-form" class="referral-form">'
        f'<label>{esc(text("ref.partner", lang))}<select name="partner_key" required>'
        "</select></label>"
        f'<label>{esc(text("ref.request", lang))}<textarea name="request" rows="2" required>'
        "</textarea></label>"
        f'<label>{esc(text("ref.partner_reference", lang))}<input name="partner_reference">'
        "</label>"
        f'<label>{esc(text("ref.due", lang))}<input name="due_at" type="date"></label>'
        f'<button type="submit" class="primary">{esc(text("ref.submit", lang))}</button>'
        '<p id="referral-error" class="error" role="alert" hidden></p></form></section>'
        f"{script_texts(_SCRIPT_KEYS, lang)}"
    )


def queue_section(lang: str | None = None) -> str:
    """The queue's reminder of overdue referrals (hidden while there is none)."""
    return (
        f'<section id="overdue-referrals" class="panel overdue" hidden>'
        f'<h2>{esc(text("ref.overdue_title", lang))}</h2><ul id="overdue-list"></ul></section>'
        f"{script_texts(_SCRIPT_KEYS, lang)}"
    )


def dashboard_section(lang: str | None = None) -> str:
    """Supervision's table of referrals per partner, filled for the page's period."""
    cols = ("referrals", "open", "overdue", "done", "declined", "ack", "close")
    head = "".join(f"<th>{esc(text(f'ref.col.{c}', lang))}</th>" for c in cols)
    return (
        f'<section class="panel" id="referral-stats"><h2>{esc(text("ref.stats_title", lang))}</h2>'
        f'<table class="list"><thead><tr><th>{esc(text("ref.partner", lang))}</th>{head}</tr>'
        '</thead><tbody id="referral-stats-body"></tbody></table></section>'
        f"{script_texts(_SCRIPT_KEYS, lang)}"
    )


# --- API ----------------------------------------------------------------------------------

_STATUS = {"not_found": 404, "conflict": 409, "invalid": 400, "forbidden": 403}


def _error(exc: service.ConsoleError) -> web.Response:
    return json_error(_STATUS.get(exc.kind, 400), exc.message)


@api("operator")
async def list_partners(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Partners, filtered by a country (ISO code or name) and a province when given."""
    country = request.query.get("country", "")
    code = None
    if country:
        found = load_directory().lookup(country)
        if found is None:
            return json_error(400, f"unknown country {country!r}")
        code = found.code
    chosen = partners().for_case(code, request.query.get("province"))
    if not country:
        chosen = list(partners().all) if not request.query.get("province") else chosen
    return web.json_response({"partners": [partner_dict(p) for p in chosen]})


@api("operator")
async def case_referrals(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """A case's referrals with their history, and the partners that fit the case."""
    reference = request.match_info["reference"]
    async with request.app[SESSIONS]() as session:
        try:
            case = await service.get_case(session, reference)
        except service.ConsoleError as exc:
            return _error(exc)
        rows = await store.of_case(session, case.id)
        names = await operator_names(session)
    now = utcnow()
    province = request.query.get("province") or case_province(case)
    fit = partners().for_case(case_country_code(case), province)
    return web.json_response(
        {
            "reference": case.reference,
            "country": case_country_code(case),
            "province": province,
            "referrals": [referral_dict(r, u, names, now) for r, u in rows],
            "partners": [partner_dict(p) for p in fit],
            "statuses": list(store.REFERRAL_STATUSES),
        }
    )


def _wake_sender(request: web.Request) -> None:
    if SIGNALS in request.app:
        request.app[SIGNALS].outbox_queued()


@api("operator")
async def create_referral(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Refer the case to a partner; the worker is told the partner's name."""
    reference = request.match_info["reference"]
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            referral = await refer(
                session,
                reference,
                info=info,
                partner_key=string(data, "partner_key"),
                request_text=string(data, "request"),
                partner_reference=string(data, "partner_reference"),
                due_raw=string(data, "due_at"),
            )
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
        names = await operator_names(session)
        rows = await store.of_case(session, referral.case_id)
    _wake_sender(request)
    log.info(
        "case %s referred (referral %s) by operator=%s", reference, referral.id, info.operator_id
    )
    item = next(referral_dict(r, u, names, utcnow()) for r, u in rows if r.id == referral.id)
    return web.json_response({"referral": item}, status=201)


@api("operator")
async def update_referral(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Record the partner's progress: acknowledged, acting, done or declined, with a note."""
    try:
        referral_id = int(request.match_info["referral_id"])
    except ValueError:
        return json_error(404, "no such referral")
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            referral, _ = await update(
                session,
                referral_id,
                info=info,
                status=string(data, "status"),
                note=string(data, "note"),
                partner_reference=string(data, "partner_reference"),
            )
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
        names = await operator_names(session)
        rows = await store.of_case(session, referral.case_id)
    item = next(referral_dict(r, u, names, utcnow()) for r, u in rows if r.id == referral.id)
    return web.json_response({"referral": item})


@api("operator")
async def overdue_referrals(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Open referrals past their due date: the queue's reminders."""
    async with request.app[SESSIONS]() as session:
        rows = await store.overdue(session)
    return web.json_response(
        {
            "overdue": [
                {
                    "referral_id": o.referral_id,
                    "reference": o.reference,
                    "urgency": o.urgency,
                    "partner": o.partner_name,
                    "status": o.status,
                    "due_at": o.due_at.isoformat(),
                }
                for o in rows
            ]
        }
    )


@api("supervisor")
async def referral_stats(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Referrals per partner in a period: counts, overdue, median hours to acknowledge/close."""
    since, until = period(request)
    async with request.app[SESSIONS]() as session:
        rows = await store.per_partner(session, since=since, until=until)
    return web.json_response(
        {"since": since.isoformat(), "until": until.isoformat(), "partners": rows}
    )


def add_routes(app: web.Application) -> None:
    """Register the referral endpoints."""
    r = app.router
    p = "/api/console"
    r.add_get(f"{p}/partners", list_partners)
    r.add_get(f"{p}/cases/{{reference}}/referrals", case_referrals)
    r.add_post(f"{p}/cases/{{reference}}/referrals", create_referral)
    r.add_get(f"{p}/referrals/overdue", overdue_referrals)
    r.add_get(f"{p}/referrals/stats", referral_stats)
    r.add_post(f"{p}/referrals/{{referral_id}}", update_referral)


__all__ = ["add_routes", "refer", "update"]
