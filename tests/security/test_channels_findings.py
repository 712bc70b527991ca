"""Issue 14, items 1-6 and the channel part of 13: one test per finding, end to end.

Each test posts what a provider really sends (correctly signed) to the real app on SQLite and on
PostgreSQL, and checks what a worker or an operator would notice: the answer the provider gets,
what is stored for the console, and what the bot sends back. Written before the fixes; each one
failed on the code as it was (see the report of issue 14).
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.keys import SESSIONS
from storage.models import InboxEvent, OutboxMessage
from tests.channels.harness import load, wire
from tests.security._channels_support import (
    contacts,
    inbound_messages,
    meta,
    meta_with_messages,
    send,
    telegram,
    twilio,
)
from tests.support.e2e import count, settled
from tests.support.fake_providers import FakeMeta, FakeTelegram, FakeTwilio
from tests.support.server import RunningSiaga

# Telegram's own samples and courier's tests leave out ``is_bot`` and ``file_unique_id``.
FROM = {"id": 3527065, "first_name": "Nic", "last_name": "Pottier", "username": "nicpottier"}
CHAT = {"id": 3527065, "first_name": "Nic", "last_name": "Pottier", "type": "private"}


def tg_message(update_id: int, message_id: int, **content: Any) -> dict[str, Any]:
    message = {"message_id": message_id, "from": FROM, "chat": CHAT, "date": 1454119029}
    return {"update_id": update_id, "message": {**message, **content}}


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


# --- 1. liberal parsing ---------------------------------------------------------------------


async def test_channels_telegram_update_without_is_bot_is_stored_and_answered(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    status = await send(client, siaga, telegram(tg_message(174114370, 41, text="Hello World")))
    assert status == 200
    await fake_telegram.wait_for("sendMessage")
    [row] = await inbound_messages(siaga)
    assert row.text == "Hello World"


async def test_channels_telegram_poll_is_kept_for_operators(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    poll = {
        "id": "p1",
        "question": "test question",
        "options": [{"text": "Opt1", "persistent_id": "opt1"}],
        "type": "quiz",
    }
    status = await send(client, siaga, telegram(tg_message(174114371, 42, poll=poll)))
    assert status == 200
    await settled(siaga)
    [row] = await inbound_messages(siaga)
    assert row.text.startswith("[unsupported: poll")
    assert fake_telegram.calls("sendMessage") == []


# --- 2. edits -------------------------------------------------------------------------------


async def test_channels_telegram_edit_updates_the_message_and_is_not_a_turn(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    assert await send(client, siaga, wire("telegram", "message__text")) == 200
    await fake_telegram.wait_for("sendMessage")
    await settled(siaga)
    replies = len(fake_telegram.calls("sendMessage"))
    assert await send(client, siaga, wire("telegram", "edited_message__text")) == 200
    await settled(siaga)
    [row] = await inbound_messages(siaga)
    assert row.text == "gaji saya belum dibayar 4 bulan"
    assert [v["text"] for v in row.versions or []] == ["gaji saya belum dibayar 3 bulan"]
    assert len(fake_telegram.calls("sendMessage")) == replies


async def test_channels_meta_edit_and_revoke_keep_every_version(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_meta: FakeMeta
) -> None:
    original = load("whatsapp", "message__text")
    wamid = original["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert await send(client, siaga, meta(original)) == 200
    await fake_meta.wait_for("/messages")
    await settled(siaga)
    replies = len(fake_meta.calls("/messages"))
    sender = {"from": "6281200000001", "timestamp": "1763800100"}
    edit = {
        **sender,
        "id": "wamid.edit1",
        "type": "edit",
        "edit": {
            "original_message_id": wamid,
            "message": {"type": "text", "text": {"body": "gaji belum dibayar 5 bulan"}},
        },
    }
    revoke = {
        **sender,
        "id": "wamid.revoke1",
        "type": "revoke",
        "revoke": {"original_message_id": wamid},
    }
    assert await send(client, siaga, meta(meta_with_messages(edit))) == 200
    assert await send(client, siaga, meta(meta_with_messages(revoke))) == 200
    await settled(siaga)
    [row] = await inbound_messages(siaga)
    assert row.text == "gaji belum dibayar 5 bulan"
    versions = row.versions or []
    assert [v.get("text") for v in versions] == [
        "gaji saya belum dibayar 3 bulan",
        "gaji belum dibayar 5 bulan",
    ]
    assert row.kind == "revoked"
    assert len(fake_meta.calls("/messages")) == replies


# --- 3. statuses only move forward ------------------------------------------------------------


async def _outbox_row(siaga: RunningSiaga, channel: str, external_id: str) -> int:
    async with siaga.app[SESSIONS]() as session, session.begin():
        row = OutboxMessage(
            channel=channel,
            recipient="x",
            text="t",
            status="sent",
            external_id=external_id,
            delivery_status="sent",
        )
        session.add(row)
        await session.flush()
        return row.id


async def _delivery(siaga: RunningSiaga, row_id: int) -> tuple[str, str | None]:
    async with siaga.app[SESSIONS]() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        return row.status, row.delivery_status


def _twilio_status(sid: str, status: str) -> dict[str, str]:
    fields = load("twilio", "status__read")
    fields.update({"MessageSid": sid, "SmsSid": sid, "MessageStatus": status})
    fields.update({"SmsStatus": status, "EventType": status.upper()})
    return fields


async def test_channels_status_read_then_late_delivered_stays_read(
    siaga: RunningSiaga, client: aiohttp.ClientSession
) -> None:
    sid = "SM00000000000000000000000000000001"
    row_id = await _outbox_row(siaga, "twilio", sid)
    for status in ("read", "delivered"):
        assert await send(client, siaga, twilio(_twilio_status(sid, status), status=True)) == 200
    assert await _delivery(siaga, row_id) == ("read", "read")


async def test_channels_status_failed_then_late_sent_stays_failed(
    siaga: RunningSiaga, client: aiohttp.ClientSession
) -> None:
    sid = "SM00000000000000000000000000000002"
    row_id = await _outbox_row(siaga, "twilio", sid)
    for status in ("failed", "sent"):
        assert await send(client, siaga, twilio(_twilio_status(sid, status), status=True)) == 200
    assert await _delivery(siaga, row_id) == ("failed", "failed")


# --- 4. every attachment downloaded once ------------------------------------------------------


async def test_channels_media_is_downloaded_once(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.add_file("AwACAgUAAxkBAAIBVoice0001", b"OggS-opus-voice", "voice/file_3.oga")
    assert await send(client, siaga, wire("telegram", "message__voice")) == 200
    await fake_telegram.wait_for("sendMessage")
    await settled(siaga)
    assert len(fake_telegram.calls("/getFile")) == 1


# --- 5. locations, venues, contacts, voice, unsupported ------------------------------------


async def test_channels_telegram_venue_keeps_its_title_and_is_not_a_file(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_telegram: FakeTelegram
) -> None:
    point = {"latitude": -2.898944, "longitude": -79.006835}
    venue = {"location": point, "title": "Cuenca", "address": "Provincia del Azuay"}
    update = tg_message(900946535, 95, location=point, venue=venue)
    assert await send(client, siaga, telegram(update)) == 200
    [reply] = await fake_telegram.wait_for("sendMessage")
    await settled(siaga)
    [row] = await inbound_messages(siaga)
    assert row.location is not None
    assert row.location["label"] == "Cuenca"
    assert "file" not in str(reply.params["text"]).lower()


async def test_channels_twilio_vcard_is_a_contact_not_an_empty_document(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_twilio: FakeTwilio
) -> None:
    vcard = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Agen Budi\r\n"
        b"TEL;type=CELL:+60120000002\r\nEND:VCARD\r\n"
    )
    url = fake_twilio.add_media(
        "MM00000000000000000000000000000009",
        "ME00000000000000000000000000000009",
        vcard,
        "text/vcard",
    )
    fields = load("twilio", "message__text")
    fields.update({"Body": "", "NumMedia": "1", "MediaUrl0": url, "MessageType": "contacts"})
    fields["MediaContentType0"] = "text/vcard"
    assert await send(client, siaga, twilio(fields)) == 200
    await settled(siaga)
    [row] = await inbound_messages(siaga)
    assert "Agen Budi" in row.text
    assert "+60120000002" in row.text
    assert row.media
    assert row.media[0]["kind"] == "contact"


async def test_channels_meta_voice_type_is_kept(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_meta: FakeMeta
) -> None:
    fake_meta.add_media("id_voice", b"OggS-voice", "audio/ogg")
    voice = {
        "from": "6281200000001",
        "id": "wamid.voice1",
        "timestamp": "1454119029",
        "type": "voice",
        "voice": {"id": "id_voice", "mime_type": "audio/ogg; codecs=opus"},
    }
    assert await send(client, siaga, meta(meta_with_messages(voice))) == 200
    await settled(siaga)
    [row] = await inbound_messages(siaga)
    assert row.media
    assert row.media[0]["kind"] == "voice"


async def test_channels_meta_unsupported_reaction_and_order_are_shown(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_meta: FakeMeta
) -> None:
    base = {"from": "6281200000001", "timestamp": "1697044706"}
    items = [
        {**base, "id": "wamid.u1", "type": "unsupported", "unsupported": {"type": "poll"}},
        {
            **base,
            "id": "wamid.u2",
            "type": "reaction",
            "reaction": {"message_id": "wamid.x", "emoji": "👍"},
        },
        {
            **base,
            "id": "wamid.u3",
            "type": "order",
            "order": {"catalog_id": "1", "product_items": []},
        },
    ]
    for item in items:
        assert await send(client, siaga, meta(meta_with_messages(item))) == 200
    await settled(siaga)
    texts = [row.text for row in await inbound_messages(siaga)]
    assert texts == [
        "[unsupported: unsupported poll]",
        "[unsupported: reaction 👍]",
        "[unsupported: order]",
    ]
    assert fake_meta.calls("/messages") == []


# --- 6. identity --------------------------------------------------------------------------------


async def test_channels_junk_and_bsuids_are_not_stored_as_phone_numbers(
    siaga: RunningSiaga, client: aiohttp.ClientSession
) -> None:
    text = {"type": "text", "text": {"body": "tolong"}, "timestamp": "1"}
    junk = {**text, "id": "wamid.j1", "from": "bla"}
    bsuid = {**text, "id": "wamid.j2", "from": "US.1234"}
    assert await send(client, siaga, meta(meta_with_messages(junk, contacts=[]))) == 200
    assert await send(client, siaga, meta(meta_with_messages(bsuid, contacts=[]))) == 200
    await settled(siaga)
    stored = {c.channel_user_id: c.phone for c in await contacts(siaga)}
    assert stored == {"bla": None, "US.1234": None}


async def test_channels_whatsapp_group_message_is_not_answered(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_meta: FakeMeta
) -> None:
    group = {
        "from": "6281200000001",
        "group_id": "555555555",
        "id": "wamid.g1",
        "timestamp": "1454119029",
        "type": "text",
        "text": {"body": "Hello World, group message"},
    }
    assert await send(client, siaga, meta(meta_with_messages(group))) == 200
    await settled(siaga)
    assert await count(siaga, InboxEvent) == 0
    assert fake_meta.calls("/messages") == []


async def test_channels_wa_id_then_bsuid_is_one_contact(
    siaga: RunningSiaga, client: aiohttp.ClientSession, fake_meta: FakeMeta
) -> None:
    # First by phone number, and the provider says which BSUID it is (contacts[].user_id).
    assert await send(client, siaga, wire("whatsapp", "message__text")) == 200
    await fake_meta.wait_for("/messages")
    await settled(siaga)
    later = {
        "from_user_id": "US.13491208655302741918",
        "id": "wamid.b2",
        "timestamp": "1763800200",
        "type": "text",
        "text": {"body": "masih di sini"},
    }
    contact = [{"profile": {"name": "Sari"}, "user_id": "US.13491208655302741918"}]
    assert await send(client, siaga, meta(meta_with_messages(later, contacts=contact))) == 200
    await settled(siaga)
    [only] = await contacts(siaga)
    assert only.channel_user_id == "6281200000001"
    assert only.alt_user_id == "US.13491208655302741918"
    assert len(await inbound_messages(siaga)) == 2


# --- 13. 500 instead of 4xx (channel part) ------------------------------------------------------


async def test_channels_twilio_latitude_nan_is_not_a_server_error(
    siaga: RunningSiaga, client: aiohttp.ClientSession
) -> None:
    fields = load("twilio", "message__location")
    fields["Latitude"] = "nan"
    status = await send(client, siaga, twilio(fields))
    assert status == 200
    await settled(siaga)
    [row] = await inbound_messages(siaga)
    assert row.location is None
    assert row.text.startswith("[unsupported: location")


WRONG_TYPES = [
    pytest.param({"text": "not an object"}, id="text-string"),
    pytest.param({"type": "location", "location": "here"}, id="location-string"),
    pytest.param({"type": "interactive", "interactive": ["x"]}, id="interactive-list"),
    pytest.param({"type": "button", "button": 5}, id="button-number"),
    pytest.param({"type": "contacts", "contacts": ["x"]}, id="contacts-strings"),
    pytest.param({"type": "image", "image": "x"}, id="image-string"),
    pytest.param({"from": ["6281200000001"]}, id="from-list"),
    pytest.param({"type": "contacts", "contacts": [{"name": "x"}]}, id="contact-name-string"),
    pytest.param({"type": "location", "location": {"latitude": "x", "longitude": 1}}, id="lat"),
]


@pytest.mark.parametrize("bad_fields", WRONG_TYPES)
async def test_channels_meta_wrong_type_field_does_not_drop_the_batch(
    siaga: RunningSiaga, client: aiohttp.ClientSession, bad_fields: dict[str, Any]
) -> None:
    good = copy.deepcopy(
        load("whatsapp", "message__text")["entry"][0]["changes"][0]["value"]["messages"][0]
    )
    bad = {**copy.deepcopy(good), "id": "wamid.bad1", **bad_fields}
    status = await send(client, siaga, meta(meta_with_messages(bad, good)))
    assert status == 200
    await settled(siaga)
    texts = [row.text for row in await inbound_messages(siaga)]
    assert "gaji saya belum dibayar 3 bulan" in texts
    async with siaga.app[SESSIONS]() as session:
        keys = set(await session.scalars(select(InboxEvent.dedup_key)))
    assert good["id"] in keys
