"""Keeping the attachments users send, so operators can see and hear them later.

Provider links expire (Meta after 5 minutes, Telegram after an hour, ``docs/wire-protocols.md``
§5.4), so the dispatcher downloads media before the flows run and stores it here. Files are
content-addressed (sha256 + an extension from the MIME type): the same photo sent twice is stored
once, and a key can never name a path outside the directory.

The extension says what the *sender* claimed, so it is never trusted when a file is shown to an
operator (:meth:`MediaStore.serving`, docs/console.md "Attachments"): a file is shown inline only
when its extension names a safe type (pictures, PDF, audio, video) *and* its first bytes are that
type's; anything else (HTML, SVG, a web page calling itself a photo) is a download.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.channels.base import ChannelAdapter, MediaError
from bot.channels.wire import vcard_summary
from flows.types import MediaRef

log = logging.getLogger("bot.media")

_KEY = re.compile(r"^[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
# Extensions mimetypes guesses badly or not at all for what messengers send.
_EXTENSIONS = {
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/mpeg": ".mp3",
    "audio/amr": ".amr",
    "audio/aac": ".aac",
    "audio/mp4": ".m4a",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "video/webm": ".webm",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}


def _starts(*magics: bytes) -> Callable[[bytes], bool]:
    return lambda head: any(head.startswith(m) for m in magics)


def _iso_media(head: bytes) -> bool:
    """MP4, M4A, 3GP: an ISO base media file starts with a box named ``ftyp``."""
    return head[4:8] == b"ftyp"


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    )


def _aac(head: bytes) -> bool:
    return len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0  # ADTS sync word


# Shown inline in the console: extension -> (Content-Type, does the file start like one?).
# Only types a browser renders without running anything the sender wrote. SVG, HTML, XML and
# plain text are not here on purpose: they are downloads.
_INLINE: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    ".jpg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    ".png": ("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    ".gif": ("image/gif", _starts(b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", _webp),
    ".pdf": ("application/pdf", _starts(b"%PDF-")),
    ".ogg": ("audio/ogg", _starts(b"OggS")),
    ".oga": ("audio/ogg", _starts(b"OggS")),
    ".opus": ("audio/ogg", _starts(b"OggS")),
    ".mp3": ("audio/mpeg", _mp3),
    ".aac": ("audio/aac", _aac),
    ".amr": ("audio/amr", _starts(b"#!AMR")),
    ".m4a": ("audio/mp4", _iso_media),
    ".mp4": ("video/mp4", _iso_media),
    ".3gp": ("video/3gpp", _iso_media),
    ".webm": ("video/webm", _starts(b"\x1a\x45\xdf\xa3")),
}
DOWNLOAD_TYPE = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Served:
    """How to hand a stored file to an operator's browser."""

    path: Path
    content_type: str
    inline: bool  # False: Content-Disposition attachment (a download, never rendered)


def extension_for(mime: str | None) -> str:
    """A safe file extension for ``mime`` ("" when unknown): lower-case letters and digits only."""
    if not mime:
        return ""
    base = mime.split(";")[0].strip().lower()
    ext = _EXTENSIONS.get(base) or mimetypes.guess_extension(base) or ""
    return ext if re.fullmatch(r"\.[a-z0-9]{1,8}", ext) else ""


class MediaStore:
    """A local directory of attachments, with a size cap per file.

    Args:
        directory: where files go (created on first save).
        max_bytes: the largest file accepted; also what adapters are asked to download at most.
    """

    def __init__(self, directory: Path, max_bytes: int) -> None:
        """Remember the directory and the cap; no I/O."""
        self.directory = Path(directory)
        self.max_bytes = max_bytes

    async def save(self, data: bytes, mime: str | None) -> str:
        """Store ``data`` and return its key (``<sha256><ext>``).

        The write goes to a temporary file that is renamed into place, so a reader never sees a
        half-written file and two concurrent saves of the same bytes are harmless.

        Raises:
            MediaError: the data is larger than ``max_bytes``.
        """
        if len(data) > self.max_bytes:
            raise MediaError("attachment larger than SIAGA_MEDIA_MAX_BYTES", too_large=True)
        key = hashlib.sha256(data).hexdigest() + extension_for(mime)
        await asyncio.to_thread(self._write, key, data)
        return key

    def _write(self, key: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / key
        if target.exists():
            return
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open_path(self, key: str) -> Path:
        """The file behind ``key``.

        Raises:
            ValueError: ``key`` is not a key this store issues (e.g. ``../../etc/passwd``).
            FileNotFoundError: no such file.
        """
        if not _KEY.fullmatch(key):
            raise ValueError("not a media key")
        path = self.directory / key
        if not path.is_file():
            raise FileNotFoundError(key)
        return path

    async def serving(self, key: str) -> Served:
        """The file behind ``key`` and how it may be shown: inline only when safe.

        Inline means: the extension names a type of :data:`_INLINE` and the file's first bytes
        are that type's (a sender chooses the MIME type, hence the extension, but a browser
        that renders the bytes does not care what they claimed). Everything else is served as
        ``application/octet-stream``, for download.

        Raises:
            ValueError: ``key`` is not a key this store issues.
            FileNotFoundError: no such file.
        """
        path = self.open_path(key)
        known = _INLINE.get(path.suffix.lower())
        if known is None:
            return Served(path, DOWNLOAD_TYPE, inline=False)
        content_type, looks_right = known
        head = await asyncio.to_thread(_head, path)
        if not looks_right(head):
            return Served(path, DOWNLOAD_TYPE, inline=False)
        return Served(path, content_type, inline=True)

    def delete(self, key: str) -> bool:
        """Remove the file behind ``key`` (erasure, docs/privacy.md); False if there was none."""
        try:
            self.open_path(key).unlink()
        except (ValueError, FileNotFoundError):
            return False
        return True


def _head(path: Path, size: int = 16) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


async def fetch_and_store(
    adapter: ChannelAdapter, store: MediaStore, refs: Sequence[MediaRef]
) -> tuple[MediaRef, ...]:
    """Download each ref through ``adapter`` and store it; never raises.

    Returns the refs with ``url`` replaced by the storage key (and the MIME type the provider
    reported when the message did not say). A ref that could not be fetched or stored keeps its
    kind and caption with ``url=""`` and ``mime_type=None``, so a media-only message still reaches
    the flows and the operator sees that an attachment was lost.
    """
    out: list[MediaRef] = []
    for ref in refs:
        try:
            data, mime = await adapter.download(ref, store.max_bytes)
            key = await store.save(data, mime or ref.mime_type)
        except MediaError as exc:
            log.warning("media %s not stored: %s", ref.kind, exc.reason)
            out.append(replace(ref, url="", mime_type=None))
            continue
        except Exception as exc:  # a provider bug must not drop the user's message
            # Only the type: exception texts can carry file URLs with the bot token in them.
            log.warning("media %s not stored: unexpected %s", ref.kind, type(exc).__name__)
            out.append(replace(ref, url="", mime_type=None))
            continue
        stored = replace(ref, url=key, mime_type=mime or ref.mime_type)
        if ref.kind == "contact" and not ref.caption:
            # A shared contact (vCard): its name and number become the caption, which is the
            # message's text when it has no other (docs/channels.md, "What is stored").
            stored = replace(stored, caption=vcard_summary(data) or None)
        out.append(stored)
    return tuple(out)
