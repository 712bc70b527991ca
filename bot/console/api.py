"""The console's JSON API under ``/api/console/`` (described in ``bot.console.openapi``).

Handlers are thin: they check the role (``bot.console.auth``), read the request
(``bot.console.params``), run one command (``bot.console.service``) or query in one transaction,
shape the answer (``bot.console.views``), and map ``ConsoleError`` to an HTTP status. Logs name
the case reference and the operator id, never message text, names or numbers.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.registry import window_template
from bot.console import abuse, service, texts, views
from bot.console.auth import (
    api,
    clear_session_cookie,
    pending_action,
    same_origin,
    session_token,
    set_session_cookie,
)
from bot.console.export import cases_csv
from bot.console.limits import LOGIN_LIMITER, client_address
from bot.console.live import HUB, stream
from bot.console.params import (
    json_body,
    json_error,
    path_id,
    period,
    query_id,
    query_text,
    string,
)
from bot.keys import SESSIONS, SETTINGS, SIGNALS
from bot.media import MediaStore
from flows.status import unsafe_to_message
from storage import accounts, audit, case_view, operators, privacy, queue
from storage.cases import STATUSES
from storage.models import Operator, utcnow
from storage.operators import LoginError, SessionInfo, has_role

log = logging.getLogger("bot.console")

_ERROR_STATUS = {"not_found": 404, "conflict": 409, "invalid": 400, "forbidden": 403}


def _error(exc: service.ConsoleError) -> web.Response:
    return json_error(_ERROR_STATUS.get(exc.kind, 400), exc.message)


def _wake_sender(request: web.Request) -> None:
    """Send the new outbox rows now rather than at the senders' next poll (in any process)."""
    if SIGNALS in request.app:
        request.app[SIGNALS].outbox_queued()


def _me(info: SessionInfo) -> dict[str, Any]:
    return {
        "id": info.operator_id,
        "username": info.username,
        "role": info.role,
        "csrf_token": info.csrf_token,
    }


# --- session --------------------------------------------------------------------------------


async def login(request: web.Request) -> web.StreamResponse:
    """Log in with username and password; sets the session cookie, returns the CSRF token.

    Failed tries are limited per account (``operators.authenticate``) and per client address
    (``bot.console.limits``): past ``SIAGA_LOGIN_MAX_PER_ADDRESS`` failures the address gets
    429 with ``Retry-After`` and no password is checked.
    """
    if not same_origin(request):
        return json_error(403, "cross-site request refused")
    data = await json_body(request)
    username = string(data, "username")
    password = string(data, "password")
    settings = request.app[SETTINGS]
    limiter = request.app[LOGIN_LIMITER]
    address = client_address(request)
    wait = limiter.acquire(address)
    if wait is not None:
        log.info("console login refused: too many failures from one address")
        return web.json_response(
            {"error": "Too many failed logins from this address. Try again later."},
            status=429,
            headers={"Retry-After": str(int(wait) + 1)},
        )
    async with request.app[SESSIONS]() as session:
        try:
            operator = await operators.authenticate(
                session,
                username,
                password,
                max_failures=settings.login_max_failures,
                lockout_minutes=settings.login_lockout_minutes,
            )
        except LoginError as exc:
            await session.commit()  # the failure count and the audit entry must stick
            log.info("console login refused (locked=%s)", exc.locked_until is not None)
            extra = {"locked_until": exc.locked_until.isoformat()} if exc.locked_until else {}
            return json_error(401, str(exc), **extra)
        if operator.totp_enabled and not accounts.accept_code(operator, string(data, "code")):
            # The second factor decides (docs/console.md, "Accounts"): undo the password's
            # success, and count a wrong code like a wrong password.
            missing = not string(data, "code").strip()
            operator_id = operator.id
            await session.rollback()
            if missing:
                await accounts.release_attempt(session, operator_id)
                await session.commit()
                return json_error(
                    401, "Enter the 6-digit code from your authenticator app.", totp_required=True
                )
            fresh = await session.get(Operator, operator_id, populate_existing=True)
            if fresh is None:  # deleted in between: as if it never existed
                return json_error(401, "Wrong username or password.")
            failed = await accounts.second_factor_failed(
                session,
                fresh,
                max_failures=settings.login_max_failures,
                lockout_minutes=settings.login_lockout_minutes,
            )
            await session.commit()
            until = failed.locked_until
            extra = {"locked_until": until.isoformat()} if until else {}
            return json_error(401, str(failed), totp_required=True, **extra)
        new = await operators.start_session(session, operator)
        info = SessionInfo(
            operator.id,
            operator.username,
            operator.role,
            new.csrf_token,
            must_change_password=operator.must_change_password,
            totp_enabled=operator.totp_enabled,
        )
        await session.commit()
    limiter.release(address)  # only failures count against the address
    log.info("console login operator=%s", operator.id)
    response = web.json_response({"operator": _me(info), "action": pending_action(request, info)})
    set_session_cookie(request, response, new.token)
    return response


