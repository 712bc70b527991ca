"""Telegram verify/parse/ack over every fixture (pure: no server, no network)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from bot.channels.base import (
    AnomalousPayload,
    Ignored,
    InvalidSignature,
    MessageIn,
    ProviderEvent,
    RawRequest,
    UserBlocked,
)
from bot.channels.telegram import TelegramAdapter
from flows.types import Location, MediaRef
from tests.channels.harness import fixture_names, raw_request, verify_and_parse, without_raw
from tests.channels.test_wild_payloads import wild_names
from tests.support.fake_providers import TELEGRAM_SECRET, TELEGRAM_TOKEN

CHAT = "700000001"


@dataclass(frozen=True)
class Case:
    fixture: str
    expect: list[ProviderEvent] | type[Exception]


def msg(update_id: int, message_id: int, text: str = "", **kw: Any) -> MessageIn:
    return MessageIn(
        dedup_key=f"tg:{update_id}",
        conversation_key=CHAT,
        external_id=str(message_id),
        text=text,
        display_name="Sari W",
        **kw,
    )


CASES = [
    Case("message__text", [msg(810000001, 11, "gaji saya belum dibayar 3 bulan")]),
    Case("message__duplicate", [msg(810000002, 12, "majikan menahan paspor saya")]),
    Case(
        "message__voice",
        [msg(810000003, 13, media=(MediaRef("voice", "AwACAgUAAxkBAAIBVoice0001", "audio/ogg"),))],
    ),
    Case(
        "message__audio",
        [
            msg(
                810000004,
                14,
                media=(MediaRef("audio", "CQACAgUAAxkBAAIBAudio0001", "audio/mpeg"),),
            )
        ],
    ),
    Case(
        "message__photo",
        [
            msg(
                810000005,
                15,
                "ini kontrak saya",
                media=(
                    MediaRef("image", "AgACAgUAAxkBAAIBPhoto_x", "image/jpeg", "ini kontrak saya"),
                ),
            )
        ],
    ),
    Case(
        "message__document",
        [
            msg(
                810000006,
                16,
                media=(MediaRef("document", "BQACAgUAAxkBAAIBDoc0001", "application/pdf"),),
            )
        ],
    ),
    Case(
        "message__sticker",
        [
            msg(
                810000016,
                22,
                media=(MediaRef("sticker", "CAACAgIAAxkBAAIBSticker01", "image/webp"),),
            )
        ],
    ),
    Case("message__location", [msg(810000007, 17, location=Location(3.139003, 101.686855))]),
    Case("message__contact_own", [msg(810000008, 18, phone="+6281200000001")]),
    Case("message__contact_other", [msg(810000009, 19, "Agen Budi +60120000002")]),
    Case("message__long_text", [msg(810000022, 28, ("Saya bekerja di pabrik. " * 180).strip())]),
    Case(
        "callback_query__button",
        [
            MessageIn(
                dedup_key="tg:810000010",
                conversation_key=CHAT,
                external_id="4382bfdwdsb323b2d9",
                text="Ya, setuju",
                payload="consent:yes",
                display_name="Sari W",
            )
        ],
    ),
    Case(
        "edited_message__text",
        [msg(810000011, 11, "gaji saya belum dibayar 4 bulan", kind="edit", original_id="11")],
    ),
    Case("edited_message__live_location", [Ignored("telegram live location update")]),
    Case("my_chat_member__blocked", [UserBlocked("tg:810000013", CHAT, blocked=True)]),
    Case("my_chat_member__unblocked", [UserBlocked("tg:810000014", CHAT, blocked=False)]),
    Case("message_reaction__unknown", [Ignored("telegram update type message_reaction")]),
    Case(
        "message__dice_unsupported",
        [msg(810000017, 23, "[unsupported: dice]", kind="unsupported")],
    ),
    Case("message__group_ignored", [Ignored("telegram message in a supergroup chat")]),
    Case("message__bad_secret", InvalidSignature),
    Case("message__missing_secret", InvalidSignature),
    Case("malformed__no_update_id", AnomalousPayload),
    Case("malformed__no_chat", AnomalousPayload),
]


@pytest.fixture
def adapter() -> TelegramAdapter:
    return TelegramAdapter(
        token=TELEGRAM_TOKEN, webhook_secret=TELEGRAM_SECRET, api_url="http://127.0.0.1:9"
    )


def test_every_fixture_has_a_case() -> None:
    covered = [c.fixture for c in CASES] + wild_names("telegram")
    assert sorted(covered) == fixture_names("telegram")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_inbound(adapter: TelegramAdapter, case: Case) -> None:
    req = raw_request("telegram", case.fixture)
    if isinstance(case.expect, type):
        with pytest.raises(case.expect):
            verify_and_parse(adapter, req)
        return
    adapter.verify(req)
    events = adapter.parse(req)
    assert [without_raw(e) for e in events] == case.expect
    for event in events:
        if isinstance(event, MessageIn):
            assert event.raw["update_id"] == int(event.dedup_key.removeprefix("tg:"))


def test_secret_compare_needs_a_configured_secret() -> None:
    open_adapter = TelegramAdapter(token=TELEGRAM_TOKEN, webhook_secret="")
    with pytest.raises(InvalidSignature):
        open_adapter.verify(raw_request("telegram", "message__text"))


def test_non_json_body_is_anomalous(adapter: TelegramAdapter) -> None:
    req = RawRequest("POST", "u", "/webhooks/telegram", {}, b"\xff not json")
    with pytest.raises(AnomalousPayload):
        adapter.parse(req)


def test_ack_answers_callbacks_in_the_response(adapter: TelegramAdapter) -> None:
    events = adapter.parse(raw_request("telegram", "callback_query__button"))
    ack = adapter.ack(events)
    assert ack.status == 200
    assert ack.content_type == "application/json"
    assert json.loads(ack.body) == {
        "method": "answerCallbackQuery",
        "callback_query_id": "4382bfdwdsb323b2d9",
    }
    plain = adapter.ack(adapter.parse(raw_request("telegram", "message__text")))
    assert (plain.status, plain.body) == (200, b"")
