"""send() and download() of each adapter against the local fake provider servers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.channels.base import MediaError, OutboundMessage, SendError
from bot.channels.meta_whatsapp import MetaWhatsAppAdapter
from bot.channels.telegram import TelegramAdapter
from bot.channels.twilio_whatsapp import TwilioWhatsAppAdapter
from flows.types import Button, MediaRef
from tests.channels.harness import PUBLIC_URL
from tests.support.fake_providers import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_NUMBER,
    FakeMeta,
    FakeTelegram,
    FakeTwilio,
    meta_error,
    telegram_error,
    twilio_error,
)

CHAT = "700000001"
WA_TWILIO = "whatsapp:+6281200000001"
WA = "6281200000001"
YES_NO = (Button("Ya", "consent:yes"), Button("Tidak", "consent:no"))


def out(recipient: str, text: str, outbox_id: int = 1, **kw: Any) -> OutboundMessage:
    return OutboundMessage(outbox_id=outbox_id, recipient=recipient, text=text, **kw)


# --- Telegram ----------------------------------------------------------------------------------


async def test_telegram_text(telegram: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    result = await telegram.send(out(CHAT, "Halo, ada yang bisa kami bantu?"))
    [sent] = fake_telegram.sent
    assert sent.params["chat_id"] == CHAT
    assert sent.params["text"] == "Halo, ada yang bisa kami bantu?"
    assert "reply_markup" not in sent.params
    assert result.external_id == "1000"


async def test_telegram_buttons_are_an_inline_keyboard(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    await telegram.send(out(CHAT, "Setuju?", buttons=YES_NO))
    markup = fake_telegram.sent[0].params["reply_markup"]
    assert markup == {
        "inline_keyboard": [
            [{"text": "Ya", "callback_data": "consent:yes"}],
            [{"text": "Tidak", "callback_data": "consent:no"}],
        ]
    }


async def test_telegram_payload_too_long_for_callback_data_becomes_numbered_text(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    await telegram.send(out(CHAT, "Pilih:", buttons=(Button("A", "x" * 65),)))
    assert fake_telegram.sent[0].params["text"] == "Pilih:\n\n1. A"


async def test_telegram_long_text_is_split_in_order(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    text = "\n\n".join(f"Paragraf {i}: " + "kata " * 200 for i in range(8))
    result = await telegram.send(out(CHAT, text, buttons=YES_NO))
    sent = fake_telegram.sent
    assert len(sent) >= 2
    assert all(len(s.params["text"]) <= 4096 for s in sent)
    assert " ".join(s.params["text"] for s in sent).split() == text.split()
    assert "reply_markup" in sent[-1].params
    assert "reply_markup" not in sent[0].params
    assert result.external_id == str(999 + len(sent))


async def test_telegram_emoji_count_double_towards_the_limit(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    await telegram.send(out(CHAT, "🙏" * 3000))  # 6000 UTF-16 units: two messages
    assert len(fake_telegram.sent) == 2


async def test_telegram_429_carries_retry_after_and_pauses(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next(
        "sendMessage", 429, telegram_error(429, "Too Many Requests: retry after 1", 1)
    )
    with pytest.raises(SendError) as err:
        await telegram.send(out(CHAT, "halo"))
    assert (err.value.retryable, err.value.code, err.value.retry_after) == (True, "429", 1.0)
    started = time.monotonic()
    await telegram.send(out(CHAT, "halo"))
    assert time.monotonic() - started >= 0.9  # the adapter honoured retry_after itself


async def test_telegram_blocked_user(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.blocked.add(int(CHAT))
    with pytest.raises(SendError) as err:
        await telegram.send(out(CHAT, "halo"))
    assert (err.value.blocked, err.value.retryable, err.value.code) == (True, False, "403")
    assert TELEGRAM_TOKEN not in err.value.reason


async def test_telegram_retry_resumes_after_the_parts_already_sent(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    text = "\n\n".join("x" * 4000 for _ in range(3))
    fake_telegram.fail_next(
        "sendMessage",
        200,
        {
            "ok": True,
            "result": {"message_id": 1, "date": 1, "chat": {"id": int(CHAT), "type": "private"}},
        },
    )
    fake_telegram.fail_next("sendMessage", 502, telegram_error(502, "Bad Gateway"))
    with pytest.raises(SendError) as err:
        await telegram.send(out(CHAT, text, outbox_id=7))
    assert err.value.retryable
    await telegram.send(out(CHAT, text, outbox_id=7))
    texts = [c.params["text"] for c in fake_telegram.sent]
    assert len(texts) == 4  # part 1, part 2 (failed), then parts 2 and 3 only
    assert texts[1] == texts[2]


async def test_telegram_empty_text_is_not_sent(telegram: TelegramAdapter) -> None:
    with pytest.raises(SendError) as err:
        await telegram.send(out(CHAT, ""))
    assert err.value.code == "empty"


async def test_telegram_per_chat_pacing(fake_telegram: FakeTelegram) -> None:
    adapter = TelegramAdapter(
        token=TELEGRAM_TOKEN,
        webhook_secret=TELEGRAM_SECRET,
        api_url=fake_telegram.url,
        per_second=1000,
        chat_interval=0.5,
    )
    await adapter.start()
    try:
        await adapter.send(out("700000009", "warm up the connection pool"))
        await adapter.send(out(CHAT, "satu"))
        await adapter.send(out("700000002", "lain"))
        await adapter.send(out(CHAT, "dua"))
    finally:
        await adapter.close()
    at = {c.params["text"]: c.at for c in fake_telegram.sent}
    assert at["dua"] - at["satu"] >= 0.4
    assert at["lain"] - at["satu"] < 0.3  # another chat is not held back


async def test_telegram_download(telegram: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    fake_telegram.add_file("VOICE1", b"OggS" + b"\x00" * 100, "voice/file_1.oga")
    data, mime = await telegram.download(MediaRef("voice", "VOICE1", "audio/ogg"), 1000)
    assert data.startswith(b"OggS")
    assert mime == "audio/ogg"
    with pytest.raises(MediaError) as err:
        await telegram.download(MediaRef("voice", "VOICE1", "audio/ogg"), 10)
    assert err.value.too_large
    with pytest.raises(MediaError):
        await telegram.download(MediaRef("voice", "MISSING", None), 1000)


# --- Twilio ------------------------------------------------------------------------------------


async def test_twilio_text(twilio: TwilioWhatsAppAdapter, fake_twilio: FakeTwilio) -> None:
    result = await twilio.send(out(WA_TWILIO, "Halo"))
    [sent] = fake_twilio.sent
    assert sent.params == {
        "To": WA_TWILIO,
        "From": TWILIO_NUMBER,
        "Body": "Halo",
        "StatusCallback": PUBLIC_URL + "/webhooks/twilio/status",
    }
    assert result.external_id
    assert result.external_id.startswith("SM")


async def test_twilio_buttons_become_numbered_text(
    twilio: TwilioWhatsAppAdapter, fake_twilio: FakeTwilio
) -> None:
    await twilio.send(out(WA_TWILIO, "Setuju?", buttons=YES_NO))
    assert fake_twilio.sent[0].params["Body"] == "Setuju?\n\n1. Ya\n2. Tidak"


async def test_twilio_long_text_split_at_1600(
    twilio: TwilioWhatsAppAdapter, fake_twilio: FakeTwilio
) -> None:
    await twilio.send(out(WA_TWILIO, "kata " * 700))
    bodies = [c.params["Body"] for c in fake_twilio.sent]
    assert len(bodies) == 3
    assert all(len(b) <= 1600 for b in bodies)


async def test_twilio_outside_window_sends_the_template(
    twilio: TwilioWhatsAppAdapter, fake_twilio: FakeTwilio
) -> None:
    await twilio.send(
        out(WA_TWILIO, "free text", within_window=False, template_variables={"1": "Sari"})
    )
    params = fake_twilio.sent[0].params
    assert params["ContentSid"] == "HX0123456789abcdef0123456789abcdef"
    assert json.loads(params["ContentVariables"]) == {"1": "Sari"}
    assert "Body" not in params


async def test_twilio_outside_window_without_template_fails_clearly(
    fake_twilio: FakeTwilio,
) -> None:
    adapter = TwilioWhatsAppAdapter(
        account_sid=TWILIO_ACCOUNT_SID,
        auth_token="x",
        whatsapp_number=TWILIO_NUMBER,
        public_url=PUBLIC_URL,
        api_url=fake_twilio.url,
    )
    with pytest.raises(SendError) as err:
        await adapter.send(out(WA_TWILIO, "free text", within_window=False))
    await adapter.close()
    assert (err.value.code, err.value.retryable) == ("window_closed", False)
    assert "SIAGA_TWILIO_TEMPLATE_SID" in err.value.reason
    assert fake_twilio.sent == []


@pytest.mark.parametrize(
    ("status", "code", "retryable", "blocked"),
    [
        (400, 63016, False, False),
        (429, 63018, True, False),
        (400, 21610, False, True),
        (500, 20500, True, False),
        (400, 21211, False, False),
    ],
)
async def test_twilio_errors(
    twilio: TwilioWhatsAppAdapter,
    fake_twilio: FakeTwilio,
    status: int,
    code: int,
    retryable: bool,
    blocked: bool,
) -> None:
    fake_twilio.fail_next("Messages.json", status, twilio_error(code, "error", status))
    with pytest.raises(SendError) as err:
        await twilio.send(out(WA_TWILIO, "halo"))
    assert (err.value.code, err.value.retryable, err.value.blocked) == (
        str(code),
        retryable,
        blocked,
    )


async def test_twilio_download_with_basic_auth_and_redirect(
    twilio: TwilioWhatsAppAdapter, fake_twilio: FakeTwilio
) -> None:
    url = fake_twilio.add_media("MM1", "ME1", b"\xff\xd8jpeg-bytes", "image/jpeg")
    data, mime = await twilio.download(MediaRef("image", url, None), 1000)
    assert (data, mime) == (b"\xff\xd8jpeg-bytes", "image/jpeg")
    with pytest.raises(MediaError):
        await twilio.download(MediaRef("image", url, None), 5)
    with pytest.raises(MediaError):  # our auth token never goes to another host
        await twilio.download(MediaRef("image", "http://127.0.0.2:1/x", None), 1000)


# --- Meta --------------------------------------------------------------------------------------


async def test_meta_text(meta: MetaWhatsAppAdapter, fake_meta: FakeMeta) -> None:
    result = await meta.send(out(WA, "Halo"))
    [sent] = fake_meta.sent
    assert sent.params == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA,
        "type": "text",
        "text": {"body": "Halo", "preview_url": False},
    }
    assert sent.headers["Authorization"].startswith("Bearer ")
    assert result.external_id
    assert result.external_id.startswith("wamid.")


async def test_meta_reply_buttons(meta: MetaWhatsAppAdapter, fake_meta: FakeMeta) -> None:
    await meta.send(out(WA, "Setuju?", buttons=YES_NO))
    body = fake_meta.sent[0].params
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Setuju?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "consent:yes", "title": "Ya"}},
                {"type": "reply", "reply": {"id": "consent:no", "title": "Tidak"}},
            ]
        },
    }


async def test_meta_list_and_numbered_fallback(
    meta: MetaWhatsAppAdapter, fake_meta: FakeMeta
) -> None:
    five = tuple(Button(f"Pilihan {i}", f"p{i}") for i in range(5))
    await meta.send(out(WA, "Pilih topik", buttons=five))
    assert fake_meta.sent[0].params["interactive"]["type"] == "list"
    rows = fake_meta.sent[0].params["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [f"p{i}" for i in range(5)]
    twelve = tuple(Button(f"Pilihan {i}", f"p{i}") for i in range(12))
    await meta.send(out(WA, "Pilih topik", buttons=twelve, outbox_id=2))
    assert fake_meta.sent[1].params["type"] == "text"
    assert fake_meta.sent[1].params["text"]["body"].endswith("12. Pilihan 11")


async def test_meta_long_text_with_buttons(meta: MetaWhatsAppAdapter, fake_meta: FakeMeta) -> None:
    await meta.send(out(WA, "kata " * 500, buttons=YES_NO))
    kinds = [c.params["type"] for c in fake_meta.sent]
    assert kinds[-1] == "interactive"
    assert set(kinds[:-1]) == {"text"}
    assert len(fake_meta.sent[-1].params["interactive"]["body"]["text"]) <= 1024


async def test_meta_bsuid_recipient(meta: MetaWhatsAppAdapter, fake_meta: FakeMeta) -> None:
    await meta.send(out("US.13491208655302741918", "Halo"))
    assert fake_meta.sent[0].params["recipient"] == "US.13491208655302741918"
    assert "to" not in fake_meta.sent[0].params


async def test_meta_template_outside_window(
    meta: MetaWhatsAppAdapter, fake_meta: FakeMeta
) -> None:
    await meta.send(
        out(
            WA,
            "x",
            within_window=False,
            language="en",
            template_variables={"2": "kasus A1", "1": "Sari"},
        )
    )
    body = fake_meta.sent[0].params
    assert body["type"] == "template"
    assert body["template"] == {
        "name": "siaga_followup",
        "language": {"code": "en"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Sari"},
                    {"type": "text", "text": "kasus A1"},
                ],
            }
        ],
    }


async def test_meta_no_template_configured(fake_meta: FakeMeta, http: object) -> None:
    adapter = MetaWhatsAppAdapter(
        token="t", app_secret="s", verify_token="v", phone_number_id="1", api_url=fake_meta.api_url
    )
    with pytest.raises(SendError) as err:
        await adapter.send(out(WA, "x", within_window=False))
    assert err.value.code == "window_closed"
    assert "SIAGA_WHATSAPP_TEMPLATE_NAME" in err.value.reason


@pytest.mark.parametrize(
    ("status", "code", "headers", "retryable", "retry_after"),
    [
        (400, 131047, {}, False, None),
        (429, 130429, {"Retry-After": "3"}, True, 3.0),
        (400, 131056, {}, True, 6.0),
        (500, 131000, {}, True, None),
        (401, 190, {}, False, None),
        (400, 131026, {}, False, None),
    ],
)
async def test_meta_errors(
    meta: MetaWhatsAppAdapter,
    fake_meta: FakeMeta,
    status: int,
    code: int,
    headers: dict[str, str],
    retryable: bool,
    retry_after: float | None,
) -> None:
    fake_meta.fail_next("messages", status, meta_error(code, "error"), headers=headers)
    with pytest.raises(SendError) as err:
        await meta.send(out(WA, "halo"))
    assert (err.value.code, err.value.retryable, err.value.retry_after) == (
        str(code),
        retryable,
        retry_after,
    )


async def test_meta_download(meta: MetaWhatsAppAdapter, fake_meta: FakeMeta) -> None:
    fake_meta.add_media("1037543291543636", b"OggS-voice", "audio/ogg")
    data, mime = await meta.download(MediaRef("voice", "1037543291543636", None), 1000)
    assert (data, mime) == (b"OggS-voice", "audio/ogg")
    with pytest.raises(MediaError) as err:
        await meta.download(MediaRef("voice", "1037543291543636", None), 3)
    assert err.value.too_large
    with pytest.raises(MediaError):
        await meta.download(MediaRef("voice", "nope", None), 1000)
