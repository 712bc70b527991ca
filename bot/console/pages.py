"""Console pages: small server-rendered HTML shells plus vanilla JavaScript, no build step.

The queue and the case page render from the JSON API (the same data a script or another front end
would use), so there is one source of truth. The dashboard is rendered here, with SVG bars, since
it is read rather than worked in. A strict Content-Security-Policy (no inline script or style)
limits the damage a message containing HTML could do, on top of escaping everything shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.console import companies as company_records
from bot.console import referrals, service
from bot.console.auth import current_operator, page, safe_next
from bot.console.html import esc, render
from bot.console.i18n import script_texts, text
from bot.console.params import period
from bot.console.views import audit_item
from bot.keys import SESSIONS, SETTINGS
from storage import audit
from storage.operators import SessionInfo

STATIC = Path(__file__).parent / "static"


async def login_page(request: web.Request) -> web.StreamResponse:
    """The login form (straight to the queue when already logged in)."""
    if await current_operator(request) is not None:
        raise web.HTTPFound(safe_next(request.query.get("next")))
    body = (
        '<section class="login"><div class="brand big"><span class="logo">S</span>'
        "<div><h1>Siaga</h1><p>Command centre for the protection of Indonesian migrant "
        "workers</p></div></div>"
        '<form id="login-form" class="panel" autocomplete="on">'
        '<label>Username<input name="username" autocomplete="username" required autofocus>'
        "</label>"
        '<label>Password<input name="password" type="password" '
        'autocomplete="current-password" required></label>'
        f'<label id="code-label" hidden>{esc(text("acc.code"))}<input name="code" '
        'inputmode="numeric" autocomplete="one-time-code"></label>'
        '<p id="login-error" class="error" role="alert" hidden></p>'
        '<button type="submit" class="primary">Log in</button></form></section>'
    )
    return render("Log in", body, scripts=["login.js"])


@page("operator")
async def queue_page(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """The queue: open cases by urgency then waiting time, live."""
    body = (
        '<section class="queue-head"><h1>Queue <span id="count" class="count"></span></h1>'
        '<div id="alert" class="alert" role="alert" hidden></div>'
        '<form id="filters" class="filters">'
        '<input type="search" name="q" placeholder="Reference, phone or name" '
        'aria-label="Search">'
        '<select name="status" aria-label="Status"><option value="">All open</option></select>'
        '<select name="urgency" aria-label="Urgency"><option value="">Any urgency</option>'
        "</select>"
        '<select name="category" aria-label="Category"><option value="">Any category</option>'
        "</select>"
        '<select name="country" aria-label="Country"><option value="">Any country</option>'
        "</select>"
        '<select name="channel" aria-label="Channel"><option value="">Any channel</option>'
        "</select>"
        '<select name="operator" aria-label="Operator"><option value="">Anyone</option>'
        '<option value="me">Mine</option><option value="none">Unassigned</option></select>'
        '<label class="sound"><input type="checkbox" id="sound" checked> Sound</label>'
        "</form></section>"
        '<table class="queue"><thead><tr><th>Urgency</th><th>Case</th><th>Category</th>'
        "<th>Who</th><th>Country</th><th>Channel</th><th>Status</th><th>Operator</th>"
        '<th>Waiting</th></tr></thead><tbody id="queue-body"></tbody></table>'
        '<p id="empty" class="empty" hidden>No open cases match.</p>'
    ) + referrals.queue_section()
    return render("Queue", body, info=info, current="queue", scripts=["queue.js", "referrals.js"])


@page("operator")
async def case_page(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """One case: conversation, labels, intake, notes, and the operator's actions."""
    reference = request.match_info["reference"].upper()
    body = '<div id="case-root" class="case-root"><p class="muted">Loading…</p></div>'
    body += referrals.case_section() + company_records.case_section()
    return render(
        reference,
        body,
        info=info,
        current="queue",
        scripts=["case.js", "referrals.js", "companies.js"],
        data={"reference": reference},
    )


