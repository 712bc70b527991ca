"""Small wire helpers shared by the adapters: header lookup, a size-capped download, and the
checks every adapter applies to what a provider says (phone numbers, coordinates)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import aiohttp

from bot.channels.base import MediaError

# Shared contacts arrive as vCards (Twilio's MediaContentType); see ``vcard_summary``.
VCARD_TYPES = frozenset({"text/vcard", "text/x-vcard", "text/directory"})
_VCARD_LIMIT = 64 * 1024


def vcard_summary(data: bytes) -> str:
    """ "Name +number …" from a vCard's FN (or N) and TEL lines: what an operator needs.

    Only the first 64 KiB are read; unfolded lines (RFC 6350 §3.2) and every TEL are kept.
    Returns "" when there is neither a name nor a number.
    """
    text = data[:_VCARD_LIMIT].decode("utf-8", errors="replace")
    text = re.sub(r"\r?\n[ \t]", "", text)  # unfold continuation lines
    names: list[str] = []
    numbers: list[str] = []
    fallback = ""
    for line in text.splitlines():
        prop, _, value = line.partition(":")
        name = prop.split(";")[0].strip().upper()
        value = value.strip()
        if not value:
            continue
        if name == "FN":
            names.append(value)
        elif name == "N" and not fallback:
            fallback = " ".join(p for p in reversed(value.split(";")[:2]) if p)
        elif name == "TEL":
            numbers.append(value.removeprefix("tel:"))
    if not names and fallback:
        names.append(fallback)
    return " ".join([*names[:1], *numbers[:5]])[:500]


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def e164(value: Any) -> str | None:
    """``value`` as an E.164 phone number (``+`` and 7-15 digits), or None when it is not one.

    Providers hand us identifiers that look like numbers but are not: WhatsApp BSUIDs
    (``US.1234``), usernames, test junk. Only a real number is stored as a phone (issue 14);
    the identifier itself stays the contact's key. Spaces, dashes and brackets are dropped.
    """
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = re.sub(r"[\s().-]", "", str(value))
    if not text.startswith("+"):
        text = "+" + text
    return text if _E164.fullmatch(text) else None


def coordinates(latitude: Any, longitude: Any) -> tuple[float, float] | None:
    """Finite latitude/longitude in range, or None (``nan``, ``inf``, text, out of range)."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(latitude, bool) or isinstance(longitude, bool):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return lat, lon


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that also works on a plain dict (fixture files)."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


async def fetch_capped(
    http: aiohttp.ClientSession | None,
    url: str,
    max_bytes: int,
    mime: str | None,
    *,
    headers: Mapping[str, str] | None = None,
) -> tuple[bytes, str | None]:
    """GET ``url`` reading at most ``max_bytes`` (stops early instead of filling memory).

    Raises:
        MediaError: HTTP status ≥ 400, a network error, or a body larger than ``max_bytes``.
    """
    own = http is None
    session = http or aiohttp.ClientSession()
    try:
        async with session.get(
            url,
            headers=headers,
            allow_redirects=True,
            timeout=aiohttp.ClientTimeout(total=60),
        ) as resp:
            if resp.status >= 400:
                raise MediaError(f"media download failed with HTTP {resp.status}")
            if resp.content_length is not None and resp.content_length > max_bytes:
                raise MediaError("media larger than the media limit", too_large=True)
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise MediaError("media larger than the media limit", too_large=True)
                chunks.append(chunk)
            content_type = resp.headers.get("Content-Type")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise MediaError(f"media download failed ({type(exc).__name__})") from None
    finally:
        if own:
            await session.close()
    got_mime = content_type.split(";")[0].strip() if content_type else None
    return b"".join(chunks), mime or got_mime
