"""The three journeys of docs/walkthrough.md, played in Chromium as people really write.

A worker reports unpaid wages in informal Indonesian, corrects her name at the summary and
checks her case; a mother reports that her daughter is being beaten; an officer takes the
urgent case first, talks to the worker through her own chat and hands back to the bot. Each
step asserts what the person would notice and what reaches the command centre. With
``SIAGA_SCREENSHOT_DIR`` set, the walkthrough's screenshots (``journey-….png``) are saved there.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.keys import SESSIONS
from storage.models import Case
from storage.operators import create_operator
from tests.console.conftest import PASSWORD
from tests.support.browser import CHROMIUM
from tests.support.server import RunningSiaga, start_siaga
from tests.webchat.conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]

WAIT = 15_000  # ms


@pytest.fixture
async def siaga(
    sqlite_url: str, settings_factory: Callable[..., Settings]
) -> AsyncIterator[RunningSiaga]:
    """The whole application on a real port, with an operator account."""
    server = await start_siaga(settings_factory(sqlite_url))
    async with server.app[SESSIONS]() as session:
        await create_operator(session, "ana", PASSWORD, "operator")
        await session.commit()
    try:
        yield server
    finally:
        await server.stop()


async def phone(browser: Any, timezone: str) -> Any:
    """A phone-sized context in the person's time zone, in Indonesian."""
    return await browser.new_context(
        viewport=PHONE, locale="id-ID", timezone_id=timezone, device_scale_factor=1
    )


