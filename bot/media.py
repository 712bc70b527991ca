"""Keeping the attachments users send, so operators can see and hear them later.

Provider links expire (Meta after 5 minutes, Telegram after an hour, ``docs/wire-protocols.md``
§5.4), so the dispatcher downloads media before the flows run and stores it here. Files are
content-addressed (sha256 + an extension from the MIME type): the same photo sent twice is stored
once, and a key can never name a path outside the directory.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import replace
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

    def delete(self, key: str) -> bool:
        """Remove the file behind ``key`` (erasure, docs/privacy.md); False if there was none."""
        try:
            self.open_path(key).unlink()
        except (ValueError, FileNotFoundError):
            return False
        return True


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
