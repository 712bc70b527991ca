from __future__ import annotations

import pytest

from nlu.langid import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "gaji sy blm dibayar udah 3 bulan",
        "majikan gak mau balikin paspor, gimana dong",
        "tak tau lagi harus gimana, majikan gk kasih libur",  # "tak" alone must not mean Malay
        "saya mau tanya, boleh gak kerja ke taiwan kalau udah nikah?",
        "kerja di kebun sawit, gaji tidak dibayar",
        "assalamualaikum",
    ],
)
def test_informal_indonesian_is_not_malay(text: str) -> None:
    assert detect_language(text) == "id"


@pytest.mark.parametrize(
    "text",
    [
        "saya nak balik kampung, majikan tak bagi pasport",
        "boleh saya bercakap dengan pegawai?",
        "suami saya ditahan polis sebab tiada dokumen",
    ],
)
def test_malay(text: str) -> None:
    assert detect_language(text) == "ms"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("aku arep mulih, gajiku durung dibayar", "jv"),
        ("abdi hoyong uih ka lembur, teu kiat", "su"),
        ("my employer not pay my salary", "en"),
        ("我被老闆打", "zh"),
        ("ساعدوني من فضلك", "ar"),
        ("asdfgh jkkk", "und"),
        ("", "und"),
        ("😭😭", "und"),
    ],
)
def test_other_languages(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_hint_only_used_when_text_is_inconclusive() -> None:
    assert detect_language("👍", hint="jv") == "jv"
    assert detect_language("gaji sy blm dibayar", hint="en") == "id"
