"""Twilio verify/parse/ack over every fixture (pure: no server, no network)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bot.channels.base import (
    AnomalousPayload,
    Ignored,
    InvalidSignature,
    MessageIn,
    ProviderEvent,
    StatusUpdate,
)
from bot.channels.twilio_whatsapp import EMPTY_TWIML, TwilioWhatsAppAdapter
from flows.types import Location, MediaRef
from tests.channels.harness import (
    PUBLIC_URL,
    fixture_names,
    raw_request,
    verify_and_parse,
    without_raw,
)
from tests.channels.test_wild_payloads import wild_names
from tests.support.fake_providers import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER

FROM = "whatsapp:+6281200000001"
MEDIA = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages"


@dataclass(frozen=True)
class Case:
    fixture: str
    expect: list[ProviderEvent] | type[Exception]


def msg(sid: str, text: str = "", **kw: Any) -> MessageIn:
    return MessageIn(
        dedup_key=sid,
        conversation_key=FROM,
        external_id=sid,
        text=text,
        display_name="Sari",
        phone="+6281200000001",
        **kw,
    )


S = "SM1a2b3c4d5e6f708192a3b4c5d6e7f8"
M = "MM1a2b3c4d5e6f708192a3b4c5d6e7f8"
OUT = "SMf0e1d2c3b4a5968778695a4b3c2d1e"
CASES = [
    Case("message__text", [msg(S + "01", "gaji saya belum dibayar 3 bulan")]),
    Case("message__duplicate", [msg(S + "02", "majikan menahan paspor saya")]),
    Case(
        "message__voice",
        [
            msg(
                M + "03",
                media=(
                    MediaRef(
                        "voice",
                        f"{MEDIA}/{M}03/Media/ME1a2b3c4d5e6f708192a3b4c5d6e7f803",
                        "audio/ogg",
                    ),
                ),
            )
        ],
    ),
    Case(
        "message__image",
        [
            msg(
                M + "04",
                "ini kontrak saya",
                media=(
                    MediaRef(
                        "image",
                        f"{MEDIA}/{M}04/Media/ME1a2b3c4d5e6f708192a3b4c5d6e7f804",
                        "image/jpeg",
                        "ini kontrak saya",
                    ),
                ),
            )
        ],
    ),
    Case("message__location", [msg(S + "05", location=Location(3.139003, 101.686855))]),
    Case(
        "message__location_named",
        [msg(S + "06", location=Location(1.3521, 103.8198, "Asrama Pekerja"))],
    ),
    Case("message__button", [msg(S + "07", "Ya, setuju", payload="consent:yes")]),
    Case(
        "message__unsupported",
        [msg(S + "08", "[unsupported: reaction without content]", kind="unsupported")],
    ),
    Case("message__bad_signature", InvalidSignature),
    Case("message__malformed_no_sid", AnomalousPayload),
    Case("status__sent", [StatusUpdate(OUT + "00:sent", OUT + "00", "sent")]),
    Case("status__delivered", [StatusUpdate(OUT + "00:delivered", OUT + "00", "delivered")]),
    Case("status__read", [StatusUpdate(OUT + "00:read", OUT + "00", "read")]),
    Case(
        "status__failed_63016",
        [
            StatusUpdate(
                OUT + "01:failed",
                OUT + "01",
                "failed",
                "63016",
                "Failed to send freeform message because you are outside the allowed window. "
                "If you are using WhatsApp, please use a Message Template.",
            )
        ],
    ),
    Case("status__undelivered", [StatusUpdate(OUT + "02:failed", OUT + "02", "failed", "63024")]),
    Case("status__queued_ignored", [Ignored("twilio status queued")]),
    Case("status__malformed", AnomalousPayload),
]


@pytest.fixture
def adapter() -> TwilioWhatsAppAdapter:
    return TwilioWhatsAppAdapter(
        account_sid=TWILIO_ACCOUNT_SID,
        auth_token=TWILIO_AUTH_TOKEN,
        whatsapp_number=TWILIO_NUMBER,
        public_url=PUBLIC_URL,
    )


def test_every_fixture_has_a_case() -> None:
    covered = [c.fixture for c in CASES] + wild_names("twilio")
    assert sorted(covered) == fixture_names("twilio")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_inbound(adapter: TwilioWhatsAppAdapter, case: Case) -> None:
    req = raw_request("twilio", case.fixture)
    if isinstance(case.expect, type):
        with pytest.raises(case.expect):
            verify_and_parse(adapter, req)
        return
    adapter.verify(req)
    events = adapter.parse(req)
    assert [without_raw(e) for e in events] == case.expect
    ack = adapter.ack(events)
    assert (ack.status, ack.body, ack.content_type) == (200, EMPTY_TWIML, "text/xml")


def test_signature_covers_the_public_url_not_the_internal_one(
    adapter: TwilioWhatsAppAdapter,
) -> None:
    """Behind a proxy the route rebuilds the URL from SIAGA_PUBLIC_URL (wire protocols §3.3)."""
    signed_for_internal = raw_request("twilio", "message__text", public_url="http://10.0.0.5:8080")
    as_rebuilt = signed_for_internal.__class__(
        "POST",
        PUBLIC_URL + "/webhooks/twilio",
        "/webhooks/twilio",
        signed_for_internal.headers,
        signed_for_internal.body,
    )
    with pytest.raises(InvalidSignature):
        adapter.verify(as_rebuilt)


def test_signature_covers_every_field(adapter: TwilioWhatsAppAdapter) -> None:
    """Twilio adds fields without notice: a whitelist would accept a tampered extra field."""
    req = raw_request("twilio", "message__text")
    tampered = req.__class__(req.method, req.url, req.path, req.headers, req.body + b"&Injected=1")
    with pytest.raises(InvalidSignature):
        adapter.verify(tampered)


def test_library_test_vector() -> None:
    """The twilio-python vector from docs/wire-protocols.md §3.3."""
    from twilio.request_validator import RequestValidator

    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert (
        RequestValidator("12345").compute_signature(url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
