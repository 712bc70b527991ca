"""Reading the console's requests: JSON bodies, string fields, query values and periods.

Every malformed value is a 400 with a reason the operator (or a script author) can act on, never
a 500 (docs/console.md, "Bad input"): text loses the characters no database stores (NUL, control
codes, lone surrogates), ids are ASCII digits within a database integer, dates within the calendar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from storage.models import utcnow

# What PostgreSQL refuses in text (NUL), what no one types (control codes), and what UTF-8 cannot
# encode (lone surrogates); tab, line feed and carriage return are kept.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_ID = 2**63 - 1  # a BIGINT: larger ids do not exist, and the driver refuses them


def clean(value: str) -> str:
    """``value`` without NUL and control codes, lone surrogates replaced by U+FFFD."""
    return _CONTROL.sub("", _SURROGATE.sub("\ufffd", value))


def query_text(request: web.Request, name: str, *, max_length: int = 200) -> str:
    """A free-text query parameter, cleaned and cut to ``max_length`` characters."""
    return clean(request.query.get(name, ""))[:max_length].strip()


def path_id(request: web.Request, name: str) -> int | None:
    """An id in the URL path (``/operators/7/unlock``); None unless ASCII digits in range."""
    raw = request.match_info.get(name, "")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_ID:
        return None
    return int(raw)


def query_id(request: web.Request, name: str) -> int | None:
    """An id query parameter (``before=1234``): None when absent, 400 unless ASCII digits.

    ``str.isdigit`` is not enough: it accepts ``²`` and other digits ``int`` refuses.
    """
    raw = request.query.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_ID:
        raise web.HTTPBadRequest(text=f"{name} must be a whole number")
    return int(raw)


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
    return clean(value)


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
    if until_day >= date.max - timedelta(days=1):
        raise web.HTTPBadRequest(text="until must be a date before 9999-12-30")
    since_day = parse("since")
    if since_day is None:
        twelve_weeks = timedelta(weeks=12)
        since_day = until_day - twelve_weeks if until_day > date.min + twelve_weeks else date.min
    since = datetime(since_day.year, since_day.month, since_day.day, tzinfo=UTC)
    until = datetime(until_day.year, until_day.month, until_day.day, tzinfo=UTC) + timedelta(
        days=1
    )
    if since >= until:
        raise web.HTTPBadRequest(text="since must be before until")
    return since, until
