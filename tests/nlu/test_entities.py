from __future__ import annotations

import itertools
from typing import Any

from nlu.entities import extract_entities


def ents(text: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.entity, e.value, dict(e.extra)) for e in extract_entities(text)]


def test_money_with_currency() -> None:
    found = ents("gaji NT$ 20.000 blm dibayar, agen minta 15jt, tebusan USD 3000, 1500 riyal")
    money = [(v, x["currency"], x["amount"]) for k, v, x in found if k == "money"]
    assert money == [
        ("NT$ 20.000", "TWD", 20000.0),
        ("15jt", "IDR", 15_000_000.0),
        ("USD 3000", "USD", 3000.0),
        ("1500 riyal", "SAR", 1500.0),
    ]


def test_offsets_point_into_the_original_text() -> None:
    text = "Gaji HK$4990 di Hongkong"
    for ent in extract_entities(text):
        assert text[ent.start : ent.end]
    money = next(e for e in extract_entities(text) if e.entity == "money")
    assert text[money.start : money.end] == "HK$4990"


def test_phone_numbers_are_normalised() -> None:
    found = ents("hubungi +852 6773 0466 atau 0811-8080-141")
    assert [(k, v) for k, v, _ in found] == [("phone", "+85267730466"), ("phone", "08118080141")]


def test_passport_number() -> None:
    assert ("passport", "C1234567") in [(k, v) for k, v, _ in ents("no paspor c 1234567")]


def test_countries_use_canonical_names_and_skip_ambiguous_abbreviations() -> None:
    found = [(k, v) for k, v, _ in ents("dari negeri beton pindah ke Taichung, kl bisa ke KSA")]
    assert found == [("country", "Hong Kong"), ("country", "Taiwan"), ("country", "Saudi Arabia")]


def test_organisations() -> None:
    found = [(k, v) for k, v, _ in ents("PT Sinar Jaya Abadi sejak lama, lapor ke KJRI")]
    assert ("organization", "PT Sinar Jaya Abadi") in found
    assert ("organization", "KJRI") in found
    lower = [(k, v) for k, v, _ in ents("pt maju makmur gak mau balikin uang")]
    assert lower == [("organization", "PT maju makmur")]


def test_dates() -> None:
    found = ents("berangkat 12/03/2024, pulang 5 Januari 2025, kontrak habis 3 mei")
    assert [x["iso"] for k, _, x in found if k == "date"] == [
        "2024-03-12",
        "2025-01-05",
        "--05-03",
    ]


def test_no_overlapping_entities() -> None:
    found = extract_entities("telp +62 812 9007 0027 tgl 01/02/2025 bayar Rp 5.000.000")
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    assert [e.entity for e in found] == ["phone", "date", "money"]
