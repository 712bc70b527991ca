"""WhatsApp Cloud API verify/parse/ack/handshake over every fixture (pure)."""

from __future__ import annotations

import hashlib
import hmac
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
    StatusUpdate,
)
from bot.channels.meta_whatsapp import MetaWhatsAppAdapter
from flows.types import Location, MediaRef
from tests.channels.harness import fixture_names, raw_request, verify_and_parse, without_raw
from tests.channels.test_wild_payloads import wild_names
from tests.support.fake_providers import (
    META_APP_SECRET,
    META_PHONE_NUMBER_ID,
    META_TOKEN,
    META_VERIFY_TOKEN,
)

WA = "6281200000001"
BSUID = "US.13491208655302741918"
W = "wamid.HBgNNjI4MTIwMDAwMDAwMRUCABIYFDNB"
OUT = "wamid.HBgNNjI4MTIwMDAwMDAwMRUCABEYEjAxQUJDREVGMDEyMzQ1Njc4OQA="


@dataclass(frozen=True)
class Case:
    fixture: str
    expect: list[ProviderEvent] | type[Exception]


def msg(n: str, text: str = "", **kw: Any) -> MessageIn:
    wamid = f"{W}{n}QUFBQUFBQUFBQUFBQUE="
    values: dict[str, Any] = {
        "conversation_key": WA,
        "alt_user_id": BSUID,
        "display_name": "Sari",
        "phone": "+" + WA,
    }
    values.update(kw)
    return MessageIn(dedup_key=wamid, external_id=wamid, text=text, **values)


CASES = [
    Case("message__text", [msg("MDFB", "gaji saya belum dibayar 3 bulan")]),
    Case("message__duplicate", [msg("MDJB", "majikan menahan paspor saya")]),
    Case(
        "message__voice",
        [msg("MDNB", media=(MediaRef("voice", "1037543291543636", "audio/ogg; codecs=opus"),))],
    ),
    Case(
        "message__image",
        [
            msg(
                "MDRB",
                "ini kontrak saya",
                media=(MediaRef("image", "1268378284101662", "image/jpeg", "ini kontrak saya"),),
            )
        ],
    ),
    Case(
        "message__document",
        [msg("MDVB", media=(MediaRef("document", "2108374659382746", "application/pdf"),))],
    ),
    Case(
        "message__location",
        [msg("MDZB", location=Location(3.139003, 101.686855, "Asrama Pekerja"))],
    ),
    Case("interactive__button_reply", [msg("MDdB", "Ya, setuju", payload="consent:yes")]),
    Case("interactive__list_reply", [msg("MDhB", "Gaji tidak dibayar", payload="topic:wages")]),
    Case("button__template_quick_reply", [msg("MDlB", "Lanjutkan", payload="resume:yes")]),
    Case(
        "message__bsuid_only",
        [msg("MTBB", "tolong saya", conversation_key=BSUID, alt_user_id=None, phone=None)],
    ),
    Case(
        "message__reaction_unknown",
        [msg("MTFB", "[unsupported: reaction 🙏]", kind="unsupported")],
    ),
    Case("message__unsupported", [msg("MTJB", "[unsupported: unsupported]", kind="unsupported")]),
    Case("message__other_number", [Ignored("whatsapp notification for another phone number")]),
    Case("message__bad_signature", InvalidSignature),
    Case("malformed__entry_not_list", AnomalousPayload),
    Case("malformed__message_without_id", AnomalousPayload),
    Case("status__sent", [StatusUpdate(OUT + ":sent", OUT, "sent")]),
    Case("status__delivered", [StatusUpdate(OUT + ":delivered", OUT, "delivered")]),
    Case("status__read", [StatusUpdate(OUT + ":read", OUT, "read")]),
    Case(
        "status__failed_131047",
        [
            StatusUpdate(
                "wamid.HBgNNjI4MTIwMDAwMDAwMRUCABEYEjAyQUJDREVGMDEyMzQ1Njc4OQA=:failed",
                "wamid.HBgNNjI4MTIwMDAwMDAwMRUCABEYEjAyQUJDREVGMDEyMzQ1Njc4OQA=",
                "failed",
                "131047",
                "Re-engagement message",
            )
        ],
    ),
    Case("account_update__unknown", [Ignored("whatsapp field account_update")]),
    Case(
        "batch__status_and_message",
        [StatusUpdate(OUT + ":delivered", OUT, "delivered"), msg("MTVB", "terima kasih")],
    ),
]


@pytest.fixture
def adapter() -> MetaWhatsAppAdapter:
    return MetaWhatsAppAdapter(
        token=META_TOKEN,
        app_secret=META_APP_SECRET,
        verify_token=META_VERIFY_TOKEN,
        phone_number_id=META_PHONE_NUMBER_ID,
    )


def test_every_fixture_has_a_case() -> None:
    covered = [c.fixture for c in CASES] + wild_names("whatsapp")
    assert sorted(covered) == fixture_names("whatsapp")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_inbound(adapter: MetaWhatsAppAdapter, case: Case) -> None:
    req = raw_request("whatsapp", case.fixture)
    if isinstance(case.expect, type):
        with pytest.raises(case.expect):
            verify_and_parse(adapter, req)
        return
    adapter.verify(req)
    events = adapter.parse(req)
    assert [without_raw(e) for e in events] == case.expect
    assert adapter.ack(events).status == 200


def test_signature_is_over_the_raw_bytes(adapter: MetaWhatsAppAdapter) -> None:
    """Re-serialised JSON (e.g. escaped unicode) must not verify (docs/wire-protocols.md §4.2)."""
    body = '{"object":"whatsapp_business_account","entry":[],"x":"é"}'.encode()
    sig = "sha256=" + hmac.new(META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    adapter.verify(
        RawRequest("POST", "u", "/webhooks/whatsapp", {"x-hub-signature-256": sig}, body)
    )
    reencoded = body.replace("é".encode(), b"\\u00e9")
    with pytest.raises(InvalidSignature):
        adapter.verify(
            RawRequest("POST", "u", "/webhooks/whatsapp", {"X-Hub-Signature-256": sig}, reencoded)
        )


def test_hmac_test_vector() -> None:
    digest = hmac.new(b"secret", b"test", hashlib.sha256).hexdigest()
    assert digest == "0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        (
            {
                "hub.mode": "subscribe",
                "hub.verify_token": META_VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            },
            200,
            b"1158201444",
        ),
        ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"}, 403, None),
        (
            {
                "hub.mode": "unsubscribe",
                "hub.verify_token": META_VERIFY_TOKEN,
                "hub.challenge": "1",
            },
            403,
            None,
        ),
        ({}, 403, None),
    ],
)
def test_handshake(
    adapter: MetaWhatsAppAdapter, query: dict[str, str], status: int, body: bytes | None
) -> None:
    ack = adapter.answer(RawRequest("GET", "u", "/webhooks/whatsapp", {}, b"", query=query))
    assert ack.status == status
    if body is not None:
        assert ack.body == body