@api("operator")
async def logout(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """End the session on every instance and clear the cookie."""
    token = session_token(request)
    async with request.app[SESSIONS]() as session:
        if token:
            await operators.end_session(session, token)
        audit.audit(session, "logout", operator_id=info.operator_id)
        await session.commit()
    response = web.json_response({"ok": True})
    clear_session_cookie(response)
    return response


@api("operator")
async def me(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Who is logged in (and the CSRF token the page must send back), and what the account
    must do first, if anything (``change_password``, ``setup_totp``)."""
    return web.json_response({"operator": _me(info), "action": pending_action(request, info)})


# --- queue and case -----------------------------------------------------------------------


@api("operator")
async def get_queue(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Open cases by urgency then waiting time, filtered and searched."""
    status = query_text(request, "status")
    if status and status not in STATUSES:
        return json_error(400, f"unknown status {status!r}")
    operator = query_text(request, "operator")
    if operator not in ("", "me", "none"):
        operator = str(query_id(request, "operator"))
    flt = queue.QueueFilter(
        status=status,
        country=query_text(request, "country"),
        category=query_text(request, "category"),
        channel=query_text(request, "channel"),
        operator=operator,
        urgency=query_text(request, "urgency"),
        q=query_text(request, "q", max_length=100),
    )
    async with request.app[SESSIONS]() as session:
        rows = await queue.open_cases(session, flt, operator_id=info.operator_id)
    now = utcnow()
    return web.json_response(
        {
            "cases": [views.queue_item(row, now) for row in rows],
            "sla_minutes": dict(request.app[SETTINGS].sla_minutes),
        }
    )


@api("operator")
async def get_filters(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Values for the queue's filter menus."""
    async with request.app[SESSIONS]() as session:
        values = await queue.filter_values(session)
    return web.json_response(views.filter_options(values))


@api("operator")
async def get_case(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """The case page's data: conversation, labels, intake fields, notes, history (audited)."""
    reference = request.match_info["reference"]
    async with request.app[SESSIONS]() as session:
        try:
            case = await service.get_case(session, reference)
        except service.ConsoleError as exc:
            return _error(exc)
        view = await case_view.load(session, case)
        await audit.record_view(session, case.id, info.operator_id)
        await session.commit()
    template = window_template(request.app[SETTINGS], case.channel)
    return web.json_response(views.case_detail(view, template=template))


@api("operator")
async def take(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Take the case over: assigned to me, the bot goes silent for the conversation."""
    reference = request.match_info["reference"]
    data = await json_body(request)
    force = bool(data.get("force"))
    if force and not has_role(info.role, "supervisor"):
        return json_error(403, "only a supervisor may take a case from another operator")
    async with request.app[SESSIONS]() as session:
        try:
            case = await service.take_over(
                session, reference, operator_id=info.operator_id, force=force
            )
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
    log.info("case %s taken over by operator=%s", case.reference, info.operator_id)
    return web.json_response(
        {
            "reference": case.reference,
            "assigned_operator_id": info.operator_id,
            "status": case.status,
        }
    )


@api("operator")
async def release(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Put the case back in the shared queue (un-assign me)."""
    reference = request.match_info["reference"]
    async with request.app[SESSIONS]() as session:
        try:
            case = await service.release(session, reference, operator_id=info.operator_id)
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
    return web.json_response(
        {"reference": case.reference, "assigned_operator_id": case.assigned_operator_id}
    )


@api("operator")
async def reply(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Send a message to the worker through their channel (or the template outside 24 h)."""
    reference = request.match_info["reference"]
    data = await json_body(request)
    text = string(data, "text")
    use_template = bool(data.get("template"))
    async with request.app[SESSIONS]() as session:
        try:
            template: str | None = None
            if use_template:
                case = await service.get_case(session, reference)
                template = window_template(request.app[SETTINGS], case.channel)
                if template is None:
                    return json_error(
                        400, f"no approved template is configured for {case.channel}"
                    )
            sent = await service.reply(
                session, reference, text, operator_id=info.operator_id, template=template
            )
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
    _wake_sender(request)
    log.info(
        "operator=%s replied on case %s (outbox %s)", info.operator_id, reference, sent.outbox_id
    )
    return web.json_response(
        {"message_id": sent.message_id, "outbox_id": sent.outbox_id, "template": sent.template},
        status=201,
    )


@api("operator")
async def hand_back(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Give the conversation back to the bot, telling the worker."""
    reference = request.match_info["reference"]
    await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            detail_case = await service.hand_back(
                session,
                reference,
                operator_id=info.operator_id,
                supervisor=has_role(info.role, "supervisor"),
            )
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
    _wake_sender(request)
    return web.json_response({"reference": detail_case.reference, "bot_silent": False})


@api("operator")
async def set_status(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Change the status (with a resolution when resolving or closing); the worker is told."""
    reference = request.match_info["reference"]
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            case = await service.change_status(
                session,
                reference,
                string(data, "status"),
                operator_id=info.operator_id,
                supervisor=has_role(info.role, "supervisor"),
                resolution=string(data, "resolution") or None,
                worker_update=string(data, "worker_update") or None,
                notify_worker=bool(data.get("notify_worker", True)),
            )
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
    _wake_sender(request)
    quiet = unsafe_to_message(case.fields or {})
    return web.json_response(
        {
            "reference": case.reference,
            "status": case.status,
            "resolution": case.resolution,
            "worker_not_notified": quiet,
        }
    )


@api("operator")
async def add_note(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Add an internal note (never sent to the worker)."""
    reference = request.match_info["reference"]
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            note_id = await service.add_note(
                session, reference, string(data, "text"), operator_id=info.operator_id
            )
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
    return web.json_response({"id": note_id}, status=201)


@api("operator")
async def correct(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Correct the category or urgency (lowering urgency needs a reason); audited."""
    reference = request.match_info["reference"]
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            case = await service.correct(
                session,
                reference,
                operator_id=info.operator_id,
                supervisor=has_role(info.role, "supervisor"),
                intent=string(data, "intent") or None,
                urgency=string(data, "urgency") or None,
                reason=string(data, "reason"),
            )
        except service.ConsoleError as exc:
            return _error(exc)
        await session.commit()
    return web.json_response(
        {"reference": case.reference, "intent": case.intent, "urgency": case.urgency}
    )


@api("operator")
async def canned(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Canned replies for the composer, in the worker's language."""
    return web.json_response({"replies": texts.canned_replies(request.query.get("lang", "id"))})


@api("operator")
async def events(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Server-sent events: new cases, new messages, case changes, delivery updates."""
    return await stream(request, request.app[HUB])


# Every attachment answer is sandboxed, whatever it is: no script runs, no subresource loads, the
# browser never guesses a type (docs/console.md "Attachments").
_MEDIA_HEADERS = {
    "Cache-Control": "private, max-age=3600",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
}


@api("operator")
async def media(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """An attachment the worker sent, for logged-in operators only.

    Shown inline only when it is a safe type its bytes confirm (``MediaStore.serving``);
    anything else (HTML, SVG, a page calling itself a photo) is a download.
    """
    settings = request.app[SETTINGS]
    store_ = MediaStore(Path(settings.media_dir), settings.media_max_bytes)
    key = request.match_info["key"]
    try:
        served = await store_.serving(key)
    except (ValueError, FileNotFoundError):
        return json_error(404, "no such attachment")
    disposition = "inline" if served.inline else "attachment"
    headers = {
        **_MEDIA_HEADERS,
        "Content-Type": served.content_type,
        "Content-Disposition": f'{disposition}; filename="{served.path.name}"',
    }
    return web.FileResponse(served.path, headers=headers)


# --- supervision ------------------------------------------------------------------------------


@api("supervisor")
async def get_dashboard(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Supervision figures: volumes, response and resolution times, SLA breaches, P3MI."""
    since, until = period(request)
    async with request.app[SESSIONS]() as session:
        data = await service.dashboard(
            session,
            since=since,
            until=until,
            sla_minutes=request.app[SETTINGS].sla_minutes,
            operator_id=info.operator_id,
        )
        await session.commit()
    return web.json_response(data)


@api("supervisor")
async def export_csv(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Cases of a period as CSV (no names, numbers or message text)."""
    since, until = period(request)
    async with request.app[SESSIONS]() as session:
        body = await cases_csv(
            session,
            since=since,
            until=until,
            sla_minutes=request.app[SETTINGS].sla_minutes,
            operator_id=info.operator_id,
        )
        await session.commit()
    name = f"siaga-cases-{since.date()}-{(until - timedelta(days=1)).date()}.csv"
    return web.Response(
        text=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@api("supervisor")
async def get_audit(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """The newest audit-trail entries across all cases."""
    before = query_id(request, "before")
    async with request.app[SESSIONS]() as session:
        names = await audit.operator_names(session)
        rows = await audit.newest(session, before_id=before)
    return web.json_response(
        {"entries": [views.audit_item(entry, ref, names) for entry, ref in rows]}
    )


# --- the right to erasure (docs/privacy.md) ------------------------------------------------------


@api("supervisor")
async def list_erasure_requests(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Requests to delete personal data, waiting for a supervisor."""
    async with request.app[SESSIONS]() as session:
        rows = await privacy.pending_requests(session)
        refs = await case_view.references_of_contacts(session, [r.contact_id for r in rows])
        contacts = await case_view.channels_of_contacts(session, [r.contact_id for r in rows])
    return web.json_response(
        {
            "requests": [
                {
                    "id": r.id,
                    "requested_at": r.requested_at.isoformat(),
                    "channel": contacts.get(r.contact_id, ""),
                    "cases": refs.get(r.contact_id, []),
                    "note": r.note or "",
                }
                for r in rows
            ]
        }
    )


def _request_id(request: web.Request) -> int | None:
    return path_id(request, "request_id")


@api("supervisor")
async def execute_erasure(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Carry a request out: erase the person's data (irreversible), keep the audit trail."""
    request_id = _request_id(request)
    if request_id is None:
        return json_error(404, "no such request")
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        try:
            erased = await privacy.execute(session, request_id, info.operator_id)
        except privacy.PrivacyError as exc:
            return json_error(409, str(exc))
        await session.commit()
    store_ = MediaStore(Path(settings.media_dir), settings.media_max_bytes)
    for key in erased.media_keys:
        store_.delete(key)
    return web.json_response({"erased": erased.counts()})


@api("supervisor")
async def refuse_erasure(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Refuse a request, with the reason (e.g. the case is evidence in a prosecution)."""
    request_id = _request_id(request)
    if request_id is None:
        return json_error(404, "no such request")
    reason = string(await json_body(request), "reason").strip()
    if not reason:
        return json_error(400, "refusing needs a reason")
    async with request.app[SESSIONS]() as session:
        try:
            await privacy.refuse(session, request_id, info.operator_id, reason)
        except privacy.PrivacyError as exc:
            return json_error(409, str(exc))
        await session.commit()
    return web.json_response({"ok": True})


# --- administration -------------------------------------------------------------------------


def _operator_dict(op: Any) -> dict[str, Any]:
    return {
        "id": op.id,
        "username": op.username,
        "role": op.role,
        "active": op.active,
        "must_change_password": op.must_change_password,
        "totp_enabled": op.totp_enabled,
        "locked_until": op.locked_until.isoformat()
        if op.locked_until and op.locked_until > utcnow()
        else None,
        "created_at": op.created_at.isoformat(),
    }


@api("admin")
async def list_operators(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Every console account."""
    async with request.app[SESSIONS]() as session:
        rows = await operators.list_operators(session)
    return web.json_response({"operators": [_operator_dict(op) for op in rows]})


@api("admin")
async def create_operator(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Create a console account."""
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            op = await operators.create_operator(
                session, string(data, "username"), string(data, "password"), string(data, "role")
            )
        except ValueError as exc:
            return json_error(400, str(exc))
        audit.audit(session, "operator_added", operator_id=info.operator_id, detail={"id": op.id})
        await session.commit()
    return web.json_response({"operator": _operator_dict(op)}, status=201)


@api("admin")
async def unlock_operator(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Clear an account's lock-out."""
    operator_id = path_id(request, "operator_id")
    if operator_id is None:
        return json_error(404, "no such operator")
    async with request.app[SESSIONS]() as session:
        if not await operators.unlock(session, operator_id, by_operator_id=info.operator_id):
            return json_error(404, "no such operator")
        await session.commit()
    return web.json_response({"ok": True})


def add_routes(app: web.Application) -> None:
    """Register the JSON API."""
    r = app.router
    p = "/api/console"
    r.add_post(f"{p}/login", login)
    r.add_post(f"{p}/logout", logout)
    r.add_get(f"{p}/me", me)
    r.add_get(f"{p}/queue", get_queue)
    r.add_get(f"{p}/filters", get_filters)
    r.add_get(f"{p}/cases/{{reference}}", get_case)
    r.add_post(f"{p}/cases/{{reference}}/take", take)
    r.add_post(f"{p}/cases/{{reference}}/release", release)
    r.add_post(f"{p}/cases/{{reference}}/reply", reply)
    r.add_post(f"{p}/cases/{{reference}}/handback", hand_back)
    r.add_post(f"{p}/cases/{{reference}}/status", set_status)
    r.add_post(f"{p}/cases/{{reference}}/notes", add_note)
    r.add_post(f"{p}/cases/{{reference}}/corrections", correct)
    r.add_get(f"{p}/canned", canned)
    r.add_get(f"{p}/events", events)
    r.add_get(f"{p}/media/{{key}}", media)
    r.add_get(f"{p}/dashboard", get_dashboard)
    r.add_get(f"{p}/export.csv", export_csv)
    r.add_get(f"{p}/audit", get_audit)
    r.add_get(f"{p}/operators", list_operators)
    r.add_post(f"{p}/operators", create_operator)
    r.add_post(f"{p}/operators/{{operator_id}}/unlock", unlock_operator)
    r.add_get(f"{p}/erasure-requests", list_erasure_requests)
    r.add_post(f"{p}/erasure-requests/{{request_id}}/execute", execute_erasure)
    r.add_post(f"{p}/erasure-requests/{{request_id}}/refuse", refuse_erasure)
    abuse.add_routes(app)  # mark a case's sender as abuse (docs/abuse.md)
