"""Take the README's console screenshots from the real app with realistic, invented demo data.

Run: ``.venv/bin/python -m tests.console.screenshots docs/screenshots``. It starts the full
application on a temporary SQLite database, files a few cases the way the dispatcher would, lets
a critical case arrive live from the web chat, and drives Debian's Chromium through Playwright.
Every name, number and company here is made up.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright, expect

from bot.config import Secret, Settings
from bot.keys import SESSIONS
from bot.media import MediaStore
from flows.casefile import case_columns
from nlu.types import Urgency
from storage.audit import audit
from storage.cases import new_reference, open_case
from storage.conversations import add_message, get_or_create_contact, lock_conversation
from storage.models import Case, utcnow
from storage.operators import create_operator
from tests.console.conftest import PASSWORD
from tests.console.test_browser import CRITICAL
from tests.support.browser import ARGS, CHROMIUM
from tests.support.fake_providers import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_NUMBER,
    FakeTwilio,
)
from tests.support.server import start_siaga

DEMO: list[dict[str, Any]] = [
    {
        "intent": "complaint.document_withheld",
        "urgency": Urgency.HIGH,
        "channel": "twilio",
        "name": "Rina W.",
        "phone": "+886 912 000 111",
        "country": "Taiwan",
        "p3mi": "PT Duta Karya",
        "hours": 5,
        "text": "paspor saya ditahan agensi, saya mau pulang",
    },
    {
        "intent": "complaint.unpaid_wages",
        "urgency": Urgency.NORMAL,
        "channel": "telegram",
        "name": "Dewi",
        "phone": None,
        "country": "Hong Kong",
        "p3mi": "PT Maju Sejahtera",
        "hours": 26,
        "text": "gaji 3 bulan belum dibayar majikan",
    },
    {
        "intent": "complaint.lost_contact",
        "urgency": Urgency.HIGH,
        "channel": "webchat",
        "name": "Pak Slamet",
        "phone": None,
        "country": "Malaysia",
        "p3mi": None,
        "hours": 2,
        "reporter": "family",
        "worker": "Sri Wahyuni",
        "text": "anak saya di Malaysia tidak bisa dihubungi 2 minggu",
    },
    {
        "intent": "complaint.overcharging",
        "urgency": Urgency.NORMAL,
        "channel": "twilio",
        "name": "Ayu",
        "phone": "+62 812 3456 7890",
        "country": "Singapore",
        "p3mi": "PT Maju Sejahtera",
        "hours": 50,
        "text": "potongan gaji 7 bulan untuk agensi",
    },
    {
        "intent": "complaint.working_conditions",
        "urgency": Urgency.NORMAL,
        "channel": "telegram",
        "name": "Nur",
        "phone": None,
        "country": "Saudi Arabia",
        "p3mi": "PT Amanah Jaya",
        "hours": 8,
        "text": "kerja 18 jam tidak ada libur",
    },
]


async def seed(sessions: Any, media: MediaStore) -> str:
    """File the demo cases; returns the reference of the one with a full conversation."""
    showcase = ""
    async with sessions() as session:
        for i, item in enumerate(DEMO):
            contact = await get_or_create_contact(
                session,
                item["channel"],
                f"demo-{i}",
                display_name=item["name"],
                phone=item["phone"],
            )
            created = utcnow() - timedelta(hours=item["hours"])
            contact.last_inbound_at = created
            conversation = await lock_conversation(session, contact)
            conversation.language = "id"
            fields = {"country": item["country"], "p3mi": item["p3mi"]}
            if item.get("worker"):
                fields["worker_name"] = item["worker"]
            case = await open_case(
                session,
                reference=new_reference(),
                contact_id=contact.id,
                conversation_id=conversation.id,
                channel=item["channel"],
                intent=item["intent"],
                urgency=item["urgency"],
                reporter=item.get("reporter", "self"),
                fields=fields,
                columns=case_columns(fields),
            )
            case.created_at = created
            add_message(
                session,
                conversation,
                direction="in",
                text=item["text"],
                origin="user",
                case_id=case.id,
                created_at=created,
                nlu={
                    "intent": {"name": item["intent"], "confidence": 0.88},
                    "urgency": str(item["urgency"]),
                    "urgency_reasons": [],
                    "language": "id",
                },
            )
            if i == 0:
                showcase = case.reference
                voice = await media.save(b"OggS" + bytes(2000), "audio/ogg")
                add_message(
                    session,
                    conversation,
                    direction="in",
                    text="",
                    origin="user",
                    case_id=case.id,
                    created_at=created + timedelta(minutes=1),
                    media=[{"kind": "voice", "url": voice, "mime_type": "audio/ogg"}],
                )
                add_message(
                    session,
                    conversation,
                    direction="out",
                    origin="bot",
                    created_at=created + timedelta(minutes=1),
                    text="Terima kasih. Laporan Anda kami catat dengan nomor kasus "
                    f"{case.reference}. Petugas akan menghubungi Anda.",
                )
        # Some closed history for the dashboard.
        await session.flush()
        await session.commit()
    return showcase


async def main(out: Path) -> None:
    """Start the app, seed, drive the browser, write PNGs into ``out``."""
    tmp = Path(tempfile.mkdtemp())
    twilio = await FakeTwilio().start()  # replies to the WhatsApp demo case go somewhere real
    settings = Settings(
        twilio_account_sid=TWILIO_ACCOUNT_SID,
        twilio_auth_token=Secret(TWILIO_AUTH_TOKEN),
        twilio_whatsapp_number=TWILIO_NUMBER,
        twilio_api_url=twilio.url,
        database_url=f"sqlite+aiosqlite:///{tmp / 'demo.db'}",
        secret_key=Secret("demo-" + "x" * 40),
        media_dir=str(tmp / "media"),
        outbox_poll_seconds=0.05,
        twilio_template_sid="HXdemo",
    )
    server = await start_siaga(settings)
    try:
        sessions = server.app[SESSIONS]
        async with sessions() as session:
            await create_operator(session, "ana", PASSWORD, "supervisor")
            await create_operator(session, "budi", PASSWORD, "operator")
            await session.commit()
        showcase = await seed(sessions, MediaStore(tmp / "media", 10_000_000))
        async with sessions() as session:
            from sqlalchemy import select

            budi = 2
            case = (
                await session.execute(select(Case).where(Case.intent == "complaint.unpaid_wages"))
            ).scalar_one()
            case.assigned_operator_id = budi
            case.status = "in_progress"
            case.first_response_at = case.created_at + timedelta(minutes=40)
            audit(session, "taken_over", case_id=case.id, operator_id=budi)
            await session.commit()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            console = await (
                await browser.new_context(
                    viewport={"width": 1440, "height": 860}, device_scale_factor=1
                )
            ).new_page()
            chat = await (
                await browser.new_context(viewport={"width": 420, "height": 800})
            ).new_page()
            await console.goto(f"{server.url}/console/login")
            await console.fill("input[name=username]", "ana")
            await console.fill("input[name=password]", PASSWORD)
            await console.screenshot(path=str(out / "console-login.png"))
            await console.click("button[type=submit]")
            await expect(console.locator("#live")).to_have_class("live on")
            await chat.goto(f"{server.url}/")
            await chat.fill("#text", CRITICAL)
            await chat.press("#text", "Enter")
            await expect(console.locator("tr.u-critical")).to_have_count(1)
            await console.screenshot(path=str(out / "console-queue.png"))

            await console.goto(f"{server.url}/console/cases/{showcase}")
            await console.click("#take")
            await expect(console.locator("#bot-state")).to_contain_text("Bot silent")
            await console.fill(
                "#reply-text",
                "Halo Rina, saya petugas Command Centre. Kami sudah menghubungi KDEI Taipei "
                "soal paspor Anda. Apakah Anda aman di tempat sekarang?",
            )
            await console.click("#send")
            await expect(console.locator(".msg.out.operator")).to_have_count(1)
            await console.fill(
                "#note-text", "KDEI Taipei dihubungi 10:40, menunggu jawaban agensi"
            )
            await console.click("#add-note")
            await expect(console.locator(".note")).to_have_count(1)
            await console.evaluate("window.scrollTo(0, 0)")
            await console.screenshot(path=str(out / "console-case.png"))

            await console.goto(f"{server.url}/console/dashboard")
            await console.screenshot(path=str(out / "console-dashboard.png"), full_page=True)
            await browser.close()
    finally:
        await server.stop()
        await twilio.stop()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(target))
