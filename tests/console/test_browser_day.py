"""The command centre's working day in a real browser (issue 15), in Indonesian.

Playwright drives Debian's Chromium against the whole application, as in ``test_browser.py``:
referrals from the case page, the queue's overdue reminder, Supervision's table per partner.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.keys import SESSIONS
from storage.models import Case, OutboxMessage, Referral, utcnow
from storage.operators import create_operator
from tests.console.conftest import PASSWORD, seed_case
from tests.support.browser import CHROMIUM
from tests.support.server import RunningSiaga, start_siaga

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
async def siaga(
    sqlite_url: str, settings_factory: Callable[..., Settings]
) -> AsyncIterator[RunningSiaga]:
    """The whole application on a real port, with an operator, a supervisor and an admin."""
    server = await start_siaga(settings_factory(sqlite_url))
    async with server.app[SESSIONS]() as session:
        await create_operator(session, "ana", PASSWORD, "operator")
        await create_operator(session, "sari", PASSWORD, "supervisor")
        await create_operator(session, "root", PASSWORD, "admin")
        await session.commit()
    try:
        yield server
    finally:
        await server.stop()


async def login(page: Any, siaga: RunningSiaga, username: str) -> None:
    """Log in through the form."""
    from playwright.async_api import expect

    await page.goto(f"{siaga.url}/console/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).not_to_have_url(f"{siaga.url}/console/login")


async def test_referral_from_the_case_page_in_indonesian(
    siaga: RunningSiaga, browser: Any
) -> None:
    from playwright.async_api import expect

    sessions = siaga.app[SESSIONS]
    ref = await seed_case(sessions, fields={"country": "Malaysia"}, channel="telegram")
    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await login(page, siaga, "ana")
    await page.goto(f"{siaga.url}/console/cases/{ref}")
    await page.click("#take")
    panel = page.locator("#referrals")
    await expect(panel.locator("h2")).to_have_text("Rujukan ke mitra")
    await expect(panel).to_contain_text("Belum ada rujukan.")
    options = panel.locator("select[name=partner_key] option")
    await expect(options.filter(has_text="KBRI Kuala Lumpur")).to_have_count(1)
    await expect(options.filter(has_text="KDEI Taipei")).to_have_count(0)

    await panel.locator("select[name=partner_key]").select_option("mission:MY:kbri-kuala-lumpur")
    await panel.locator("textarea[name=request]").fill("Mohon cek majikan, catatan RAHASIA-1")
    await panel.locator("input[name=partner_reference]").first.fill("KL/2026/0456")
    due = (utcnow() + timedelta(days=2)).date().isoformat()
    await panel.locator("input[name=due_at]").fill(due)
    await panel.get_by_role("button", name="Rujuk kasus").click()
    await expect(page.locator("#referral-flash")).to_contain_text(
        "Kasus dirujuk ke KBRI Kuala Lumpur; pekerja sudah diberi tahu."
    )
    item = panel.locator("article.referral")
    await expect(item).to_have_count(1)
    await expect(item.locator(".rstatus")).to_have_text("terkirim")

    await item.locator("select[name=status]").select_option("acknowledged")
    await item.locator("input[name=note]").fill("diterima Pak Andi")
    await item.get_by_role("button", name="Simpan").click()
    await expect(item.locator(".rstatus")).to_have_text("diterima mitra")
    await expect(item.locator(".referral-history")).to_contain_text("diterima Pak Andi")

    async with sessions() as session:
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        assert case.status == "referred"
        texts = [
            r.text
            for r in (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.conversation_id == case.conversation_id
                    )
                )
            ).scalars()
        ]
        assert any("KBRI Kuala Lumpur" in t and ref in t for t in texts)
        assert not any("RAHASIA" in t for t in texts)
        # Two days pass without an answer from the partner.
        await session.execute(update(Referral).values(due_at=utcnow() - timedelta(hours=1)))
        await session.commit()

    await page.goto(f"{siaga.url}/console")
    reminder = page.locator("#overdue-referrals")
    await expect(reminder).to_be_visible()
    await expect(reminder.locator("h2")).to_have_text("Rujukan lewat tenggat")
    await expect(reminder.locator(f"li[data-reference='{ref}']")).to_contain_text(
        "KBRI Kuala Lumpur"
    )
    await ctx.close()

    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await login(page, siaga, "sari")
    await page.goto(f"{siaga.url}/console/dashboard")
    stats = page.locator("#referral-stats")
    await expect(stats.locator("h2")).to_have_text("Rujukan per mitra")
    row = stats.locator("tr[data-partner='mission:MY:kbri-kuala-lumpur']")
    await expect(row).to_contain_text("KBRI Kuala Lumpur")
    await expect(row.locator("td").nth(1)).to_have_text("1")
    await expect(row.locator("td").nth(3)).to_have_text("1")  # overdue
    await ctx.close()


async def test_shift_handover_in_indonesian(siaga: RunningSiaga, browser: Any) -> None:
    from playwright.async_api import expect

    from nlu.types import Urgency

    critical = await seed_case(siaga.app[SESSIONS], urgency=Urgency.CRITICAL)
    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await login(page, siaga, "ana")
    await page.get_by_role("link", name="Serah terima").click()
    await expect(page).to_have_url(f"{siaga.url}/console/handover")
    await expect(page.locator("h1")).to_have_text("Serah terima shift")
    await expect(page.locator("#duty-state")).to_have_text("Anda tidak sedang jaga.")
    await expect(page.locator("#on-duty-list")).to_contain_text(
        "Tidak ada petugas yang menandai diri sedang jaga."
    )
    await page.get_by_role("button", name="Mulai jaga").click()
    await expect(page.locator("#duty-state")).to_have_text("Anda sedang jaga.")
    await expect(page.locator("#on-duty-list li[data-operator=ana]")).to_be_visible()
    await expect(page.locator(f"#ho-urgent tr[data-reference='{critical}']")).to_be_visible()
    await expect(page.locator(f"#ho-due tr[data-reference='{critical}']")).to_be_visible()
    await page.fill("#note-form textarea", "Telepon balik KBRI Kuala Lumpur jam 09.00")
    await page.get_by_role("button", name="Simpan catatan").click()
    await expect(page.locator("#notes-list")).to_contain_text("Telepon balik KBRI")
    await ctx.close()

    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await login(page, siaga, "sari")
    await page.goto(f"{siaga.url}/console/handover")
    await expect(page.locator("#on-duty-list li[data-operator=ana]")).to_be_visible()
    await expect(page.locator("#notes-list")).to_contain_text("ana")
    await expect(page.locator("#duty-state")).to_have_text("Anda tidak sedang jaga.")
    await ctx.close()


async def test_accounts_in_indonesian(siaga: RunningSiaga, browser: Any) -> None:
    import pyotp
    from playwright.async_api import expect

    async with siaga.app[SESSIONS]() as session:
        await create_operator(session, "budi", PASSWORD, "operator")
        await session.commit()
    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()

    # Sent to the login form from a page: back to that page after logging in.
    await page.goto(f"{siaga.url}/console/handover")
    await expect(page).to_have_url(re.compile(r"/console/login\?next="))
    await page.fill("input[name=username]", "ana")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{siaga.url}/console/handover")

    # Queue filters are ana's own: the next person on this browser starts clean.
    await page.goto(f"{siaga.url}/console")
    await expect(page.locator("select[name=urgency] option[value=critical]")).to_have_count(1)
    await page.select_option("select[name=urgency]", "critical")
    await expect(page.locator("select[name=urgency]")).to_have_value("critical")
    saved = "Object.entries(sessionStorage).filter(([k, v]) => k.startsWith('siaga-filters'))"
    for _ in range(100):  # the queue saves its filters once it has reloaded with them
        if "urgency=critical" in str(await page.evaluate(saved)):
            break
        await asyncio.sleep(0.05)
    # Saved under ana's own id, not a key shared by everyone on this browser.
    assert [k for k, _ in await page.evaluate(saved)] == [
        f"siaga-filters-{await page.locator('meta[name=operator-id]').get_attribute('content')}"
    ]
    await page.reload()
    await expect(page.locator("select[name=urgency]")).to_have_value("critical")
    await page.click("#logout")
    await expect(page).to_have_url(f"{siaga.url}/console/login")
    await page.fill("input[name=username]", "budi")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{siaga.url}/console")
    await expect(page.locator("select[name=urgency]")).to_have_value("")

    # My account: two-step login, in Indonesian.
    await page.get_by_role("link", name="Akun saya").click()
    await expect(page.locator("h1")).to_have_text("Akun saya")
    await expect(page.locator("#totp-state")).to_have_text("Belum aktif.")
    await page.get_by_role("button", name="Aktifkan verifikasi dua langkah").click()
    await expect(page.locator("#totp-setup")).to_be_visible()
    secret = await page.locator("#totp-secret").text_content()
    assert secret
    await page.fill("#totp-enable input[name=code]", pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Konfirmasi kode").click()
    await expect(page.locator("#totp-result")).to_have_text("Verifikasi dua langkah aktif.")
    await page.click("#logout")
    await page.fill("input[name=username]", "budi")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#code-label")).to_be_visible()
    await page.fill("input[name=code]", pyotp.TOTP(secret).at(utcnow(), counter_offset=1))
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{siaga.url}/console")
    await ctx.close()

    # An admin resets ana's password and deactivates budi.
    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await login(page, siaga, "root")
    await page.goto(f"{siaga.url}/console/admin")
    page.on("dialog", lambda dialog: dialog.accept("sementara-123"))
    await page.locator("tr[data-operator=ana] button.reset").click()
    await expect(page.locator("#admin-error")).to_contain_text("wajib diganti")
    budi = page.locator("tr[data-operator=budi]")
    await budi.get_by_role("button", name="Nonaktifkan").click()
    await expect(budi.locator("td.active")).to_have_text("tidak")
    await ctx.close()

    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await page.goto(f"{siaga.url}/console/login")
    await page.fill("input[name=username]", "ana")
    await page.fill("input[name=password]", "sementara-123")
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{siaga.url}/console/account")
    await expect(page.locator("#account-action")).to_contain_text("buat kata sandi baru")
    await page.fill("input[name=current_password]", "sementara-123")
    await page.fill("input[name=new_password]", "kuda baterai benar staples")
    await page.fill("input[name=repeat]", "kuda baterai benar staples")
    await page.get_by_role("button", name="Simpan kata sandi").click()
    await expect(page.locator("#password-result")).to_contain_text("Kata sandi diganti")
    await page.goto(f"{siaga.url}/console")
    await expect(page).to_have_url(f"{siaga.url}/console")
    await ctx.close()


async def test_integration_page_in_indonesian(siaga: RunningSiaga, browser: Any) -> None:
    from playwright.async_api import expect

    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await login(page, siaga, "root")
    await page.get_by_role("link", name="Integrasi").click()
    await expect(page.locator("h1")).to_have_text("Integrasi sistem")
    form = page.locator("#webhook-form")
    await form.locator("input[name=name]").fill("siskop2mi")
    await form.locator("input[name=url]").fill("https://siskop2mi.example/hooks/siaga")
    await form.get_by_role("button", name="Tambah webhook").click()
    await expect(page.locator("#int-secret")).to_contain_text(
        "Simpan sekarang, tidak ditampilkan lagi:"
    )
    row = page.locator("tr[data-webhook=siskop2mi]")
    await expect(row).to_contain_text("case.created")
    await expect(row.locator("td").nth(3)).to_have_text("tidak")  # no personal data
    await expect(page.locator("#failed-deliveries")).to_contain_text("Tidak ada.")

    tokens = page.locator("#token-form")
    await tokens.locator("input[name=name]").fill("statistik")
    await tokens.locator("input[value='stats:read']").check()
    await tokens.get_by_role("button", name="Buat token").click()
    await expect(page.locator("#int-secret")).to_contain_text("siaga_")
    token_row = page.locator("tr[data-token=statistik]")
    await expect(token_row).to_contain_text("stats:read")
    await token_row.get_by_role("button", name="Cabut").click()
    await expect(token_row).to_contain_text("dicabut")
    await ctx.close()


async def test_recruitment_companies_in_indonesian(siaga: RunningSiaga, browser: Any) -> None:
    from playwright.async_api import expect

    ref = await seed_case(siaga.app[SESSIONS], fields={"p3mi": "sinarjaya"})
    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await login(page, siaga, "sari")
    await page.goto(f"{siaga.url}/console/dashboard")
    panel = page.locator("#company-stats")
    await expect(panel.locator("h2")).to_have_text("Pengaduan per P3MI terkonfirmasi")
    await expect(panel).to_contain_text("Belum ada kasus dengan P3MI terkonfirmasi.")
    await panel.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "p3mi.csv",
                "mimeType": "text/csv",
                "buffer": b"nama,nomor_izin\nPT. Sinar Jaya Abadi,SIP3MI-001/2024\n",
            }
        ]
    )
    await panel.get_by_role("button", name="Impor", exact=True).click()
    await expect(page.locator("#company-import-result")).to_have_text(
        "Diimpor: 1 baru, 0 diperbarui, 0 sama."
    )

    await page.goto(f"{siaga.url}/console/cases/{ref}")
    company = page.locator("#company")
    await expect(company.locator("h2")).to_have_text("Perusahaan perekrut (P3MI)")
    await expect(company.locator("#company-typed")).to_have_text("Ditulis pekerja: sinarjaya")
    await expect(company.locator("#company-confirmed")).to_have_text("Belum dikonfirmasi.")
    suggestion = company.locator("li[data-company='PT. Sinar Jaya Abadi']")
    await suggestion.get_by_role("button", name="Konfirmasi").click()
    await expect(company.locator("#company-confirmed")).to_have_text(
        "Terkonfirmasi: PT. Sinar Jaya Abadi"
    )

    await page.goto(f"{siaga.url}/console/dashboard")
    row = page.locator("#company-stats tr[data-company='PT. Sinar Jaya Abadi']")
    await expect(row.locator("td").nth(2)).to_have_text("1")
    await ctx.close()