def _bars(rows: Sequence[tuple[str, int]] | Sequence[list[Any]], label: str) -> str:
    """A horizontal SVG bar chart (no inline styles: the CSP forbids them)."""
    if not rows:
        return (
            f'<figure class="chart"><figcaption>{esc(label)}</figcaption>'
            '<p class="muted">No cases.</p></figure>'
        )
    top = max(int(r[1]) for r in rows) or 1
    height = 22
    parts = []
    for i, (name, count) in enumerate(rows):
        y = i * height
        width = max(1.0, 300 * int(count) / top)
        parts.append(
            f'<text x="0" y="{y + 15}" class="lbl">{esc(_short(str(name)))}</text>'
            f'<rect x="190" y="{y + 4}" width="{width:.0f}" height="14" rx="2" '
            f'class="bar {esc(_bar_class(str(name)))}"/>'
            f'<text x="{195 + width:.0f}" y="{y + 15}" class="num">{int(count)}</text>'
        )
    total_h = height * len(rows)
    return (
        f'<figure class="chart"><figcaption>{esc(label)}</figcaption>'
        f'<svg viewBox="0 0 540 {total_h}" width="100%" height="{total_h}" role="img" '
        'preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{esc(label)}">{"".join(parts)}</svg></figure>'
    )


def _short(name: str) -> str:
    """``complaint.document_withheld`` -> ``document withheld`` (the chart's title says what)."""
    return name.removeprefix("complaint.").replace("_", " ")


def _bar_class(name: str) -> str:
    return name if name in {"critical", "high", "normal", "low"} else "plain"


def _stats_table(title: str, stats: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{v['count']}</td><td>{_fmt_min(v['median'])}</td>"
        f"<td>{_fmt_min(v['p90'])}</td></tr>"
        for k, v in stats.items()
    )
    if not rows:
        rows = '<tr><td colspan="4" class="muted">None yet.</td></tr>'
    return (
        f'<section class="panel"><h2>{esc(title)}</h2><table class="stats"><thead><tr><th></th>'
        "<th>cases</th><th>median</th><th>90th pct</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _fmt_min(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 60:
        return f"{value:.0f} min"
    if value < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} d"


