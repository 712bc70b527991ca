"""The sender and advisories to many (issue 16, docs/advisories.md): replies and alerts go
before a broadcast queued earlier, opted-out recipients are skipped, and a sender killed in the
middle of a broadcast leaves nobody with the advisory twice."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.registry import build_adapters
from bot.config import Secret, Settings
from bot.sender import Sender
from storage import advisories, conversations, outbox
from storage.advisories import AudienceFilter, Rendered
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import Contact, OutboxMessage, utcnow
from storage.operators import create_operator
from tests.support.fake_providers import (
    META_APP_SECRET,
    META_PHONE_NUMBER_ID,
    META_TOKEN,
    TELEGRAM_TOKEN,
    FakeMeta,
    FakeTelegram,
)

RENDERED = Rendered(texts={"id": "Peringatan topan", "en": "Typhoon warning"})
REACH: advisories.Reach = {"telegram": "all"}


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _broadcast(sessions: async_sessionmaker[AsyncSession], people: int) -> int:
    """``people`` Telegram contacts who want advisories, and an approved advisory to them."""
    async with sessions() as session, session.begin():
        for n in range(people):
            contact = await conversations.get_or_create_contact(session, "telegram", f"{n + 1}")
            contact.advisory_opt_in = True
            contact.last_inbound_at = utcnow() - timedelta(days=1)
        await session.flush()
        contacts = list((await session.execute(select(Contact))).scalars())
        await conversations.lock_conversations(session, [c.id for c in contacts])
        author = await create_operator(session, "sari", "a-long-password", "supervisor")
        approver = await create_operator(session, "tono", "a-long-password", "supervisor")
        draft = await advisories.create(
            session,
            operator_id=author.id,
            title="t",
            text_id="a",
            text_en="b",
            source_url="https://x.example/",
            audience=AudienceFilter(),
        )
        await advisories.approve(
            session, draft.id, operator_id=approver.id, reach=REACH, rendered=RENDERED
        )
        return draft.id


async def test_replies_and_alerts_overtake_a_broadcast_queued_before_them(
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    settings_factory: Callable[..., Settings],
    fake_telegram: FakeTelegram,
) -> None:
    advisory_id = await _broadcast(sessions, 60)
    async with sessions() as session, session.begin():
        # The 4th recipient opts out after the approval and before the send.
        await session.execute(
            update(Contact).where(Contact.channel_user_id == "4").values(advisory_opt_in=False)
        )
        contact = await conversations.get_or_create_contact(session, "telegram", "900")
        conversation = await conversations.lock_conversation(session, contact)
        outbox.enqueue(
            session,
            channel="telegram",
            recipient="900",
            text="a reply",
            conversation_id=conversation.id,
        )
        outbox.enqueue(session, channel="telegram", recipient="-100", text="ALERT", origin="alert")
    settings = settings_factory(
        database_url,
        telegram_token=Secret(TELEGRAM_TOKEN),
        telegram_webhook_secret=Secret("s3cret"),
        telegram_api_url=fake_telegram.url,
    )
    async with aiohttp.ClientSession() as http:
        adapters = build_adapters(settings, http)
        for adapter in adapters.values():
            await adapter.start()
        sender = Sender(sessions=sessions, settings=settings, adapters=adapters)
        await sender.start()
        try:
            await fake_telegram.wait_for("sendMessage", 61, within=20)
        finally:
            await sender.close()
            for adapter in adapters.values():
                await adapter.close()
    order = [str(c.params["chat_id"]) for c in fake_telegram.calls("sendMessage")]
    # 60 advisory rows were queued first; the alert and the reply still go out among the first
    # few (those already claimed and waiting in the pacer), not after the broadcast.
    assert order.index("-100") < 10
    assert order.index("900") < 10
    assert "4" not in order  # opted out meanwhile: skipped
    assert len(order) == len(set(order)) == 61
    async with sessions() as session:
        counts = await advisories.progress(session, advisory_id)
    assert counts["sent"] == 59
    assert counts["opted_out"] == 1


@pytest.fixture
async def pg_sessions(postgres_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """PostgreSQL only: the worker role runs in a process of its own."""
    await upgrade_async(postgres_url)
    engine = create_engine(postgres_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _worker(database_url: str, fake: FakeTelegram) -> asyncio.subprocess.Process:
    """``siaga serve --role worker`` in its own process (the dispatcher and the sender)."""
    env = {
        **os.environ,
        "SIAGA_DATABASE_URL": database_url,
        "SIAGA_ROLE": "worker",
        "SIAGA_PORT": str(_free_port()),
        "SIAGA_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SIAGA_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "SIAGA_TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "SIAGA_TELEGRAM_API_URL": fake.url,
        "SIAGA_OUTBOX_POLL_SECONDS": "0.2",
        "SIAGA_LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_sender_killed_mid_broadcast_sends_nobody_the_advisory_twice(
    pg_sessions: async_sessionmaker[AsyncSession], postgres_url: str, fake_telegram: FakeTelegram
) -> None:
    sessions = pg_sessions
    people = 150
    advisory_id = await _broadcast(sessions, people)
    fake_telegram.latency = lambda _path: 0.05  # a provider under load: sends overlap
    first = await _worker(postgres_url, fake_telegram)
    try:
        await fake_telegram.wait_for("sendMessage", 40, within=60)
    finally:
        first.send_signal(signal.SIGKILL)  # no goodbye: rows in flight stay "sending"
        await first.wait()
    at_crash = len(fake_telegram.calls("sendMessage"))
    assert at_crash < people  # killed mid-broadcast
    second = await _worker(postgres_url, fake_telegram)
    counts: dict[str, int] = {}
    try:
        for _ in range(120):  # the crashed sender's leases run out after 15 s
            async with sessions() as session:
                counts = await advisories.progress(session, advisory_id)
            if counts["queued"] == 0:
                break
            await asyncio.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    received = Counter(str(c.params["chat_id"]) for c in fake_telegram.calls("sendMessage"))
    assert max(received.values()) == 1  # nobody twice
    assert counts["queued"] == 0
    assert counts["sent"] + counts["failed"] == people
    assert counts["sent"] >= people - 20  # only the few in flight at the crash are unsent
    async with sessions() as session:
        interrupted = (
            await session.execute(
                select(OutboxMessage.last_error).where(OutboxMessage.status == "failed")
            )
        ).scalars()
        assert all("interrupted" in (e or "") for e in interrupted)


async def test_outside_whatsapps_window_the_template_carries_the_advisory_on_one_line(
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    settings_factory: Callable[..., Settings],
    fake_meta: FakeMeta,
) -> None:
    async with sessions() as session, session.begin():
        for key, hours in (("6281100000001", 2), ("6281100000002", 48)):
            contact = await conversations.get_or_create_contact(session, "whatsapp", key)
            contact.advisory_opt_in = True
            contact.last_inbound_at = utcnow() - timedelta(hours=hours)
            await conversations.lock_conversation(session, contact)
        author = await create_operator(session, "sari", "a-long-password", "supervisor")
        approver = await create_operator(session, "tono", "a-long-password", "supervisor")
        draft = await advisories.create(
            session,
            operator_id=author.id,
            title="t",
            text_id="Sinyal topan 8.\n\nTetap di dalam rumah.",
            text_en="Typhoon signal 8.\n\nStay indoors.",
            source_url="https://www.hko.gov.hk/",
            audience=AudienceFilter(),
        )
        await advisories.approve(
            session,
            draft.id,
            operator_id=approver.id,
            reach={"whatsapp": "all"},
            rendered=Rendered(
                texts={"id": "Sinyal topan 8.\n\nTetap di dalam rumah.", "en": "x"},
                buttons={"id": [{"title": "Berhenti", "payload": "advisory:stop"}], "en": []},
            ),
        )
    settings = settings_factory(
        database_url,
        whatsapp_token=Secret(META_TOKEN),
        whatsapp_app_secret=Secret(META_APP_SECRET),
        whatsapp_verify_token=Secret("verify"),
        whatsapp_phone_number_id=META_PHONE_NUMBER_ID,
        whatsapp_api_url=fake_meta.api_url,
        whatsapp_template_name="siaga_advisory",
    )
    async with aiohttp.ClientSession() as http:
        adapters = build_adapters(settings, http)
        for adapter in adapters.values():
            await adapter.start()
        sender = Sender(sessions=sessions, settings=settings, adapters=adapters)
        await sender.start()
        try:
            await fake_meta.wait_for("/messages", 2, within=20)
        finally:
            await sender.close()
            for adapter in adapters.values():
                await adapter.close()
    by_recipient = {str(c.params.get("to")): c.params for c in fake_meta.sent}
    inside, outside = by_recipient["6281100000001"], by_recipient["6281100000002"]
    assert inside["type"] in ("text", "interactive")  # free text (and the stop button) inside
    assert outside["type"] == "template"
    assert outside["template"]["name"] == "siaga_advisory"
    [parameter] = outside["template"]["components"][0]["parameters"]
    # WhatsApp refuses template parameters with new lines, tabs or 4+ spaces (error 132018).
    assert "\n" not in parameter["text"]
    assert "Sinyal topan 8." in parameter["text"]
    assert "Tetap di dalam rumah." in parameter["text"]
