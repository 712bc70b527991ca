"""The checks every adapter applies to what a provider says (``bot/channels/wire.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.wire import coordinates, e164, vcard_summary


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6281200000001", "+6281200000001"),
        ("+62 812-0000-0001", "+6281200000001"),
        (6281200000001, "+6281200000001"),
        ("US.1234", None),  # a WhatsApp BSUID
        ("US.13491208655302741918", None),
        ("bla", None),
        ("5678", None),  # too short
        ("0788531373", None),  # a local number: no country code
        ("+1234567890123456", None),  # 16 digits
        ("<WHATSAPP_USER_PHONE_NUMBER>", None),
        ("", None),
        (None, None),
        (True, None),
        (["6281200000001"], None),
    ],
)
def test_e164(value: Any, expected: str | None) -> None:
    assert e164(value) == expected


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        ("3.139003", "101.686855", (3.139003, 101.686855)),
        (-2.898944, -79.006835, (-2.898944, -79.006835)),
        ("nan", "101.6", None),
        ("inf", "1", None),
        ("91", "0", None),
        ("0", "-181", None),
        ("x", "1", None),
        (None, 1, None),
        (True, 1, None),
        ("1" * 5000, "1", None),
    ],
)
def test_coordinates(lat: Any, lon: Any, expected: tuple[float, float] | None) -> None:
    assert coordinates(lat, lon) == expected


def test_vcard_summary_reads_the_name_and_every_number() -> None:
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Budi;Agen;;;\r\nFN:Agen\r\n Budi\r\n"
        b"TEL;type=CELL;waid=60120000002:+60 12-000 0002\r\nTEL:+62812000000\r\nEND:VCARD\r\n"
    )
    assert vcard_summary(card) == "AgenBudi +60 12-000 0002 +62812000000"


def test_vcard_summary_falls_back_to_n_and_is_empty_without_either() -> None:
    assert vcard_summary(b"BEGIN:VCARD\nN:Budi;Agen;;;\nEND:VCARD\n") == "Agen Budi"
    assert vcard_summary(b"not a vcard \xff") == ""
