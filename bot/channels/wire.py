"""Small wire helpers shared by the adapters: header lookup and a size-capped download."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from bot.channels.base import MediaError


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
