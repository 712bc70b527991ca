"""Payloads published by others (Telegram/courier samples, pywa's updates) and the shapes issue
14 names, each posted signed to the real app: the HTTP status, what is stored for operators and
whether the bot answers. Where every fixture comes from: ``tests/fixtures/PROVENANCE.md``.

``stored`` is one of text, media, contact, location, edit, unsupported, ignored (nothing in
the message log). Every authentic update gets 200, whatever it holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from sqlalchemy import select

from bot.keys import SESSIONS
from storage.models import Message, OutboxMessage
from tests.channels.harness import wire
from tests.support.e2e import PUBLIC_URL, count, post, settled
from tests.support.server import RunningSiaga


@dataclass(frozen=True)
class Wild:
    channel: str
    fixture: str
    stored: str
    reply: bool
    status: int = 200


WILD = [
    # Telegram: courier's samples have no is_bot and no file_unique_id (PTB refused them: 400).
    Wild("telegram", "message__text_no_is_bot", "text", reply=True),
    Wild("telegram", "message__sticker_no_file_unique_id", "media", reply=True),
    Wild("telegram", "message__photo_no_file_unique_id", "media", reply=True),
    Wild("telegram", "message__venue", "location", reply=True),
    Wild("telegram", "message__contact_no_user_id", "text", reply=True),
    Wild("telegram", "message__poll", "unsupported", reply=False),
    # WhatsApp Cloud API: pywa's updates and courier's handler tests.
    Wild("whatsapp", "edit__image", "edit", reply=False),
    Wild("whatsapp", "revoke__message", "edit", reply=False),
    Wild("whatsapp", "message__voice_type", "media", reply=True),
    Wild("whatsapp", "message__audio_voice_flag", "media", reply=True),
    Wild("whatsapp", "message__reaction", "unsupported", reply=False),
    Wild("whatsapp", "message__order", "unsupported", reply=False),
    Wild("whatsapp", "message__unsupported_with_type", "unsupported", reply=False),
    Wild("whatsapp", "message__contacts", "text", reply=True),
    Wild("whatsapp", "message__group", "ignored", reply=False),
    Wild("whatsapp", "message__from_bsuid", "text", reply=True),
    Wild("whatsapp", "message__invalid_from", "text", reply=True),
    Wild("whatsapp", "status__group", "ignored", reply=False),
    # Twilio (written by us, shapes from Twilio's docs).
    Wild("twilio", "message__vcard_contact", "contact", reply=True),
    Wild("twilio", "message__location_nan", "unsupported", reply=False),
]


def wild_names(channel: str) -> list[str]:
    """The fixtures of a channel covered here (the per-channel tables cover the rest)."""
    return [w.fixture for w in WILD if w.channel == channel]


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _stored_as(rows: list[Message]) -> str:
    if not rows:
        return "ignored"
    [row] = rows
    if row.kind in ("edited", "revoked"):
        return "edit"
    if row.kind:
        return row.kind
    if row.media:
        return "contact" if row.media[0]["kind"] == "contact" else "media"
    return "location" if row.location else "text"


@pytest.mark.parametrize("case", WILD, ids=lambda w: f"{w.channel}-{w.fixture}")
async def test_wild_payload(
    siaga: RunningSiaga, client: aiohttp.ClientSession, case: Wild
) -> None:
    req = wire(case.channel, case.fixture, public_url=PUBLIC_URL)
    status, _, _ = await post(client, siaga, req)
    assert status == case.status
    # A retry is handled once.
    assert (await post(client, siaga, req))[0] == case.status
    await settled(siaga)
    async with siaga.app[SESSIONS]() as session:
        rows = list(await session.scalars(select(Message).where(Message.direction == "in")))
    assert _stored_as(rows) == case.stored
    assert (await count(siaga, OutboxMessage) > 0) == case.reply


# --- receipts out of order ----------------------------------------------------------------------

TW = "SMf0e1d2c3b4a5968778695a4b3c2d1e0"
WA = "wamid.HBgNNjI4MTIwMDAwMDAwMRUCABEYEj"


@dataclass(frozen=True)
class Receipts:
    channel: str
    external_id: str
    fixtures: tuple[str, ...]
    final: tuple[str, str]  # (status, delivery_status) after all of them
    rewrite: tuple[tuple[str, str], ...] = ()  # (old, new) ids: make fixtures name one message


RECEIPTS = [
    Receipts("twilio", TW + "0", ("status__read", "status__delivered"), ("read", "read")),
    Receipts(
        "twilio",
        TW + "1",
        ("status__failed_63016", "status__sent"),
        ("failed", "failed"),
        ((TW + "0", TW + "1"),),
    ),
    Receipts(
        "twilio",
        TW + "0",
        ("status__sent", "status__read", "status__delivered", "status__sent"),
        ("read", "read"),
    ),
    Receipts(
        "whatsapp",
        WA + "AxQUJDREVGMDEyMzQ1Njc4OQA=",
        ("status__read", "status__delivered"),
        ("read", "read"),
    ),
    Receipts(
        "whatsapp",
        WA + "AyQUJDREVGMDEyMzQ1Njc4OQA=",
        ("status__failed_131047", "status__sent", "status__delivered"),
        ("failed", "failed"),
        ((WA + "AxQUJDREVGMDEyMzQ1Njc4OQA=", WA + "AyQUJDREVGMDEyMzQ1Njc4OQA="),),
    ),
]


@pytest.mark.parametrize(
    "case", RECEIPTS, ids=lambda r: f"{r.channel}-{'-'.join(f.split('__')[1] for f in r.fixtures)}"
)
async def test_receipts_only_move_forward(
    siaga: RunningSiaga, client: aiohttp.ClientSession, case: Receipts
) -> None:
    async with siaga.app[SESSIONS]() as session, session.begin():
        row = OutboxMessage(
            channel=case.channel,
            recipient="x",
            text="t",
            status="sent",
            external_id=case.external_id,
        )
        session.add(row)
        await session.flush()
        row_id = row.id
    for fixture in case.fixtures:
        rewrite = dict(case.rewrite) or None
        req = wire(case.channel, fixture, public_url=PUBLIC_URL, replace_text=rewrite)
        assert (await post(client, siaga, req))[0] == 200
    async with siaga.app[SESSIONS]() as session:
        stored = await session.get(OutboxMessage, row_id)
        assert stored is not None
        assert (stored.status, stored.delivery_status) == case.final
