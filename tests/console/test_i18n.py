"""The console's catalogues (bot/console/i18n.py): every key in both languages, with the same
placeholders, and every key the code and the scripts ask for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.console.i18n import CATALOGUE, LANGUAGES, text

CONSOLE = Path(__file__).resolve().parents[2] / "bot" / "console"


def _placeholders(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


def test_every_key_is_in_every_language() -> None:
    keys = {lang: set(CATALOGUE[lang]) for lang in LANGUAGES}
    for lang in LANGUAGES:
        for other in LANGUAGES:
            missing = keys[other] - keys[lang]
            assert not missing, f"missing in {lang}: {sorted(missing)}"


def test_placeholders_match_and_no_text_is_empty() -> None:
    for key, value in CATALOGUE["id"].items():
        assert value.strip(), key
        assert CATALOGUE["en"][key].strip(), key
        assert _placeholders(value) == _placeholders(CATALOGUE["en"][key]), key


def test_indonesian_is_the_default() -> None:
    assert text("ref.title") == "Rujukan ke mitra"
    assert text("ref.title", "en") == "Referrals to partners"
    assert text("ref.title", "fr") == "Rujukan ke mitra"
    with pytest.raises(KeyError):
        text("no.such.key")


def test_every_key_the_code_and_scripts_use_exists() -> None:
    used: set[str] = set()
    for path in CONSOLE.glob("*.py"):
        used |= set(re.findall(r"\btext\(\s*f?\"([a-z0-9_.]+)\"", path.read_text("utf-8")))
    for path in (CONSOLE / "static").glob("*.js"):
        used |= set(re.findall(r"\bt\(\s*\"([a-z0-9_.]+)\"", path.read_text("utf-8")))
    assert used, "the scan found no key: the patterns are wrong"
    missing = sorted(k for k in used if k not in CATALOGUE["id"])
    assert not missing
