"""Integration (docs/console.md, "Integration"): admins manage webhook subscribers (which events,
whether personal data may go to them) and scoped API tokens, and see failed deliveries. Secrets
and tokens are shown once, at creation; every change is audited.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.console.auth import api, page
from bot.console.html import esc, render
from bot.console.i18n import script_texts, text
from bot.console.params import json_body, json_error, string
from bot.keys import SESSIONS
from storage import integration
from storage.audit import audit
from storage.models import ApiToken, WebhookDelivery, WebhookSubscriber
from storage.operators import SessionInfo


def _subscriber(s: WebhookSubscriber) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "url": s.url,
        "events": list(s.events) or list(integration.EVENTS),
        "personal_data": s.personal_data,
        "active": s.active,
        "created_at": s.created_at.isoformat(),
    }


def _token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "scopes": list(t.scopes),
        "created_at": t.created_at.isoformat(),
        "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
    }


def _id(request: web.Request, key: str) -> int | None:
    try:
        return int(request.match_info[key])
    except ValueError:
        return None


@api("admin")
async def list_webhooks(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Webhook subscribers."""
    async with request.app[SESSIONS]() as session:
        rows = (
            await session.execute(select(WebhookSubscriber).order_by(WebhookSubscriber.id))
        ).scalars()
        return web.json_response({"webhooks": [_subscriber(s) for s in rows]})


