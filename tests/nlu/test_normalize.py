from __future__ import annotations

import pytest

from nlu.normalize import clean, normalize, normalize_tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("gaji blm dibyr", "gaji belum dibayar"),
        ("gk mau", "tidak mau"),
        ("majikan nggak bayar", "majikan tidak bayar"),
        ("sy udh 3 bln", "saya sudah 3 bulan"),
        ("i dont have my passport", "i do not have my paspor"),
    ],
)
def test_slang_is_canonicalised(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("word", ["belum", "tidak", "not", "bukan", "sudah", "jangan"])
def test_negations_and_aspect_words_are_kept(word: str) -> None:
    assert word in normalize_tokens(f"gaji saya {word} dibayar")


def test_no_stop_word_removal() -> None:
    assert normalize_tokens("saya di sini dan dia ke sana") == [
        "saya", "di", "sini", "dan", "dia", "ke", "sana",
    ]  # fmt: skip


def test_stretched_letters_and_reduplication() -> None:
    assert normalize("tolonggg") == "tolong"
    assert normalize("biru2 semua") == "biru biru semua"
    assert normalize("pulang-pulang") == "pulang pulang"
    assert normalize("lantai 3 umur 22") == "lantai 3 umur 22"  # digits are not reduplication


def test_clean_is_case_and_width_insensitive() -> None:
    assert clean("ＧＡＪＩ Belum") == "gaji belum"


def test_emoji_and_punctuation_give_no_tokens() -> None:
    assert normalize_tokens("😭😭 !!! ...") == []
