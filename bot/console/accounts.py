"""Accounts (docs/console.md, "Accounts"): change your own password, set up or remove the TOTP
second factor, and, for admins, reset a password (changed at the next login) and deactivate or
reactivate an account (its sessions end at once, on every instance: sessions are rows).

A session whose account must act first (a reset password, a second factor required by
``SIAGA_REQUIRE_2FA``) opens only the account page and these endpoints (``bot.console.auth``).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.console.auth import api, page, pending_action, session_token
from bot.console.html import esc, render
from bot.console.i18n import script_texts, text
from bot.console.params import json_body, json_error, string
from bot.keys import SESSIONS, SETTINGS
from storage import accounts
from storage.operators import SessionInfo

log = logging.getLogger("bot.console")
_ACTION_TEXT = {"change_password": "acc.change_password", "setup_totp": "acc.setup_totp"}


def _operator_id(request: web.Request) -> int | None:
    try:
        return int(request.match_info["operator_id"])
    except ValueError:
        return None


@api("operator")
async def change_password(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Change my password (the current one is needed); my other sessions end."""
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            await accounts.change_own_password(
                session,
                info.operator_id,
                string(data, "current_password"),
                string(data, "new_password"),
                keep_token=session_token(request),
            )
        except accounts.AccountError as exc:
            await session.commit()  # the refusal's audit entry stays
            return json_error(400, str(exc))
        await session.commit()
    log.info("operator=%s changed their password", info.operator_id)
    return web.json_response({"ok": True})


@api("operator")
async def totp_begin(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Start setting up the second factor: the secret to type or scan into an app."""
    async with request.app[SESSIONS]() as session:
        try:
            secret, uri = await accounts.totp_begin(session, info.operator_id)
        except accounts.AccountError as exc:
            return json_error(409, str(exc))
        await session.commit()
    return web.json_response({"secret": secret, "otpauth_uri": uri})


@api("operator")
async def totp_enable(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Turn the second factor on with a code from the app."""
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            await accounts.totp_enable(session, info.operator_id, string(data, "code"))
        except accounts.AccountError as exc:
            return json_error(400, str(exc))
        await session.commit()
    return web.json_response({"totp_enabled": True})


@api("operator")
async def totp_disable(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Turn the second factor off (password and a current code); refused while it is required."""
    if request.app[SETTINGS].require_2fa == "admins" and info.role == "admin":
        return json_error(409, "two-factor login is required for admins (SIAGA_REQUIRE_2FA)")
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            await accounts.totp_disable(
                session, info.operator_id, string(data, "password"), string(data, "code")
            )
        except accounts.AccountError as exc:
            return json_error(400, str(exc))
        await session.commit()
    return web.json_response({"totp_enabled": False})


@api("admin")
async def reset_password(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Set a temporary password (changed at the next login); the account's sessions end."""
    operator_id = _operator_id(request)
    if operator_id is None:
        return json_error(404, "no such operator")
    data = await json_body(request)
    async with request.app[SESSIONS]() as session:
        try:
            await accounts.reset_password(
                session,
                operator_id,
                string(data, "password"),
                by_operator_id=info.operator_id,
                reset_totp=bool(data.get("reset_totp")),
            )
        except LookupError:
            return json_error(404, "no such operator")
        except accounts.AccountError as exc:
            return json_error(400, str(exc))
        await session.commit()
    return web.json_response({"ok": True, "must_change_password": True})


@api("admin")
async def set_active(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Deactivate (sessions end at once, everywhere) or reactivate an account."""
    operator_id = _operator_id(request)
    if operator_id is None:
        return json_error(404, "no such operator")
    data = await json_body(request)
    active = data.get("active")
    if not isinstance(active, bool):
        return json_error(400, "active must be true or false")
    async with request.app[SESSIONS]() as session:
        try:
            await accounts.set_active(
                session, operator_id, active, by_operator_id=info.operator_id
            )
        except LookupError:
            return json_error(404, "no such operator")
        except accounts.AccountError as exc:
            return json_error(409, str(exc))
        await session.commit()
    return web.json_response({"id": operator_id, "active": active})


@page("operator")
async def account_page(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """My account: change my password, the second factor; what must be done first, if any."""
    action = pending_action(request, info)
    notice = ""
    if action is not None:
        message = esc(text(_ACTION_TEXT[action]))
        notice = f'<p id="account-action" class="alert" role="alert">{message}</p>'
    body = (
        f'<section class="panel narrow"><h1>{esc(text("acc.title"))}</h1>{notice}'
        f'<h2>{esc(text("acc.password"))}</h2><form id="password-form">'
        f'<label>{esc(text("acc.current"))}<input name="current_password" type="password" '
        'autocomplete="current-password" required></label>'
        f'<label>{esc(text("acc.new"))}<input name="new_password" type="password" minlength="10" '
        'autocomplete="new-password" required></label>'
        f'<label>{esc(text("acc.repeat"))}<input name="repeat" type="password" minlength="10" '
        'autocomplete="new-password" required></label>'
        f'<button type="submit" class="primary">{esc(text("acc.save_password"))}</button>'
        '<p id="password-result" role="status" hidden></p></form>'
        f"<h2>{esc(text('acc.totp'))}</h2>"
        f'<p id="totp-state" data-enabled="{str(info.totp_enabled).lower()}">'
        f"{esc(text('acc.totp_on' if info.totp_enabled else 'acc.totp_off'))}</p>"
        f'<button id="totp-begin" type="button"{" hidden" if info.totp_enabled else ""}>'
        f"{esc(text('acc.totp_begin'))}</button>"
        '<div id="totp-setup" hidden><p>'
        f'{esc(text("acc.totp_secret"))} <code id="totp-secret"></code></p>'
        '<p class="muted"><code id="totp-uri"></code></p>'
        f'<form id="totp-enable"><label>{esc(text("acc.code"))}<input name="code" '
        'inputmode="numeric" autocomplete="one-time-code" required></label>'
        f'<button type="submit" class="primary">{esc(text("acc.totp_enable"))}</button></form>'
        "</div>"
        '<p id="totp-result" role="status" hidden></p></section>' + script_texts(("acc.",))
    )
    return render(text("acc.title"), body, info=info, current="account", scripts=["account.js"])


def add_routes(app: web.Application) -> None:
    """Register the account endpoints and page."""
    r = app.router
    p = "/api/console"
    r.add_post(f"{p}/me/password", change_password)
    r.add_post(f"{p}/me/totp", totp_begin)
    r.add_post(f"{p}/me/totp/enable", totp_enable)
    r.add_post(f"{p}/me/totp/disable", totp_disable)
    r.add_post(f"{p}/operators/{{operator_id}}/password", reset_password)
    r.add_post(f"{p}/operators/{{operator_id}}/active", set_active)
    r.add_get("/console/account", account_page)
