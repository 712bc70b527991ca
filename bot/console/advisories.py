"""Advisories to many in the console (issue 16, docs/advisories.md): the page and its API.

A supervisor composes an advisory (Indonesian and English, a source link), builds its audience
(country, channel, language, recency) and sees the count; a second supervisor approves it
(four eyes), which queues it in the outbox at its scheduled time; either can cancel it while it
is sending. The page follows the progress (sent, delivered, read, failed, opted out) and the
replies, which the dispatcher tags with the advisory they answer.

Mounted by ``bot.console.setup_console`` with one call to :func:`add_routes`. Strings go
through ``bot.console.i18n.text``. Logs carry ids and counts, never texts or recipients.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.channels.registry import broadcast_reach
from bot.console.auth import api, page
from bot.console.html import esc, render
from bot.console.i18n import text
from bot.console.params import json_body, json_error, string
from bot.keys import ADAPTERS, SESSIONS, SETTINGS, SIGNALS
from flows import advisory as wording
from storage import advisories
from storage.advisories import AdvisoryError, AudienceFilter, Reach, Rendered
from storage.models import Advisory
from storage.operators import SessionInfo

log = logging.getLogger("bot.console.advisories")

_ERROR_STATUS = {"not_found": 404, "conflict": 409, "invalid": 400, "forbidden": 403}
# An advisory is a template parameter outside WhatsApp's window: Meta allows 1,024 characters
# per parameter, and the source line and the STOP line come on top.
MAX_TEXT = 800
MAX_TITLE = 200
MAX_URL = 500


class _Invalid(Exception):
    """A field of the request that cannot be used, with the reason."""


def _reach(request: web.Request) -> Reach:
    adapters = request.app.get(ADAPTERS, {})
    return broadcast_reach(request.app[SETTINGS], adapters)


def _list(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _Invalid(text("advisories.error.audience", field=key, what="a list of strings"))
    return tuple(value)


def _audience(data: Any) -> AudienceFilter:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _Invalid(text("advisories.error.audience", field="", what="an object"))
    days = data.get("active_days")
    if days is not None and (
        not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650
    ):
        raise _Invalid(
            text("advisories.error.audience", field="active_days", what="a number of days")
        )
    languages = _list(data, "languages")
    if any(lang not in advisories.LANGUAGES for lang in languages):
        raise _Invalid(text("advisories.error.audience", field="languages", what="id or en"))
    return AudienceFilter(
        countries=_list(data, "countries"),
        channels=_list(data, "channels"),
        languages=languages,
        active_days=days,
    )


def _text(data: dict[str, Any], key: str, limit: int) -> str:
    value = string(data, key).strip()
    if not value or len(value) > limit:
        raise _Invalid(text("advisories.error.text", field=key, max=limit))
    return value


def _source(data: dict[str, Any]) -> str:
    source = _text(data, "source_url", MAX_URL)
    if not source.startswith(("https://", "http://")) or any(c.isspace() for c in source):
        raise _Invalid(text("advisories.error.source"))
    return source


def _when(data: dict[str, Any]) -> datetime | None:
    raw = string(data, "scheduled_at").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise _Invalid(text("advisories.error.scheduled")) from None
    if when.tzinfo is None:
        raise _Invalid(text("advisories.error.scheduled"))
    return when


def rendered(row: Advisory) -> Rendered:
    """What each recipient reads, by language: the flows' wording (source and STOP lines)."""
    return Rendered(
        texts={
            "id": wording.render(row.text_id, row.source_url, "id"),
            "en": wording.render(row.text_en, row.source_url, "en"),
        },
        buttons={lang: [wording.stop_button(lang)] for lang in advisories.LANGUAGES},
    )


def _view(row: Advisory, counts: dict[str, int] | None = None) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": row.id,
        "title": row.title,
        "text_id": row.text_id,
        "text_en": row.text_en,
        "source_url": row.source_url,
        "audience": row.audience,
        "status": advisories.state_of(row, counts or {}),
        "created_by": row.created_by,
        "approved_by": row.approved_by,
        "cancelled_by": row.cancelled_by,
        "recipients": row.recipients,
        "scheduled_at": iso(row.scheduled_at),
        "created_at": iso(row.created_at),
        "approved_at": iso(row.approved_at),
        "cancelled_at": iso(row.cancelled_at),
        "progress": counts or {},
    }


