"""Shift handover and who is on duty (docs/console.md, "Shift handover").

The handover page gathers what the incoming shift inherits: open critical and high cases, the
first-response targets falling due before the next shift ends (and those already missed), overdue
referrals, the notes the outgoing shift wrote, and who is on duty now. Operators mark themselves
on or off duty; critical alerts name the people on duty (``bot.effects.alert``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.console.auth import api, page
from bot.console.html import esc, render
from bot.console.i18n import script_texts, text
from bot.console.params import json_body, json_error, string
from bot.keys import SESSIONS, SETTINGS
from storage import handover as store
from storage import referrals
from storage.audit import audit
from storage.models import utcnow
from storage.operators import SessionInfo

MAX_NOTE = 4000
DEFAULT_SHIFT_HOURS = 8
NOTES_WINDOW = timedelta(hours=24)


def _hours(request: web.Request) -> int | None:
    """The shift length asked for (default 8 hours), or None when it is not 1 to 24."""
    raw = request.query.get("hours", "")
    if not raw:
        return DEFAULT_SHIFT_HOURS
    if not raw.isdigit() or not 1 <= int(raw) <= 24:
        return None
    return int(raw)


@api("operator")
async def get_handover(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """What the next shift inherits, and who is on duty."""
    hours = _hours(request)
    if hours is None:
        return json_error(400, "hours must be a whole number from 1 to 24")
    now = utcnow()
    until = now + timedelta(hours=hours)
    sla = request.app[SETTINGS].sla_minutes
    async with request.app[SESSIONS]() as session:
        urgent = await store.open_urgent(session)
        due = await store.first_responses_due(session, sla, until)
        overdue = await referrals.overdue(session, now)
        notes = await store.recent_notes(session, now - NOTES_WINDOW)
        duty = await store.on_duty(session, now)
    return web.json_response(
        {
            "shift_hours": hours,
            "until": until.isoformat(),
            "urgent": [
                {
                    "reference": c.reference,
                    "urgency": c.urgency,
                    "intent": c.intent,
                    "status": c.status,
                    "country": c.country,
                    "assigned_operator": holder,
                    "created_at": c.created_at.isoformat(),
                }
                for c, holder in urgent
            ],
            "first_responses_due": [
                {
                    "reference": c.reference,
                    "urgency": c.urgency,
                    "deadline": deadline.isoformat(),
                    "breached": deadline < now,
                    "assigned_operator": holder,
                }
                for c, deadline, holder in due
            ],
            "overdue_referrals": [
                {
                    "reference": o.reference,
                    "partner": o.partner_name,
                    "status": o.status,
                    "due_at": o.due_at.isoformat(),
                }
                for o in overdue
            ],
            "notes": [
                {
                    "id": n.id,
                    "operator": name,
                    "text": n.text,
                    "created_at": n.created_at.isoformat(),
                }
                for n, name in notes
            ],
            "on_duty": [_duty(d) for d in duty],
            "me_on_duty": any(d.operator_id == info.operator_id for d in duty),
        }
    )


def _duty(d: store.OnDuty) -> dict[str, Any]:
    return {
        "id": d.operator_id,
        "username": d.username,
        "role": d.role,
        "since": d.since.isoformat(),
    }


@api("operator")
async def add_note(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """A note for the next shift (internal); audited without its text."""
    note_text = string(await json_body(request), "text").strip()
    if not note_text:
        return json_error(400, "the note is empty")
    if len(note_text) > MAX_NOTE:
        return json_error(400, f"the note is longer than {MAX_NOTE} characters")
    async with request.app[SESSIONS]() as session:
        note = store.add_note(session, info.operator_id, note_text)
        await session.flush()
        audit(session, "handover_note", operator_id=info.operator_id, detail={"id": note.id})
        await session.commit()
        created = note.created_at.isoformat()
    return web.json_response(
        {"id": note.id, "operator": info.username, "text": note_text, "created_at": created},
        status=201,
    )


@api("operator")
async def get_duty(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Who is on duty now."""
    async with request.app[SESSIONS]() as session:
        duty = await store.on_duty(session)
    return web.json_response({"on_duty": [_duty(d) for d in duty]})


@api("operator")
async def set_duty(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Mark myself on or off duty (``{"on_duty": true|false}``); audited."""
    data = await json_body(request)
    value = data.get("on_duty")
    if not isinstance(value, bool):
        return json_error(400, "on_duty must be true or false")
    async with request.app[SESSIONS]() as session:
        changed = await store.set_on_duty(session, info.operator_id, value)
        if changed:
            audit(session, "duty_on" if value else "duty_off", operator_id=info.operator_id)
        await session.commit()
        duty = await store.on_duty(session)
    return web.json_response(
        {"on_duty": value, "changed": changed, "team": [_duty(d) for d in duty]}
    )


@page("operator")
async def handover_page(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """The handover page; ``handover.js`` fills it from the API."""

    def panel(key: str, ident: str, cols: tuple[str, ...]) -> str:
        head = "".join(f"<th>{esc(text(c))}</th>" for c in cols)
        return (
            f'<section class="panel" id="{ident}"><h2>{esc(text(key))}</h2>'
            f'<table class="list"><thead><tr>{head}</tr></thead><tbody></tbody></table></section>'
        )

    body = (
        f'<section class="dash-head"><h1>{esc(text("ho.title"))}</h1>'
        '<div class="duty"><span id="duty-state"></span> '
        f'<button id="duty-toggle" type="button"></button></div></section>'
        f'<section class="panel" id="on-duty"><h2>{esc(text("ho.on_duty"))}</h2>'
        '<ul id="on-duty-list"></ul></section>'
        + panel(
            "ho.urgent",
            "ho-urgent",
            (
                "ho.col.case",
                "ho.col.urgency",
                "ho.col.category",
                "ho.col.status",
                "ho.col.operator",
            ),
        )
        + panel(
            "ho.due",
            "ho-due",
            ("ho.col.case", "ho.col.urgency", "ho.col.deadline", "ho.col.operator"),
        )
        + panel(
            "ho.referrals",
            "ho-referrals",
            ("ho.col.case", "ho.col.partner", "ho.col.status", "ho.col.deadline"),
        )
        + f'<section class="panel" id="ho-notes"><h2>{esc(text("ho.notes"))}</h2>'
        '<form id="note-form" class="note-form">'
        f'<textarea name="text" rows="3" required aria-label="{esc(text("ho.note_label"))}" '
        f'placeholder="{esc(text("ho.note_label"))}"></textarea>'
        f'<button type="submit" class="primary">{esc(text("ho.note_submit"))}</button>'
        '<p id="note-error" class="error" role="alert" hidden></p></form>'
        '<ul id="notes-list" class="notes"></ul></section>' + script_texts(("ho.", "ref.status."))
    )
    return render(text("ho.title"), body, info=info, current="handover", scripts=["handover.js"])


def add_routes(app: web.Application) -> None:
    """Register the handover page and its API."""
    r = app.router
    r.add_get("/api/console/handover", get_handover)
    r.add_post("/api/console/handover/notes", add_note)
    r.add_get("/api/console/duty", get_duty)
    r.add_post("/api/console/duty", set_duty)
    r.add_get("/console/handover", handover_page)
