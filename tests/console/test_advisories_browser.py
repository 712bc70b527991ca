"""Advisories in a real browser (issue 16): a supervisor composes and counts, a second one
approves, the advisory goes out through the sender to the fake Bot API and the page follows
its progress. Playwright drives Debian's Chromium against the full app on SQLite."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.keys import SESSIONS
from storage.conversations import get_or_create_contact, lock_conversation
from storage.models import utcnow
from storage.operators import create_operator
from tests.console.conftest import PASSWORD
from tests.support.browser import CHROMIUM
from tests.support.e2e import channel_settings
from tests.support.fake_providers import FakeMeta, FakeTelegram, FakeTwilio
from tests.support.server import RunningSiaga, start_siaga

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
async def siaga(
    sqlite_url: str,
    settings_factory: Callable[..., Settings],
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
) -> AsyncIterator[RunningSiaga]:
    """The whole app with the channels on the fakes, two supervisors and three Telegram
    contacts: two want advisories (Hong Kong), one said no."""
    settings = channel_settings(
        settings_factory, sqlite_url, fake_telegram, fake_twilio, fake_meta
    )
    server = await start_siaga(settings)
    async with server.app[SESSIONS]() as session:
        await create_operator(session, "sari", PASSWORD, "supervisor")
        await create_operator(session, "tono", PASSWORD, "supervisor")
        for key, opt_in in [("700000001", True), ("700000002", True), ("700000003", False)]:
            contact = await get_or_create_contact(session, "telegram", key)
            contact.advisory_opt_in = opt_in
            contact.country = "HK"
            contact.last_inbound_at = utcnow() - timedelta(days=1)
            await lock_conversation(session, contact)
        await session.commit()
    try:
        yield server
    finally:
        await server.stop()


async def _login(browser: Any, url: str, username: str) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{url}/console/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{url}/console")
    await page.goto(f"{url}/console/advisories")
    return page


async def test_compose_count_approve_and_follow_an_advisory(
    siaga: RunningSiaga, browser: Any, fake_telegram: FakeTelegram
) -> None:
    from playwright.async_api import expect

    author = await _login(browser, siaga.url, "sari")
    form = author.locator("#advisory-form")
    await form.locator("input[name=title]").fill("Typhoon signal 8")
    await form.locator("textarea[name=text_id]").fill("Sinyal topan 8: tetap di dalam rumah.")
    await form.locator("textarea[name=text_en]").fill("Typhoon signal 8: stay indoors.")
    await form.locator("input[name=source_url]").fill("https://www.hko.gov.hk/en/")
    await expect(form.locator("select[name=countries] option")).to_have_count(1)
    await form.locator("select[name=countries]").select_option("HK")
    await author.click("#count-button")
    await expect(author.locator("#audience-count")).to_have_text("2")
    await author.click("#advisory-form button[type=submit]")
    draft = author.locator("article.advisory[data-status=draft]")
    await expect(draft).to_have_count(1)
    await expect(draft.locator("button.approve")).to_have_count(0)  # not by its author
    assert fake_telegram.calls("sendMessage") == []  # nothing goes before the approval

    approver = await _login(browser, siaga.url, "tono")
    await approver.locator("article.advisory button.approve").click()
    sent = await fake_telegram.wait_for("sendMessage", 2)
    assert sorted(str(c.params["chat_id"]) for c in sent) == ["700000001", "700000002"]
    assert all("Sinyal topan 8" in str(c.params["text"]) for c in sent)
    done = approver.locator("article.advisory[data-status=sent]")
    await expect(done).to_have_count(1, timeout=10_000)
    await expect(done.locator(".counts")).to_contain_text("sent 2")
    await expect(author.locator("article.advisory[data-status=sent]")).to_have_count(
        1, timeout=10_000
    )