@api("admin")
async def create_webhook(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Add a subscriber; its signing secret is in this answer only."""
    data = await json_body(request)
    name = string(data, "name").strip()
    url = string(data, "url").strip()
    events = data.get("events") or []
    if not name or len(name) > 100:
        return json_error(400, "give the subscriber a name (up to 100 characters)")
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        return json_error(400, "url must be an http(s) address")
    if not isinstance(events, list) or any(e not in integration.EVENTS for e in events):
        return json_error(400, f"events must be a list of {', '.join(integration.EVENTS)}")
    personal = data.get("personal_data", False)
    if not isinstance(personal, bool):
        return json_error(400, "personal_data must be true or false")
    secret = secrets.token_hex(32)
    async with request.app[SESSIONS]() as session:
        sub = WebhookSubscriber(
            name=name,
            url=url,
            secret=secret,
            events=events,
            personal_data=personal,
            active=True,
            created_by=info.operator_id,
        )
        session.add(sub)
        await session.flush()
        audit(
            session,
            "webhook_created",
            operator_id=info.operator_id,
            detail={"id": sub.id, "personal_data": personal, "events": events},
        )
        await session.commit()
        return web.json_response({"webhook": _subscriber(sub), "secret": secret}, status=201)


@api("admin")
async def set_webhook_active(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Pause or resume a subscriber (paused: no new events are queued for it)."""
    sub_id = _id(request, "webhook_id")
    active = (await json_body(request)).get("active")
    if not isinstance(active, bool):
        return json_error(400, "active must be true or false")
    async with request.app[SESSIONS]() as session:
        sub = await session.get(WebhookSubscriber, sub_id) if sub_id is not None else None
        if sub is None:
            return json_error(404, "no such webhook")
        sub.active = active
        audit(
            session,
            "webhook_activated" if active else "webhook_paused",
            operator_id=info.operator_id,
            detail={"id": sub.id},
        )
        await session.commit()
        return web.json_response({"webhook": _subscriber(sub)})


@api("admin")
async def list_deliveries(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Recent deliveries (``?status=failed`` for the ones given up), without their payload."""
    status = request.query.get("status", "")
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(200)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    async with request.app[SESSIONS]() as session:
        rows = (await session.execute(stmt)).scalars()
        return web.json_response(
            {
                "deliveries": [
                    {
                        "id": d.id,
                        "webhook_id": d.subscriber_id,
                        "case": d.case_reference,
                        "event": d.event,
                        "status": d.status,
                        "attempts": d.attempts,
                        "last_error": d.last_error,
                        "next_attempt_at": d.next_attempt_at.isoformat(),
                    }
                    for d in rows
                ]
            }
        )


@api("admin")
async def list_tokens(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """API tokens (never their values)."""
    async with request.app[SESSIONS]() as session:
        rows = (await session.execute(select(ApiToken).order_by(ApiToken.id))).scalars()
        return web.json_response({"tokens": [_token(t) for t in rows]})


@api("admin")
async def create_token(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Create a token with scopes; its value is in this answer only."""
    data = await json_body(request)
    name = string(data, "name").strip()
    scopes = data.get("scopes")
    if not name or len(name) > 100:
        return json_error(400, "give the token a name (up to 100 characters)")
    if (
        not isinstance(scopes, list)
        or not scopes
        or any(s not in integration.SCOPES for s in scopes)
    ):
        return json_error(400, f"scopes must be a list of {', '.join(integration.SCOPES)}")
    async with request.app[SESSIONS]() as session:
        row, plain = integration.new_token(session, name, sorted(set(scopes)), info.operator_id)
        await session.flush()
        audit(
            session,
            "api_token_created",
            operator_id=info.operator_id,
            detail={"id": row.id, "scopes": row.scopes},
        )
        await session.commit()
        return web.json_response({"token": _token(row), "value": plain}, status=201)


@api("admin")
async def revoke_token(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Revoke a token at once."""
    token_id = _id(request, "token_id")
    async with request.app[SESSIONS]() as session:
        if token_id is None or not await integration.revoke(session, token_id):
            return json_error(404, "no such live token")
        audit(session, "api_token_revoked", operator_id=info.operator_id, detail={"id": token_id})
        await session.commit()
    return web.json_response({"ok": True})


@page("admin")
async def integration_page(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Webhooks and API tokens; ``integration.js`` fills the lists."""
    events = "".join(
        f'<label class="check"><input type="checkbox" name="events" value="{e}" checked> {e}'
        "</label>"
        for e in integration.EVENTS
    )
    scopes = "".join(
        f'<label class="check"><input type="checkbox" name="scopes" value="{s}"> {s}</label>'
        for s in integration.SCOPES
    )
    body = (
        f'<section class="panel"><h1>{esc(text("int.title"))}</h1>'
        f'<h2>{esc(text("int.webhooks"))}</h2><table class="list"><thead><tr>'
        f"<th>{esc(text('int.name'))}</th><th>URL</th><th>{esc(text('int.events'))}</th>"
        f"<th>{esc(text('int.personal'))}</th><th>{esc(text('int.active'))}</th></tr></thead>"
        '<tbody id="webhooks"></tbody></table>'
        '<form id="webhook-form" class="referral-form">'
        f'<label>{esc(text("int.name"))}<input name="name" required></label>'
        '<label>URL<input name="url" type="url" required></label>'
        f"<fieldset><legend>{esc(text('int.events'))}</legend>{events}</fieldset>"
        '<label class="check"><input type="checkbox" name="personal_data"> '
        f"{esc(text('int.personal_allow'))}</label>"
        f'<button type="submit" class="primary">{esc(text("int.add_webhook"))}</button></form>'
        f'<h2>{esc(text("int.failed"))}</h2><ul id="failed-deliveries"></ul>'
        f'<h2>{esc(text("int.tokens"))}</h2><table class="list"><thead><tr>'
        f"<th>{esc(text('int.name'))}</th><th>{esc(text('int.scopes'))}</th>"
        f"<th>{esc(text('int.last_used'))}</th><th></th></tr></thead>"
        '<tbody id="tokens"></tbody></table>'
        '<form id="token-form" class="referral-form">'
        f'<label>{esc(text("int.name"))}<input name="name" required></label>'
        f"<fieldset><legend>{esc(text('int.scopes'))}</legend>{scopes}</fieldset>"
        f'<button type="submit" class="primary">{esc(text("int.add_token"))}</button></form>'
        '<p id="int-secret" class="flash ok" role="status" hidden></p>'
        '<p id="int-error" class="error" role="alert" hidden></p></section>'
        + script_texts(("int.",))
    )
    return render(
        text("int.title"), body, info=info, current="integration", scripts=["integration.js"]
    )


def add_routes(app: web.Application) -> None:
    """Register the integration endpoints and page."""
    r = app.router
    p = "/api/console"
    r.add_get(f"{p}/webhooks", list_webhooks)
    r.add_post(f"{p}/webhooks", create_webhook)
    r.add_post(f"{p}/webhooks/{{webhook_id}}/active", set_webhook_active)
    r.add_get(f"{p}/webhooks/deliveries", list_deliveries)
    r.add_get(f"{p}/tokens", list_tokens)
    r.add_post(f"{p}/tokens", create_token)
    r.add_post(f"{p}/tokens/{{token_id}}/revoke", revoke_token)
    r.add_get("/console/integration", integration_page)