async def shot(page: Any, name: str) -> None:
    """Save ``journey-<name>.png`` for docs/walkthrough.md when ``SIAGA_SCREENSHOT_DIR`` is set."""
    directory = os.environ.get("SIAGA_SCREENSHOT_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        await page.screenshot(path=str(Path(directory) / f"journey-{name}.png"))


async def say(page: Any, text: str) -> None:
    """Type a message and wait until the bot answered it."""
    from playwright.async_api import expect

    before = await page.locator(".msg.bot").count()
    await page.fill("#text", text)
    await page.press("#text", "Enter")
    await expect(page.locator(".msg.bot")).not_to_have_count(before, timeout=WAIT)


async def press(page: Any, title: str) -> None:
    """Press a button of the latest question and wait for the answer."""
    from playwright.async_api import expect

    before = await page.locator(".msg.bot").count()
    await page.locator(".msg.bot").last.get_by_role("button", name=title, exact=True).click()
    await expect(page.locator(".msg.bot")).not_to_have_count(before, timeout=WAIT)


def last_bot(page: Any) -> Any:
    return page.locator(".msg.bot").last


async def case(server: RunningSiaga, reference: str) -> Case:
    async with server.app[SESSIONS]() as session:
        found = (await session.execute(select(Case).where(Case.reference == reference))).scalar()
    assert found is not None, reference
    return found


async def test_worker_reports_unpaid_wages_and_checks_her_case(
    siaga: RunningSiaga, browser: Any
) -> None:
    from playwright.async_api import expect

    ctx = await phone(browser, "Asia/Taipei")
    page = await ctx.new_page()
    await page.goto(f"{siaga.url}/")
    await expect(page.locator(".msg.bot").first).to_contain_text("Siaga", timeout=WAIT)
    await shot(page, "worker-01-welcome")

    # The whole story in the first message, as workers write it.
    await say(
        page, "gaji sy blm dibayar 3 bln sm majikan di taiwan, sy kerja di taichung jaga nenek"
    )
    await expect(last_bot(page)).to_contain_text("mohon izin")
    await expect(last_bot(page)).to_contain_text("hapus data saya")
    await shot(page, "worker-02-consent")
    await press(page, "Setuju")
    # "gaji sy": for herself; "taiwan": the country; the story: already told. Not asked again.
    await expect(last_bot(page)).to_contain_text("Siapa nama Anda?")
    await say(page, "Siti")
    await expect(last_bot(page)).to_contain_text("di Taiwan")
    await say(page, "taichung")
    await expect(last_bot(page)).to_contain_text("lewat chat ini")
    await say(page, "ya bisa")
    await expect(last_bot(page)).to_contain_text("nomor HP")
    await say(page, "+886 912 345 678")
    summary = last_bot(page)
    await expect(summary).to_contain_text("Taiwan")
    await expect(summary).to_contain_text("jaga nenek")
    await say(page, "tunggu, nama sy salah")
    await expect(last_bot(page)).to_contain_text("Siapa nama Anda?")
    await say(page, "Siti Aminah")
    await expect(last_bot(page)).to_contain_text("Nama pekerja: Siti Aminah")
    await shot(page, "worker-03-summary")
    await press(page, "Kirim laporan")
    sent = page.locator(".msg.bot", has_text="Laporan terkirim")
    await expect(sent).to_contain_text("PIN")
    found = re.search(r"SGA-[A-Z0-9]{6}", await sent.inner_text())
    assert found, "the reference is shown"
    reference = found.group(0)
    await shot(page, "worker-04-sent")
    await press(page, "Selesai")
    await say(page, "cek status")
    await expect(last_bot(page)).to_contain_text(reference)
    await expect(last_bot(page)).to_contain_text("Gaji tidak dibayar")
    await shot(page, "worker-05-status")

    # What the command centre gets: her name, her country, the story, how to reach her.
    row = await case(siaga, reference)
    assert (row.affected_name, row.country, row.intent) == (
        "Siti Aminah",
        "TW",
        "complaint.unpaid_wages",
    )
    assert row.fields["phone"] == "+886 912 345 678"
    assert row.fields["safe_contact"] == "yes"
    assert row.fields["reporter"] == "self"
    await ctx.close()


async def test_mother_reports_that_her_daughter_is_being_beaten(
    siaga: RunningSiaga, browser: Any
) -> None:
    from playwright.async_api import expect

    ctx = await phone(browser, "Asia/Jakarta")
    page = await ctx.new_page()
    await page.goto(f"{siaga.url}/")
    await expect(page.locator(".msg.bot").first).to_contain_text("Siaga", timeout=WAIT)
    await say(
        page, "tolong anak sy di malaysia dipukuli majikannya, hpnya mau diambil. namanya Rina"
    )
    alert = page.locator(".msg.bot", has_text="Nomor kasus")
    # No consent question first: Malaysia's police, the embassy and the PIN, at once.
    await expect(alert).to_contain_text("999")
    await expect(alert).to_contain_text("KBRI Kuala Lumpur")
    await expect(alert).to_contain_text("PIN")
    await expect(alert.locator('a[href^="tel:"]').first).to_be_visible()
    reference = re.search(r"SGA-[A-Z0-9]{6}", await alert.inner_text())
    assert reference
    await expect(last_bot(page)).to_contain_text("Apakah dia aman sekarang?")  # about Rina
    await shot(page, "family-01-alert")
    await press(page, "Tidak aman")
    await expect(last_bot(page)).to_contain_text("Di mana dia sekarang?")
    await say(page, "di Kuala Lumpur, daerah Cheras")
    await expect(last_bot(page)).to_contain_text("Siapa nama Anda")  # now about the mother
    await say(page, "Bu Sumiati, ibunya, 0812 3456 7890")
    await expect(last_bot(page)).to_contain_text("Petugas akan menghubungi")
    await shot(page, "family-02-details")

    row = await case(siaga, reference.group(0))
    assert (row.urgency, row.country, row.reporter) == ("critical", "MY", "family")
    assert row.fields["worker_safe_now"] == "no"
    assert row.fields["worker_location"] == "di Kuala Lumpur, daerah Cheras"
    assert row.fields["reporter_contact"] == "0812 3456 7890"
    assert "safe_now" not in row.fields  # the mother's answers are not taken as Rina's
    await ctx.close()


async def test_officer_takes_the_urgent_case_first_and_hands_back(
    siaga: RunningSiaga, browser: Any
) -> None:
    from playwright.async_api import expect

    # A wage report is already waiting when a worker in danger writes.
    async with aiohttp.ClientSession() as http:
        for text in ("gaji saya belum dibayar 2 bulan di hong kong", "Setuju"):
            body = {"session_id": "web-waiting-case", "text": text}
            if text == "Setuju":
                body["payload"] = "consent:yes"
            async with http.post(f"{siaga.url}/api/webchat/messages", json=body) as resp:
                assert resp.status == 200
    chat_ctx = await phone(browser, "Asia/Hong_Kong")
    chat = await chat_ctx.new_page()
    await chat.goto(f"{siaga.url}/")
    await expect(chat.locator(".msg.bot").first).to_contain_text("Siaga", timeout=WAIT)
    await say(chat, "tolong sy dikunci di kamar sm majikan, sy dipukul, di hong kong")

    console_ctx = await browser.new_context(viewport={"width": 1366, "height": 820})
    console = await console_ctx.new_page()
    await console.goto(f"{siaga.url}/console")
    await console.fill("input[name=username]", "ana")
    await console.fill("input[name=password]", PASSWORD)
    await console.click("button[type=submit]")
    await expect(console).to_have_url(f"{siaga.url}/console")
    rows = console.locator("tbody tr[data-reference]")
    await expect(rows).to_have_count(2, timeout=WAIT)
    await expect(rows.first).to_have_class(re.compile(r"\bu-critical\b"))  # urgent first
    await shot(console, "operator-01-queue")

    await rows.first.click()
    await expect(console.locator(".msg.in").first).to_contain_text("dikunci di kamar")
    await console.click("#take")
    await expect(console.locator("#bot-state")).to_contain_text("Bot silent")
    await expect(chat.locator(".msg", has_text="sudah bergabung")).to_be_visible(timeout=WAIT)
    await console.fill(
        "#reply-text", "Halo, saya Ana dari Command Centre. Apakah Anda bisa keluar?"
    )
    await console.click("#send")
    await expect(chat.locator(".msg.operator").last).to_contain_text("bisa keluar", timeout=WAIT)
    await chat.fill("#text", "tidak bisa bu, pintunya dikunci")
    await chat.press("#text", "Enter")
    await expect(console.locator(".msg.in").last).to_contain_text("pintunya dikunci", timeout=WAIT)
    await shot(console, "operator-02-conversation")
    await shot(chat, "operator-03-worker-view")

    await console.click("#handback")
    await expect(console.locator("#bot-state")).to_contain_text("Bot is answering")
    await expect(chat.locator(".msg.bot").last).to_contain_text("Siaga", timeout=WAIT)
    await console_ctx.close()
    await chat_ctx.close()
