"""Reading the console's requests: JSON bodies, string fields and reporting periods.

Every malformed value is a 400 with a reason the operator (or a script author) can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from storage.models import utcnow


def json_error(status: int, message: str, **extra: Any) -> web.Response:
    """The API's error shape: ``{"error": "..."}`` with the status code."""
    return web.json_response({"error": message, **extra}, status=status)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The JSON object sent; only ``application/json`` is accepted.

    HTML forms cannot send that content type across sites without a CORS preflight, which is
    what protects the login endpoint (there is no session, hence no CSRF token, yet).
    """
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON (Content-Type: application/json)")
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="send a JSON object")
    return data


def string(data: Mapping[str, Any], key: str, default: str = "") -> str:
    """A string field of a JSON body (missing or null: ``default``)."""
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise web.HTTPBadRequest(text=f"{key} must be a string")
    return value


def period(request: web.Request) -> tuple[datetime, datetime]:
    """``since``/``until`` (YYYY-MM-DD, until inclusive); default: the last 12 weeks."""

    def parse(name: str) -> date | None:
        raw = request.query.get(name, "")
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise web.HTTPBadRequest(text=f"{name} must be a date like 2026-11-23") from None

    today = utcnow().date()
    until_day = parse("until") or today
    since_day = parse("since") or (until_day - timedelta(weeks=12))
    since = datetime(since_day.year, since_day.month, since_day.day, tzinfo=UTC)
    until = datetime(until_day.year, until_day.month, until_day.day, tzinfo=UTC) + timedelta(
        days=1
    )
    if since >= until:
        raise web.HTTPBadRequest(text="since must be before until")
    return since, until
