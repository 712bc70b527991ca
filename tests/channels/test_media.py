"""MediaStore and fetch_and_store: real files in a temporary directory, real fake providers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from bot.channels.base import (
    AckResponse,
    ChannelAdapter,
    InvalidSignature,
    MediaError,
    OutboundMessage,
    ProviderEvent,
    RawRequest,
    Route,
    SendResult,
)
from bot.channels.meta_whatsapp import MetaWhatsAppAdapter
from bot.channels.telegram import TelegramAdapter
from bot.media import MediaStore, extension_for, fetch_and_store
from flows.types import MediaRef
from tests.support.fake_providers import FakeMeta, FakeTelegram


async def test_save_is_content_addressed(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media", max_bytes=100)
    key = await store.save(b"OggS voice", "audio/ogg; codecs=opus")
    assert key.endswith(".ogg")
    assert len(key) == 64 + 4
    assert store.open_path(key).read_bytes() == b"OggS voice"
    assert await store.save(b"OggS voice", "audio/ogg") == key
    assert [p.name for p in (tmp_path / "media").iterdir()] == [key]  # no temp files left


async def test_too_large_is_refused(tmp_path: Path) -> None:
    store = MediaStore(tmp_path, max_bytes=4)
    with pytest.raises(MediaError):
        await store.save(b"12345", None)


@pytest.mark.parametrize(
    "key",
    ["../../etc/passwd", "/etc/passwd", "a" * 64 + "/../x", "A" * 64, "", "a" * 64 + ".tar.gz/.."],
)
def test_open_path_rejects_anything_that_is_not_a_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        MediaStore(tmp_path, 10).open_path(key)


def test_open_path_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        MediaStore(tmp_path, 10).open_path("a" * 64 + ".jpg")


@pytest.mark.parametrize(
    ("mime", "ext"),
    [("image/jpeg", ".jpg"), ("application/pdf", ".pdf"), (None, ""), ("x/../../evil", "")],
)
def test_extension(mime: str | None, ext: str) -> None:
    assert extension_for(mime) == ext


async def test_fetch_and_store_never_raises(
    tmp_path: Path, telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.add_file("PHOTO", b"\xff\xd8 photo", "photos/file_9.jpg")
    fake_telegram.add_file("HUGE", b"x" * 500, "documents/big.pdf")
    store = MediaStore(tmp_path, max_bytes=100)
    refs = (
        MediaRef("image", "PHOTO", "image/jpeg", "kontrak"),
        MediaRef("document", "HUGE", "application/pdf"),
        MediaRef("voice", "GONE", "audio/ogg"),
    )
    stored = await fetch_and_store(telegram, store, refs)
    assert stored[0].url.endswith(".jpg")
    assert stored[0].caption == "kontrak"
    assert store.open_path(stored[0].url).read_bytes() == b"\xff\xd8 photo"
    assert stored[1] == MediaRef("document", "", None)
    assert stored[2] == MediaRef("voice", "", None)


async def test_fetch_and_store_fills_in_the_provider_mime(
    tmp_path: Path, meta: MetaWhatsAppAdapter, fake_meta: FakeMeta
) -> None:
    fake_meta.add_media("555", b"%PDF-1.7", "application/pdf")
    [ref] = await fetch_and_store(
        meta, MediaStore(tmp_path, 1000), (MediaRef("document", "555", None),)
    )
    assert ref.mime_type == "application/pdf"
    assert ref.url.endswith(".pdf")


class _BrokenDownload(ChannelAdapter):
    """An adapter whose download has a bug (not a MediaError): the message must survive."""

    name: ClassVar[str] = "broken"
    routes: ClassVar[tuple[Route, ...]] = ()

    def verify(self, req: RawRequest) -> None:
        raise InvalidSignature("never called")

    def parse(self, req: RawRequest) -> Sequence[ProviderEvent]:
        return []

    def ack(self, events: Sequence[ProviderEvent]) -> AckResponse:
        return AckResponse()

    async def send(self, msg: OutboundMessage) -> SendResult:
        return SendResult(None)

    async def download(self, ref: MediaRef, max_bytes: int) -> tuple[bytes, str | None]:
        raise KeyError("a provider field we did not expect")


async def test_a_broken_download_keeps_the_message(tmp_path: Path) -> None:
    refs = (MediaRef("image", "x", "image/png"),)
    assert await fetch_and_store(_BrokenDownload(), MediaStore(tmp_path, 10), refs) == (
        MediaRef("image", "", None),
    )
