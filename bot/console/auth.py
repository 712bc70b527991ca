"""Console authentication: the session cookie, roles and CSRF checks, as handler decorators.

The cookie holds a random session token plus an HMAC of it made with ``SIAGA_SECRET_KEY``, so a
forged or truncated cookie is refused before any database work; the ``console_sessions`` row is
the truth (logout and expiry take effect on every instance at once). The cookie is ``HttpOnly``
and ``SameSite=Strict`` (``Secure`` when ``SIAGA_SECURE_COOKIES``). Every state-changing request
must also carry the session's CSRF token in ``X-CSRF-Token``; pages get it from a ``<meta>`` tag.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from bot.console.html import forbidden_page
from bot.console.params import json_error
from bot.keys import SESSIONS, SETTINGS
from storage.integration import token_for
from storage.operators import SessionInfo, has_role, session_operator

COOKIE = "siaga_console"
CSRF_HEADER = "X-CSRF-Token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Used only when no SIAGA_SECRET_KEY is set (development): cookies then last one process.
_DEV_KEY = secrets.token_bytes(32)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AuthedHandler = Callable[[web.Request, SessionInfo], Awaitable[web.StreamResponse]]


def _key(request: web.Request) -> bytes:
    secret = request.app[SETTINGS].secret_key.get()
    return secret.encode() if secret else _DEV_KEY


def _sign(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:32]


def cookie_value(request: web.Request, token: str) -> str:
    """The cookie for a session token: ``token.signature``."""
    return f"{token}.{_sign(_key(request), token)}"


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """Put the session on the browser (no ``Max-Age``: it ends with the browser or the row)."""
    response.set_cookie(
        COOKIE,
        cookie_value(request, token),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[SETTINGS].secure_cookies,
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    """Remove the session cookie from the browser."""
    response.del_cookie(COOKIE, path="/")


def session_token(request: web.Request) -> str | None:
    """The session token of a correctly signed cookie, else None."""
    raw = request.cookies.get(COOKIE, "")
    token, _, signature = raw.rpartition(".")
    # We only issue ASCII; anything else is forged (and compare_digest refuses non-ASCII str).
    if not token or not raw.isascii():
        return None
    if not hmac.compare_digest(signature, _sign(_key(request), token)):
        return None
    return token


async def current_operator(request: web.Request) -> SessionInfo | None:
    """Who is logged in on this request, if anyone."""
    token = session_token(request)
    if token is None:
        return None
    async with request.app[SESSIONS]() as session:
        return await session_operator(session, token)


def same_origin(request: web.Request) -> bool:
    """False when the browser says the request comes from another site (Origin header)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("Host", "")
    public = request.app[SETTINGS].public_url.rstrip("/")
    return origin in {f"{request.scheme}://{host}", f"http://{host}", f"https://{host}", public}


def _same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison of a token the client sent (any characters) with ours."""
    if not sent:
        return False
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode())


# What an operator may still do while their account needs attention (a reset password to
# change, a required second factor to set up): their own account, nothing else.
ACCOUNT_API = frozenset(
    {
        "/api/console/me",
        "/api/console/logout",
        "/api/console/me/password",
        "/api/console/me/totp",
        "/api/console/me/totp/enable",
    }
)
ACCOUNT_PAGE = "/console/account"


def pending_action(request: web.Request, info: SessionInfo) -> str | None:
    """``change_password`` or ``setup_totp`` when the account must do that first, else None."""
    if info.must_change_password:
        return "change_password"
    if (
        request.app[SETTINGS].require_2fa == "admins"
        and info.role == "admin"
        and not info.totp_enabled
    ):
        return "setup_totp"
    return None


def login_redirect(request: web.Request) -> web.HTTPFound:
    """To the login form, remembering the page asked for (``next``, a console path only)."""
    target = request.path_qs
    if target in ("/console", "/console/"):
        return web.HTTPFound("/console/login")
    return web.HTTPFound(f"/console/login?next={quote(target, safe='')}")


def safe_next(value: str | None) -> str:
    """Where to go after login: a console page of this site, never another site."""
    if (
        value
        and value.startswith("/console")
        and not value.startswith("/console/login")
        and "\\" not in value
        and "//" not in value
        and all(ch.isprintable() for ch in value)
    ):
        return value
    return "/console"


def api(role: str) -> Callable[[AuthedHandler], Handler]:
    """Protect a JSON endpoint: 401 when logged out, 403 for a too-small role or bad CSRF token."""

    def wrap(handler: AuthedHandler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            info = await current_operator(request)
            if info is None and request.headers.get("Authorization", "").startswith("Bearer "):
                return await _with_token(request, handler)
            if info is None:
                return json_error(401, "log in first")
            if not has_role(info.role, role):
                return json_error(403, f"this needs the {role} role")
            action = pending_action(request, info)
            if action is not None and request.path not in ACCOUNT_API:
                message = (
                    "change your password first"
                    if action == "change_password"
                    else "set up two-factor login first"
                )
                return json_error(403, message, action=action)
            if request.method in _UNSAFE:
                sent = request.headers.get(CSRF_HEADER, "")
                if not _same_secret(sent, info.csrf_token):
                    return json_error(403, "missing or wrong CSRF token; reload the page")
                if not same_origin(request):
                    return json_error(403, "cross-site request refused")
            return await handler(request, info)

        return guarded

    return wrap


# What an API token may read, by route (docs/console.md, "Integration"): GET only.
TOKEN_ROUTES: dict[str, str] = {
    "/api/console/queue": "cases:read",
    "/api/console/filters": "cases:read",
    "/api/console/cases/{reference}": "cases:read",
    "/api/console/dashboard": "stats:read",
    "/api/console/export.csv": "stats:read",
}


async def _with_token(request: web.Request, handler: AuthedHandler) -> web.StreamResponse:
    """Serve a request made with an API token (``Authorization: Bearer siaga_…``) when the
    token is live and has the route's scope; it acts for the admin who created it."""
    plain = request.headers["Authorization"].removeprefix("Bearer ").strip()
    async with request.app[SESSIONS]() as session:
        token = await token_for(session, plain)
        if token is None:
            return json_error(401, "unknown or revoked API token")
        route = request.match_info.route.resource
        scope = TOKEN_ROUTES.get(route.canonical if route is not None else "")
        if request.method != "GET" or scope is None:
            return json_error(403, "API tokens can only read cases and statistics")
        if scope not in token.scopes:
            return json_error(403, f"this token lacks the {scope} scope")
        info = SessionInfo(
            operator_id=token.created_by,
            username=f"token:{token.name}",
            role="supervisor",
            csrf_token="",
        )
        await session.commit()  # last_used_at
    return await handler(request, info)


def page(role: str) -> Callable[[AuthedHandler], Handler]:
    """Protect an HTML page: to the login form when logged out, a 403 page for a too-small role."""

    def wrap(handler: AuthedHandler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            info = await current_operator(request)
            if info is None:
                raise login_redirect(request)
            if pending_action(request, info) is not None and request.path != ACCOUNT_PAGE:
                raise web.HTTPFound(ACCOUNT_PAGE)
            if not has_role(info.role, role):
                return forbidden_page(info, role)
            return await handler(request, info)

        return guarded

    return wrap
