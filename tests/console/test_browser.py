"""The console in a real browser: Playwright drives Debian's Chromium against the full app.

An operator logs in, watches a critical case arrive live from the web chat (no reload), takes
it, replies, sees the reply arrive in the worker's web chat, hands back to the bot and closes.
Set ``SIAGA_SCREENSHOT_DIR`` to save the README's screenshots along the way.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.keys import SESSIONS
from storage.operators import create_operator
from tests.console.conftest import PASSWORD
from tests.support.browser import CHROMIUM
from tests.support.server import RunningSiaga, start_siaga

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]

CRITICAL = "tolong majikan saya pukul saya sekarang, saya dikunci di kamar"
REPLY = "Halo, saya petugas Command Centre. Kami sedang menghubungi KJRI. Anda aman sekarang?"


@pytest.fixture
async def siaga(
    sqlite_url: str, settings_factory: Callable[..., Settings]
) -> AsyncIterator[RunningSiaga]:
    """The whole application on a real port, with one operator account."""
    server = await start_siaga(settings_factory(sqlite_url))
    async with server.app[SESSIONS]() as session:
        await create_operator(session, "ana", PASSWORD, "operator")
        await create_operator(session, "sari", PASSWORD, "supervisor")
        await session.commit()
    try:
        yield server
    finally:
        await server.stop()


async def _shot(page: Any, name: str) -> None:
    directory = os.environ.get("SIAGA_SCREENSHOT_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        await page.screenshot(path=str(Path(directory) / name), full_page=False)


async def test_operator_takes_a_critical_case_from_the_web_chat(
    siaga: RunningSiaga, browser: Any
) -> None:
    from playwright.async_api import expect

    console_ctx = await browser.new_context(viewport={"width": 1440, "height": 900})
    chat_ctx = await browser.new_context(viewport={"width": 420, "height": 800})
    console = await console_ctx.new_page()
    chat = await chat_ctx.new_page()

    # Log in.
    await console.goto(f"{siaga.url}/console")
    await expect(console).to_have_url(f"{siaga.url}/console/login")
    await console.fill("input[name=username]", "ana")
    await console.fill("input[name=password]", "wrong password")
    await console.click("button[type=submit]")
    await expect(console.locator("#login-error")).to_contain_text("Wrong username or password")
    await console.fill("input[name=password]", PASSWORD)
    await console.click("button[type=submit]")
    await expect(console).to_have_url(f"{siaga.url}/console")
    await expect(console.locator("#live")).to_have_class("live on")
    await expect(console.locator("#empty")).to_be_visible()
    await console.evaluate("window.__notReloaded = true")

    # A worker writes from the web chat; the case appears in the queue by itself.
    await chat.goto(f"{siaga.url}/")
    await chat.fill("#text", CRITICAL)
    await chat.press("#text", "Enter")
    await expect(chat.locator(".msg.bot").filter(has_text="SGA-").first).to_be_visible()
    row = console.locator("tr.u-critical[data-reference]")
    await expect(row).to_have_count(1)
    reference = await row.get_attribute("data-reference")
    assert reference
    await expect(console.locator("#alert")).to_contain_text(reference)
    assert await console.evaluate("window.__notReloaded === true")
    assert await console.evaluate("window.Siaga.alarms") >= 1  # the alarm sound was played
    await _shot(console, "console-queue.png")

    # Take it over.
    await row.click()
    await expect(console).to_have_url(f"{siaga.url}/console/cases/{reference}")
    await expect(console.locator(".msg.in").first).to_contain_text("majikan saya pukul saya")
    await expect(console.locator(".msg.in .pill.critical").first).to_be_visible()
    await console.click("#take")
    await expect(console.locator("#bot-state")).to_contain_text("Bot silent")
    await expect(console.locator("#holder")).to_contain_text("ana")

    # Reply; it arrives in the worker's web chat.
    await console.fill("#reply-text", REPLY)
    await console.click("#send")
    await expect(console.locator(".msg.out.operator").last).to_contain_text("KJRI")
    await expect(chat.locator(".msg.operator").last).to_contain_text(REPLY)
    await expect(console.locator(".msg.out.operator .delivery").last).to_contain_text("delivered")

    # The worker answers; the operator sees it live, and the bot stays silent.
    bot_messages = await chat.locator(".msg.bot").count()
    await chat.fill("#text", "terima kasih pak")
    await chat.press("#text", "Enter")
    await expect(console.locator(".msg.in").last).to_contain_text("terima kasih pak")
    await console.fill("#note-text", "KJRI Hong Kong dihubungi, shelter siap")
    await console.click("#add-note")
    await expect(console.locator(".note").first).to_contain_text("shelter siap")
    await _shot(console, "console-case.png")
    assert await chat.locator(".msg.bot").count() == bot_messages

    # Hand back to the bot, then close with a resolution.
    await console.click("#handback")
    await expect(console.locator("#bot-state")).to_contain_text("Bot is answering")
    await console.select_option("#status-select", "closed")
    await console.fill("#resolution", "Dijemput KJRI ke shelter, majikan dilaporkan")
    await console.click("#status-save")
    await expect(console.locator("#case-status")).to_have_text("closed")
    await expect(chat.locator(".msg").last).to_contain_text(reference)

    # Gone from the open queue.
    await console.goto(f"{siaga.url}/console")
    await expect(console.locator("#empty")).to_be_visible()

    await console_ctx.close()
    await chat_ctx.close()


async def test_supervisor_dashboard_renders(siaga: RunningSiaga, browser: Any) -> None:
    from playwright.async_api import expect

    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    chat = await ctx.new_page()
    await chat.goto(f"{siaga.url}/")
    await chat.fill("#text", CRITICAL)
    await chat.press("#text", "Enter")
    await expect(chat.locator(".msg.bot").filter(has_text="SGA-").first).to_be_visible()
    await page.goto(f"{siaga.url}/console/login")
    await page.fill("input[name=username]", "sari")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{siaga.url}/console")
    await page.click("text=Supervision")
    await expect(page.locator("figure.chart").first).to_be_visible()
    await expect(page.locator(".kpi").first).to_contain_text("1")
    await _shot(page, "console-dashboard.png")
    async with page.expect_download() as download_info:
        await page.click("text=Export CSV")
    download = await download_info.value
    path = await download.path()
    assert path is not None
    exported = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
    assert "complaint.abuse" in exported
    await ctx.close()