def _refused(exc: AdvisoryError) -> web.Response:
    return json_error(_ERROR_STATUS.get(exc.kind, 400), exc.message)


@api("supervisor")
async def list_advisories(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """The latest advisories with their progress, the reachable channels and the countries."""
    async with request.app[SESSIONS]() as session:
        rows = await advisories.listing(session)
        items = [_view(row, await advisories.progress(session, row.id)) for row in rows]
        known = await advisories.countries(session)
    return web.json_response(
        {
            "advisories": items,
            "channels": _reach(request),
            "countries": [{"country": c, "contacts": n} for c, n in known],
            "languages": list(advisories.LANGUAGES),
        }
    )


@api("supervisor")
async def count(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """How many people an audience reaches now, per channel (nobody who opted out)."""
    data = await json_body(request)
    try:
        audience = _audience(data.get("audience", data))
    except _Invalid as exc:
        return json_error(400, str(exc))
    async with request.app[SESSIONS]() as session:
        counts = await advisories.count_audience(session, audience, _reach(request))
    return web.json_response({"count": counts})


@api("supervisor")
async def create(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Save a draft; nothing is sent until a second supervisor approves it."""
    data = await json_body(request)
    try:
        title = _text(data, "title", MAX_TITLE)
        text_id = _text(data, "text_id", MAX_TEXT)
        text_en = _text(data, "text_en", MAX_TEXT)
        source = _source(data)
        audience = _audience(data.get("audience"))
        when = _when(data)
    except _Invalid as exc:
        return json_error(400, str(exc))
    async with request.app[SESSIONS]() as session, session.begin():
        row = await advisories.create(
            session,
            operator_id=info.operator_id,
            title=title,
            text_id=text_id,
            text_en=text_en,
            source_url=source,
            audience=audience,
            scheduled_at=when,
        )
        view = _view(row)
    log.info("advisory=%d drafted operator=%s", row.id, info.operator_id)
    return web.json_response({"advisory": view}, status=201)


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["advisory_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


@api("supervisor")
async def detail(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """One advisory, its progress and the latest replies (case references, no texts)."""
    async with request.app[SESSIONS]() as session:
        row = await session.get(Advisory, _id(request))
        if row is None:
            return json_error(404, "no such advisory")
        counts = await advisories.progress(session, row.id)
        answers = await advisories.replies(session, row.id)
    return web.json_response({"advisory": _view(row, counts), "replies": answers})


@api("supervisor")
async def approve(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """The second supervisor's approval: the audience is fixed and queued in the outbox."""
    advisory_id = _id(request)
    async with request.app[SESSIONS]() as session, session.begin():
        row = await session.get(Advisory, advisory_id)
        if row is None:
            return json_error(404, "no such advisory")
        if row.created_by == info.operator_id:
            return json_error(403, text("advisories.error.four_eyes"))
        try:
            row = await advisories.approve(
                session,
                advisory_id,
                operator_id=info.operator_id,
                reach=_reach(request),
                rendered=rendered(row),
            )
        except AdvisoryError as exc:
            return _refused(exc)
        view = _view(row, {"queued": row.recipients})
    if SIGNALS in request.app:
        request.app[SIGNALS].outbox_queued()
    log.info(
        "advisory=%d approved operator=%s recipients=%d",
        advisory_id,
        info.operator_id,
        row.recipients,
    )
    return web.json_response({"advisory": view})


@api("supervisor")
async def cancel(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Stop it: nothing more is sent (the few messages being sent this second finish)."""
    advisory_id = _id(request)
    async with request.app[SESSIONS]() as session, session.begin():
        try:
            unsent = await advisories.cancel(session, advisory_id, operator_id=info.operator_id)
        except AdvisoryError as exc:
            return _refused(exc)
    log.info("advisory=%d cancelled operator=%s unsent=%d", advisory_id, info.operator_id, unsent)
    return web.json_response({"cancelled": unsent})


@page("supervisor")
async def advisories_page(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Compose, count, approve, follow and cancel advisories."""

    def field(name: str, control: str) -> str:
        return f"<label>{esc(text('advisories.field.' + name))}{control}</label>"

    body = (
        f'<section class="panel"><h1>{esc(text("advisories.title"))}</h1>'
        f'<p class="muted">{esc(text("advisories.intro"))}</p></section>'
        f'<section class="panel narrow"><h2>{esc(text("advisories.compose"))}</h2>'
        '<form id="advisory-form">'
        + field("title", '<input name="title" required maxlength="200">')
        + field("text_id", f'<textarea name="text_id" required maxlength="{MAX_TEXT}"></textarea>')
        + field("text_en", f'<textarea name="text_en" required maxlength="{MAX_TEXT}"></textarea>')
        + field("source_url", '<input name="source_url" type="url" required>')
        + field("countries", '<select name="countries" multiple></select>')
        + field("channels", '<select name="channels" multiple></select>')
        + field("languages", '<select name="languages" multiple></select>')
        + field("active_days", '<input name="active_days" type="number" min="1" max="3650">')
        + field("scheduled_at", '<input name="scheduled_at" type="datetime-local">')
        + f'<p>{esc(text("advisories.count"))}: <strong id="audience-count">–</strong> '
        f'<button type="button" id="count-button">{esc(text("advisories.count_button"))}'
        "</button></p>"
        '<p id="advisory-error" class="error" role="alert" hidden></p>'
        f'<button type="submit" class="primary">{esc(text("advisories.save"))}</button>'
        "</form></section>"
        f'<section class="panel"><h2>{esc(text("advisories.list"))}</h2>'
        '<div id="advisories"></div></section>'
    )
    labels = {
        "approve": text("advisories.approve"),
        "cancel": text("advisories.cancel"),
        "replies": text("advisories.replies"),
    }
    return render(
        text("advisories.title"),
        body,
        info=info,
        current="advisories",
        scripts=["advisories.js"],
        data={f"label-{k}": v for k, v in labels.items()},
    )


_S: dict[str, Any] = {"type": "string"}
_LIST: dict[str, Any] = {"type": "array", "items": _S}
_AUDIENCE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "countries": _LIST,
        "channels": _LIST,
        "languages": _LIST,
        "active_days": {"type": ["integer", "null"]},
    },
}
_ID = [{"name": "advisory_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
# This module's rows of the OpenAPI table (``bot.console.openapi.ENDPOINTS``).
ENDPOINTS: list[tuple[str, str, str | None, str, dict[str, Any] | None, list[dict[str, Any]]]] = [
    (
        "get",
        "/api/console/advisories",
        "supervisor",
        "Advisories with their progress; the reachable channels and the countries.",
        None,
        [],
    ),
    (
        "post",
        "/api/console/advisories",
        "supervisor",
        "Save an advisory draft; nothing is sent before a second supervisor approves it.",
        {
            "type": "object",
            "required": ["title", "text_id", "text_en", "source_url"],
            "properties": {
                "title": _S,
                "text_id": _S,
                "text_en": _S,
                "source_url": _S,
                "audience": _AUDIENCE,
                "scheduled_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        [],
    ),
    (
        "post",
        "/api/console/advisories/audience",
        "supervisor",
        "How many people an audience reaches now, per channel.",
        {"type": "object", "properties": {"audience": _AUDIENCE}},
        [],
    ),
    (
        "get",
        "/api/console/advisories/{advisory_id}",
        "supervisor",
        "One advisory, its progress and the latest replies.",
        None,
        _ID,
    ),
    (
        "post",
        "/api/console/advisories/{advisory_id}/approve",
        "supervisor",
        "Approve (not its author: four eyes); queues every recipient.",
        {"type": "object"},
        _ID,
    ),
    (
        "post",
        "/api/console/advisories/{advisory_id}/cancel",
        "supervisor",
        "Cancel; nothing more is sent.",
        {"type": "object"},
        _ID,
    ),
]


def add_routes(app: web.Application) -> None:
    """The advisories page and API (supervisors)."""
    r = app.router
    r.add_get("/console/advisories", advisories_page)
    r.add_get("/api/console/advisories", list_advisories)
    r.add_post("/api/console/advisories", create)
    r.add_post("/api/console/advisories/audience", count)
    r.add_get("/api/console/advisories/{advisory_id}", detail)
    r.add_post("/api/console/advisories/{advisory_id}/approve", approve)
    r.add_post("/api/console/advisories/{advisory_id}/cancel", cancel)


__all__ = ["add_routes", "rendered"]
