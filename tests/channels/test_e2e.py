"""End to end through the real app: signed webhook → stored once → reply captured by a fake.

Every test runs on SQLite and on PostgreSQL (``database_url``). The only fakes are the provider
servers; the app, the database, the dispatcher, the flows and the sender are the real ones.
``SIAGA_PUBLIC_URL`` differs from the address the app listens on, as behind a proxy: Twilio
signatures are computed for the public URL and still verify.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.keys import SESSIONS
from storage.models import Contact, InboxEvent, Message, OutboxMessage
from tests.channels.harness import WireRequest, wire
from tests.support.e2e import (
    PUBLIC_URL,
    channel_settings,
    count,
    eventually,
    post,
    settled,
    stop_or_explain,
)
from tests.support.fake_providers import (
    META_VERIFY_TOKEN,
    FakeMeta,
    FakeTelegram,
    FakeTwilio,
)
from tests.support.server import RunningSiaga, start_siaga

CHAT = "700000001"
TWILIO_FROM = "whatsapp:+6281200000001"
WA_ID = "6281200000001"


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


# --- one text message per channel ---------------------------------------------------------------

CHANNEL_TEXT = [
    pytest.param("telegram", "sendMessage", id="telegram"),
    pytest.param("twilio", "Messages.json", id="twilio"),
    pytest.param("whatsapp", "messages", id="whatsapp"),
]


def fake_for(channel: str, tg: FakeTelegram, tw: FakeTwilio, meta: FakeMeta) -> Any:
    return {"telegram": tg, "twilio": tw, "whatsapp": meta}[channel]


def recipient_of(channel: str, captured: Any) -> str:
    if channel == "telegram":
        return str(captured.params["chat_id"])
    if channel == "twilio":
        return str(captured.params["To"])
    return str(captured.params.get("to") or captured.params.get("recipient"))


EXPECTED_RECIPIENT = {"telegram": CHAT, "twilio": TWILIO_FROM, "whatsapp": WA_ID}


@pytest.mark.parametrize(("channel", "send_name"), CHANNEL_TEXT)
async def test_text_is_stored_once_and_answered(
    siaga: RunningSiaga,
    client: aiohttp.ClientSession,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
    channel: str,
    send_name: str,
) -> None:
    fake = fake_for(channel, fake_telegram, fake_twilio, fake_meta)
    status, body, content_type = await post(
        client, siaga, wire(channel, "message__text", public_url=PUBLIC_URL)
    )
    assert status == 200
    if channel == "twilio":
        assert content_type == "text/xml"
        assert b"<Response>" in body
    assert await count(siaga, InboxEvent, InboxEvent.channel == channel) == 1
    [reply, *_] = await fake.wait_for(send_name)
    assert recipient_of(channel, reply) == EXPECTED_RECIPIENT[channel]
    await settled(siaga)
    assert await count(siaga, Message, Message.direction == "in") == 1
    sent_rows = await count(siaga, OutboxMessage, OutboxMessage.status == "sent")
    assert sent_rows == len(fake.sent) >= 1


@pytest.mark.parametrize(("channel", "send_name"), CHANNEL_TEXT)
async def test_concurrent_duplicates_store_one_message_and_send_one_reply(
    siaga: RunningSiaga,
    client: aiohttp.ClientSession,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
    channel: str,
    send_name: str,
) -> None:
    """The provider retries while the first delivery is in flight (docs/wire-protocols.md §0)."""
    fake = fake_for(channel, fake_telegram, fake_twilio, fake_meta)
    req = wire(channel, "message__duplicate", public_url=PUBLIC_URL)
    results = await asyncio.gather(*(post(client, siaga, req) for _ in range(8)))
    assert {status for status, _, _ in results} == {200}
    await fake.wait_for(send_name)
    await settled(siaga)
    await asyncio.sleep(0.3)  # a duplicate reply would show up now
    assert await count(siaga, InboxEvent) == 1
    assert await count(siaga, Message, Message.direction == "in") == 1
    async with siaga.app[SESSIONS]() as session:
        keys = (await session.scalars(select(OutboxMessage.source_key))).all()
    assert len({str(k).split(":")[0] for k in keys}) == 1  # every reply comes from one event
    assert len(fake.sent) == len(keys) >= 1


# --- rejected and ignored requests store nothing -------------------------------------------------

NOTHING_STORED = [
    ("telegram", "message__bad_secret", 403),
    ("telegram", "message__missing_secret", 403),
    ("telegram", "malformed__no_update_id", 400),
    ("telegram", "malformed__no_chat", 400),
    ("telegram", "message_reaction__unknown", 200),
    ("telegram", "message__group_ignored", 200),
    ("twilio", "message__bad_signature", 403),
    ("twilio", "message__malformed_no_sid", 400),
    ("twilio", "status__queued_ignored", 200),
    ("twilio", "status__malformed", 400),
    ("whatsapp", "message__bad_signature", 403),
    ("whatsapp", "malformed__entry_not_list", 400),
    ("whatsapp", "malformed__message_without_id", 400),
    ("whatsapp", "account_update__unknown", 200),
    ("whatsapp", "message__other_number", 200),
]


@pytest.mark.parametrize(
    ("channel", "fixture", "status"),
    NOTHING_STORED,
    ids=[f"{c}-{f}" for c, f, _ in NOTHING_STORED],
)
async def test_rejected_or_ignored_requests_store_nothing(
    siaga: RunningSiaga,
    client: aiohttp.ClientSession,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
    channel: str,
    fixture: str,
    status: int,
) -> None:
    got, _, _ = await post(client, siaga, wire(channel, fixture, public_url=PUBLIC_URL))
    assert got == status
    assert await count(siaga, InboxEvent) == 0
    assert await count(siaga, Contact) == 0
    await asyncio.sleep(0.2)
    assert fake_telegram.sent == fake_twilio.sent == fake_meta.sent == []


async def test_signature_for_the_internal_url_is_rejected(
    siaga: RunningSiaga, client: aiohttp.ClientSession
) -> None:
    """Signed for the address the app listens on, not SIAGA_PUBLIC_URL: 403."""
    got, _, _ = await post(client, siaga, wire("twilio", "message__text", public_url=siaga.url))
    assert got == 403
    assert await count(siaga, InboxEvent) == 0


async def test_not_json_is_400(siaga: RunningSiaga, client: aiohttp.ClientSession) -> None:
    req = wire("telegram", "message__text")
    got, _, _ = await post(client, siaga, WireRequest(req.path, b"{not json", req.headers))
    assert got == 400


# --- media, buttons, statuses, blocking -----------------------------------------------------


async def test_telegram_voice_note_is_downloaded_and_stored(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.add_file("AwACAgUAAxkBAAIBVoice0001", b"OggS-opus-voice", "voice/file_3.oga")
    status, _, _ = await post(client, siaga, wire("telegram", "message__voice"))
    assert status == 200
    await fake_telegram.wait_for("sendMessage")  # a media-only message still reaches the flows
    await settled(siaga)
    async with siaga.app[SESSIONS]() as session:
        media = (
            await session.scalars(select(Message.media).where(Message.direction == "in"))
        ).one()
    assert media is not None
    [item] = media
    assert item["kind"] == "voice"
    assert item["url"].endswith(".ogg")
    assert fake_telegram.calls("/getFile")


async def test_twilio_image_is_downloaded_with_basic_auth(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_twilio: FakeTwilio
) -> None:
    media_url = fake_twilio.add_media(
        "MM1a2b3c4d5e6f708192a3b4c5d6e7f804",
        "ME1a2b3c4d5e6f708192a3b4c5d6e7f804",
        b"\xff\xd8jpeg",
        "image/jpeg",
    )
    original = media_url.replace(fake_twilio.url, "https://api.twilio.com")
    req = wire(
        "twilio", "message__image", public_url=PUBLIC_URL, replace_text={original: media_url}
    )
    status, _, _ = await post(client, siaga, req)
    assert status == 200
    await fake_twilio.wait_for("Messages.json")
    await settled(siaga)
    assert fake_twilio.calls("/Media/ME1a2b3c4d5e6f708192a3b4c5d6e7f804")
    async with siaga.app[SESSIONS]() as session:
        media = (
            await session.scalars(select(Message.media).where(Message.direction == "in"))
        ).one()
    assert media is not None
    assert media[0]["url"].endswith(".jpg")


async def test_meta_voice_note_is_downloaded_with_the_bearer_token(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_meta: FakeMeta
) -> None:
    fake_meta.add_media("1037543291543636", b"OggS-voice", "audio/ogg")
    status, _, _ = await post(client, siaga, wire("whatsapp", "message__voice"))
    assert status == 200
    await fake_meta.wait_for("/messages")
    await settled(siaga)
    assert fake_meta.calls("/whatsapp_business/attachments/1037543291543636")


async def test_telegram_callback_is_answered_in_the_webhook_response(
    siaga: RunningSiaga, client: aiohttp.ClientSession
) -> None:
    status, body, content_type = await post(
        client, siaga, wire("telegram", "callback_query__button")
    )
    assert status == 200
    assert content_type == "application/json"
    assert b'"answerCallbackQuery"' in body
    assert await count(siaga, InboxEvent) == 1


async def test_telegram_block_marks_the_contact(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    await post(client, siaga, wire("telegram", "message__text"))
    await fake_telegram.wait_for("sendMessage")
    await settled(siaga)
    status, _, _ = await post(client, siaga, wire("telegram", "my_chat_member__blocked"))
    assert status == 200
    assert await count(siaga, Contact, Contact.blocked.is_(True)) == 1
    status, _, _ = await post(client, siaga, wire("telegram", "my_chat_member__unblocked"))
    assert await count(siaga, Contact, Contact.blocked.is_(True)) == 0


async def test_twilio_status_callbacks_update_the_outbox(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_twilio: FakeTwilio
) -> None:
    await post(client, siaga, wire("twilio", "message__text", public_url=PUBLIC_URL))
    await fake_twilio.wait_for("Messages.json")
    await settled(siaga)
    async with siaga.app[SESSIONS]() as session:
        external_id = (await session.scalars(select(OutboxMessage.external_id))).first()
    assert external_id is not None
    sid = "SMf0e1d2c3b4a5968778695a4b3c2d1e00"
    for fixture in ("status__delivered", "status__read", "status__read"):
        req = wire("twilio", fixture, public_url=PUBLIC_URL, replace_text={sid: external_id})
        status, _, _ = await post(client, siaga, req)
        assert status == 200
    async with siaga.app[SESSIONS]() as session:
        row = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.external_id == external_id)
            )
        ).one()
    assert row.delivery_status == "read"


async def test_meta_failed_status_records_the_error(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_meta: FakeMeta
) -> None:
    await post(client, siaga, wire("whatsapp", "message__text"))
    await fake_meta.wait_for("/messages")
    await settled(siaga)
    async with siaga.app[SESSIONS]() as session:
        external_id = (await session.scalars(select(OutboxMessage.external_id))).first()
    assert external_id is not None
    old = "wamid.HBgNNjI4MTIwMDAwMDAwMRUCABEYEjAyQUJDREVGMDEyMzQ1Njc4OQA="
    req = wire("whatsapp", "status__failed_131047", replace_text={old: external_id})
    status, _, _ = await post(client, siaga, req)
    assert status == 200
    async with siaga.app[SESSIONS]() as session:
        row = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.external_id == external_id)
            )
        ).one()
    assert row.delivery_status == "failed"
    assert "131047" in (row.last_error or "")


async def test_meta_bsuid_only_user_is_answered_by_bsuid(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_meta: FakeMeta
) -> None:
    await post(client, siaga, wire("whatsapp", "message__bsuid_only"))
    [reply, *_] = await fake_meta.wait_for("/messages")
    assert reply.params["recipient"] == "US.13491208655302741918"


async def test_meta_verification_handshake(
    siaga: RunningSiaga, client: aiohttp.ClientSession
) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": META_VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    async with client.get(siaga.url + "/webhooks/whatsapp", params=query) as resp:
        assert (resp.status, await resp.text()) == (200, "1158201444")
    query["hub.verify_token"] = "wrong"
    async with client.get(siaga.url + "/webhooks/whatsapp", params=query) as resp:
        assert resp.status == 403


async def test_unconfigured_channel_is_404(
    database_url: str, settings_factory: Callable[..., Settings], client: aiohttp.ClientSession
) -> None:
    running = await start_siaga(settings_factory(database_url))
    try:
        for path in ("/webhooks/telegram", "/webhooks/twilio", "/webhooks/whatsapp"):
            async with client.post(running.url + path, data=b"{}") as resp:
                assert resp.status == 404
                assert "not configured" in await resp.text()
    finally:
        await running.stop()


async def test_telegram_flood_limit_is_retried_after_retry_after(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    """A 429 with retry_after: the reply still arrives, no sooner than Telegram asked."""
    from tests.support.fake_providers import telegram_error

    fake_telegram.fail_next(
        "sendMessage", 429, telegram_error(429, "Too Many Requests: retry after 1", 1)
    )
    status, _, _ = await post(client, siaga, wire("telegram", "message__text"))
    assert status == 200
    first, second = await fake_telegram.wait_for("sendMessage", 2)
    assert second.params["text"] == first.params["text"]
    assert second.at - first.at >= 0.9
    await settled(siaga)
    assert await count(siaga, OutboxMessage, OutboxMessage.status == "sent") >= 1


async def test_telegram_blocked_user_stops_the_sends(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    """403 "bot was blocked by the user" on send: the contact is marked, nothing is retried."""
    fake_telegram.blocked.add(int(CHAT))
    await post(client, siaga, wire("telegram", "message__text"))
    await fake_telegram.wait_for("sendMessage")
    await eventually(lambda: _blocked(siaga))
    await asyncio.sleep(0.5)
    assert len(fake_telegram.sent) == 1


async def _blocked(siaga: RunningSiaga) -> bool:
    return await count(siaga, Contact, Contact.blocked.is_(True)) == 1


WINDOW_CASES = [
    pytest.param(
        "twilio", "twilio_template_sid", "HX0123456789abcdef0123456789abcdef", id="twilio-template"
    ),
    pytest.param("twilio", "twilio_template_sid", "", id="twilio-no-template"),
    pytest.param("whatsapp", "whatsapp_template_name", "siaga_followup", id="whatsapp-template"),
    pytest.param("whatsapp", "whatsapp_template_name", "", id="whatsapp-no-template"),
]


@pytest.mark.parametrize(("channel", "setting", "template"), WINDOW_CASES)
async def test_whatsapp_24_hour_window(
    database_url: str,
    settings_factory: Callable[..., Settings],
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
    client: aiohttp.ClientSession,
    channel: str,
    setting: str,
    template: str,
) -> None:
    """Outside the window: the template is sent, or the outbox says which setting is missing."""
    from datetime import UTC, datetime, timedelta

    from storage import outbox

    settings = channel_settings(
        settings_factory,
        database_url,
        fake_telegram,
        fake_twilio,
        fake_meta,
        **{setting: template},
    )
    running = await start_siaga(settings)
    fake = fake_for(channel, fake_telegram, fake_twilio, fake_meta)
    try:
        await post(client, running, wire(channel, "message__text", public_url=PUBLIC_URL))
        await fake.wait_for("Messages.json" if channel == "twilio" else "/messages")
        await settled(running)
        before = len(fake.sent)
        async with running.app[SESSIONS]() as session, session.begin():
            contact = (await session.scalars(select(Contact))).one()
            contact.last_inbound_at = datetime.now(UTC) - timedelta(hours=25)
            conversation_id = (
                await session.scalars(select(OutboxMessage.conversation_id))
            ).first()
            row = outbox.enqueue(
                session,
                channel=channel,
                recipient=contact.channel_user_id,
                text="Kasus Anda sudah ditangani petugas.",
                conversation_id=conversation_id,
                origin="operator",
            )
            await session.flush()
            row_id = row.id
        await settled(running)
        async with running.app[SESSIONS]() as session:
            stored = await session.get(OutboxMessage, row_id)
        assert stored is not None
        if template:
            assert stored.status == "sent"
            [sent] = fake.sent[before:]
            if channel == "twilio":
                assert sent.params["ContentSid"] == template
                assert "Body" not in sent.params
            else:
                assert sent.params["type"] == "template"
                assert sent.params["template"]["name"] == template
        else:
            assert stored.status == "failed"
            assert f"SIAGA_{setting.upper()}" in (stored.last_error or "")
            assert len(fake.sent) == before
    finally:
        await stop_or_explain(running)
