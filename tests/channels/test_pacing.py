"""Pure helpers: text splitting, numbered buttons, the pacer's slot arithmetic."""

from __future__ import annotations

import pytest

from bot.channels.pacing import Pacer, PartTracker, numbered, split_text, utf16_len
from flows.types import Button


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("", 10, []),
        ("pendek", 10, ["pendek"]),
        ("satu dua tiga empat", 10, ["satu dua", "tiga empat"]),
        ("aaaaaaa\n\nbbb ccc", 12, ["aaaaaaa", "bbb ccc"]),
        ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
        ("baris satu\nbaris dua", 15, ["baris satu", "baris dua"]),
    ],
)
def test_split_text(text: str, limit: int, parts: list[str]) -> None:
    assert split_text(text, limit) == parts


def test_split_counts_utf16_units() -> None:
    parts = split_text("🙏" * 6, 4, measure=utf16_len)
    assert parts == ["🙏🙏", "🙏🙏", "🙏🙏"]
    assert all(utf16_len(p) <= 4 for p in parts)


def test_numbered() -> None:
    buttons = (Button("Ya", "y"), Button("Tidak", "n"))
    assert numbered("Setuju?", buttons) == "Setuju?\n\n1. Ya\n2. Tidak"
    assert numbered("", buttons) == "1. Ya\n2. Tidak"
    assert numbered("tanpa tombol", ()) == "tanpa tombol"


def test_pacer_slots() -> None:
    clock = Clock()
    pacer = Pacer(per_second=10, chat_interval=1.0, clock=clock)
    assert pacer.reserve("a") == 0
    assert pacer.reserve("b") == pytest.approx(0.1)  # global spacing
    assert pacer.reserve("a") == pytest.approx(1.0)  # per-chat spacing
    pacer.pause(5.0, "b")
    assert pacer.reserve("b") == pytest.approx(5.0)
    pacer.pause(30.0)
    assert pacer.reserve("c") == pytest.approx(30.0)


def test_pacer_disabled() -> None:
    pacer = Pacer(per_second=0, chat_interval=0, clock=Clock())
    assert [pacer.reserve("a") for _ in range(5)] == [0, 0, 0, 0, 0]


def test_part_tracker() -> None:
    parts = PartTracker(max_entries=2)
    assert parts.resume(1) == (0, None)
    parts.progress(1, 2, "m2")
    assert parts.resume(1) == (2, "m2")
    parts.progress(2, 1, "x")
    parts.progress(3, 1, "y")  # evicts the oldest
    assert parts.resume(1) == (0, None)
    parts.finish(3)
    assert parts.resume(3) == (0, None)
