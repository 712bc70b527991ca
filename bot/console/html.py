"""HTML for the console's pages: the shared page frame, escaping, and the security headers.

Everything a worker wrote is shown as text, never as HTML; the strict Content-Security-Policy
(no inline script or style) limits the damage a message containing HTML could do on top of that.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.console.i18n import text
from storage.operators import SessionInfo, has_role

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def esc(value: Any) -> str:
    """HTML-escape anything (None as empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def nav(info: SessionInfo, current: str) -> str:
    """The header: the pages this operator's role opens, who is logged in, log out."""
    links = [
        ("queue", "/console", "Queue"),
        ("handover", "/console/handover", text("nav.handover")),
    ]
    if has_role(info.role, "supervisor"):
        links.append(("dashboard", "/console/dashboard", "Supervision"))
        links.append(("advisories", "/console/advisories", "Advisories"))
    if has_role(info.role, "admin"):
        links.append(("admin", "/console/admin", "Operators"))
        links.append(("integration", "/console/integration", text("nav.integration")))
    items = "".join(
        f'<a href="{href}"{" aria-current=page" if key == current else ""}>{label}</a>'
        for key, href, label in links
    )
    return (
        '<header class="top"><div class="brand"><span class="logo">S</span>'
        "<span>Siaga <small>Command centre</small></span></div>"
        f'<nav>{items}</nav><div class="who"><span id="live" class="live" title="live updates">'
        "● live</span> "
        f'<span class="user">{esc(info.username)} <em>{esc(info.role)}</em></span>'
        f'<a href="/console/account" class="account">{esc(text("nav.account"))}</a> '
        '<button id="logout" class="link">Log out</button></div></header>'
    )


def render(
    title: str,
    body: str,
    *,
    info: SessionInfo | None = None,
    current: str = "",
    scripts: Sequence[str] = (),
    status: int = 200,
    data: dict[str, str] | None = None,
) -> web.Response:
    """A full console page with the shared header, CSRF meta tag and security headers."""
    meta = ""
    if info is not None:
        meta = (
            f'<meta name="csrf-token" content="{esc(info.csrf_token)}">'
            f'<meta name="operator-id" content="{info.operator_id}">'
            f'<meta name="operator-role" content="{esc(info.role)}">'
        )
    attrs = "".join(f' data-{esc(k)}="{esc(v)}"' for k, v in (data or {}).items())
    script_tags = "".join(
        f'<script src="/console/static/{name}" defer></script>'
        for name in ("console.js", *scripts)
    )
    header = nav(info, current) if info is not None else ""
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · Siaga console</title>{meta}"
        '<link rel="stylesheet" href="/console/static/console.css">'
        f"{script_tags}</head><body{attrs}>{header}<main>{body}</main></body></html>"
    )
    return web.Response(
        text=document, content_type="text/html", charset="utf-8", status=status, headers=HEADERS
    )


def forbidden_page(info: SessionInfo, role: str) -> web.Response:
    """What an operator sees on a page their role does not open."""
    body = (
        '<section class="panel narrow"><h1>Not for your role</h1>'
        f"<p>This page needs the <strong>{esc(role)}</strong> role; you are logged in as "
        f'<strong>{esc(info.role)}</strong>.</p><p><a href="/console">Back to the queue</a></p>'
        "</section>"
    )
    return render("Not allowed", body, info=info, status=403)