@page("supervisor")
async def dashboard_page(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Supervision: charts, response and resolution times, SLA breaches, P3MI complaints."""
    since, until = period(request)
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        data = await service.dashboard(
            session,
            since=since,
            until=until,
            sla_minutes=settings.sla_minutes,
            operator_id=info.operator_id,
        )
        names = await audit.operator_names(session)
        activity = [
            audit_item(entry, reference, names)
            for entry, reference in await audit.newest(session, limit=30)
        ]
        await session.commit()
    until_day = (until.date()).fromordinal(until.date().toordinal() - 1)
    query = f"since={since.date()}&until={until_day}"
    sla = " · ".join(f"{esc(k)} {_fmt_min(float(v))}" for k, v in data["sla_minutes"].items())
    breaches = (
        "".join(
            f'<tr><td><a href="/console/cases/{esc(b["reference"])}">'
            f"{esc(b['reference'])}</a></td>"
            f'<td><span class="pill {esc(b["urgency"])}">{esc(b["urgency"])}</span></td>'
            f"<td>{esc(_short(b['intent']))}</td><td>{_fmt_min(float(b['waiting_minutes']))}</td>"
            f"<td>{esc(b['assigned_operator'] or '–')}</td></tr>"
            for b in data["open_breaches"]
        )
        or '<tr><td colspan="5" class="muted">No open case is past its target.</td></tr>'
    )
    companies = (
        "".join(
            f"<tr><td>{esc(c['company'])}</td><td>{c['complaints']}</td><td>{c['open']}</td>"
            f"<td>{c['critical']}</td><td>{esc(_short(c['top_category']))}</td></tr>"
            for c in data["companies"]
        )
        or '<tr><td colspan="5" class="muted">No complaint names a recruitment company.</td></tr>'
    )
    breach_counts = "".join(
        f'<div class="kpi"><span class="pill {esc(k)}">{esc(k)}</span><strong>{v}</strong>'
        "<small>SLA breaches</small></div>"
        for k, v in data["sla_breaches"].items()
    )
    body = (
        '<section class="dash-head"><h1>Supervision</h1>'
        '<form class="period" method="get">'
        f'<label>From <input type="date" name="since" value="{since.date()}"></label>'
        f'<label>to <input type="date" name="until" value="{until_day}"></label>'
        '<button type="submit">Show</button>'
        f'<a class="button" href="/api/console/export.csv?{esc(query)}" download>Export CSV</a>'
        "</form></section>"
        f'<section class="kpis"><div class="kpi"><strong>{data["total"]}</strong>'
        f"<small>cases in period</small></div>{breach_counts}</section>"
        f'<p class="muted">First-response targets: {sla}</p>'
        '<section class="grid2">'
        f"{_bars(data['by_urgency'], 'Cases by urgency')}"
        f"{_bars(data['by_week'], 'Cases by week')}"
        f"{_bars(data['by_category'], 'Cases by category')}"
        f"{_bars(data['by_country'], 'Cases by country')}"
        "</section>"
        '<section class="grid2">'
        f"{_stats_table('First response', data['first_response_minutes'])}"
        f"{_stats_table('Resolution', data['resolution_minutes'])}"
        "</section>"
        '<section class="panel"><h2>Open cases past their first-response target</h2>'
        '<table class="list"><thead><tr><th>Case</th><th>Urgency</th><th>Category</th>'
        f"<th>Waiting</th><th>Operator</th></tr></thead><tbody>{breaches}</tbody></table>"
        "</section>"
        '<section class="panel"><h2>Complaints per recruitment company (P3MI)</h2>'
        '<table class="list"><thead><tr><th>Company</th><th>Complaints</th><th>Open</th>'
        "<th>Critical</th><th>Most frequent</th></tr></thead>"
        f"<tbody>{companies}</tbody></table></section>"
        '<section class="panel" id="erasure"><h2>Requests to delete personal data</h2>'
        '<p class="muted">Made by the person in chat ("hapus data saya"). Executing erases '
        "their messages, names, numbers, answers and files, and closes their open cases; the "
        "audit trail and anonymous statistics stay (docs/privacy.md). It cannot be undone.</p>"
        '<table class="list"><thead><tr><th>Requested</th><th>Channel</th><th>Cases</th>'
        '<th>Their words</th><th></th></tr></thead><tbody id="erasure-requests">'
        '<tr><td colspan="5" class="muted">Loading…</td></tr></tbody></table>'
        '<p id="erasure-error" class="error" hidden></p></section>'
        '<section class="panel"><h2>Recent activity (audit log)</h2>'
        '<table class="list"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Case</th>'
        f"</tr></thead><tbody>{_activity(activity)}</tbody></table></section>"
    )
    body += referrals.dashboard_section() + company_records.dashboard_section()
    return render(
        "Supervision",
        body,
        info=info,
        current="dashboard",
        scripts=("privacy.js", "referrals.js", "companies.js"),
    )


def _activity(entries: Sequence[dict[str, Any]]) -> str:
    rows = []
    for e in entries:
        ref = e["reference"]
        link = f'<a href="/console/cases/{esc(ref)}">{esc(ref)}</a>' if ref else "–"
        when = str(e["created_at"] or "")[:16].replace("T", " ")
        rows.append(
            f"<tr><td>{esc(when)} UTC</td><td>{esc(e['operator'] or 'system')}</td>"
            f"<td>{esc(str(e['action']).replace('_', ' '))}</td><td>{link}</td></tr>"
        )
    return "".join(rows) or '<tr><td colspan="4" class="muted">Nothing yet.</td></tr>'


@page("admin")
async def admin_page(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Operator accounts: list, add, unlock."""
    body = (
        '<section class="panel"><h1>Operators</h1>'
        '<table class="list"><thead><tr><th>Username</th><th>Role</th><th>Active</th>'
        '<th>Locked until</th><th></th></tr></thead><tbody id="operators"></tbody></table>'
        "</section>"
        '<section class="panel narrow"><h2>Add an operator</h2>'
        '<form id="add-operator">'
        '<label>Username<input name="username" required></label>'
        '<label>Password (10+ characters)<input name="password" type="password" '
        'minlength="10" required autocomplete="new-password"></label>'
        '<label>Role<select name="role"><option>operator</option><option>supervisor</option>'
        "<option>admin</option></select></label>"
        '<p id="admin-error" class="error" role="alert" hidden></p>'
        '<button type="submit" class="primary">Add</button></form></section>'
    )
    body += script_texts(("acc.",))
    return render("Operators", body, info=info, current="admin", scripts=["admin.js"])


async def static(request: web.Request) -> web.StreamResponse:
    """The console's CSS and JavaScript (public: they hold no data)."""
    name = request.match_info["name"]
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


def add_routes(app: web.Application) -> None:
    """Register the HTML pages and static files."""
    r = app.router
    r.add_get("/console", queue_page)
    r.add_get("/console/", queue_page)
    r.add_get("/console/login", login_page)
    r.add_get("/console/cases/{reference}", case_page)
    r.add_get("/console/dashboard", dashboard_page)
    r.add_get("/console/admin", admin_page)
    r.add_get("/console/static/{name}", static)
