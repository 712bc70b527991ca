"""Finding 14 (issue 14): webhook bodies had no read timeout (300 slow connections were held
for 60 s) and were read whole before the signature was checked. Now a body that does not
arrive in time is cut with a 408, a body announced larger than the limit is refused before it
is read, and a request without the provider's signature is refused before its body is read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.config import Secret, Settings
from storage.models import InboxEvent
from tests.security._public_support import count
from tests.support.e2e import channel_settings
from tests.support.fake_providers import FakeMeta, FakeTelegram, FakeTwilio
from tests.support.server import RunningSiaga, start_siaga

SECRET = "tg-secret-for-the-public-tests"
CUT_WITHIN = 20.0  # the default read timeout (10 s) and a margin for a busy machine


@pytest.fixture
async def siaga(
    database_url: str,
    settings_factory: Callable[..., Settings],
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
) -> AsyncIterator[RunningSiaga]:
    settings = channel_settings(
        settings_factory,
        database_url,
        fake_telegram,
        fake_twilio,
        fake_meta,
        telegram_webhook_secret=Secret(SECRET),
    )
    server = await start_siaga(settings)
    try:
        yield server
    finally:
        await server.stop()


async def raw_request(
    siaga: RunningSiaga, head: str, body: bytes, wait: float
) -> tuple[str, float]:
    """Send ``head`` and part of a body on a raw socket; the status line and seconds taken."""
    url = urlsplit(siaga.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    start = time.monotonic()
    try:
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=wait)
        except TimeoutError:
            line = b"(no answer)"
        return line.decode(errors="replace").strip(), time.monotonic() - start
    finally:
        writer.close()


def head(path: str, length: int, *extra: str, content_type: str = "application/json") -> str:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Type: {content_type}",
        f"Content-Length: {length}",
        *extra,
    ]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/webhooks/telegram", (f"X-Telegram-Bot-Api-Secret-Token: {SECRET}",)),
        ("/api/webchat/messages", ()),
    ],
    ids=["telegram", "webchat"],
)
async def test_a_body_that_never_arrives_is_cut(
    siaga: RunningSiaga, path: str, extra: tuple[str, ...]
) -> None:
    line, took = await raw_request(siaga, head(path, 1000, *extra), b'{"update_id":', CUT_WITHIN)
    assert line.startswith("HTTP/1.1 408"), line
    assert took < CUT_WITHIN
    assert await count(siaga, InboxEvent) == 0


async def test_a_body_announced_too_large_is_refused_before_it_is_read(
    siaga: RunningSiaga,
) -> None:
    secret = f"X-Telegram-Bot-Api-Secret-Token: {SECRET}"
    announced = head("/webhooks/telegram", 50_000_000, secret)
    line, took = await raw_request(siaga, announced, b"", 5.0)
    assert line.startswith("HTTP/1.1 413"), line
    assert took < 5.0


@pytest.mark.parametrize("path", ["/webhooks/telegram", "/webhooks/whatsapp", "/webhooks/twilio"])
async def test_no_signature_is_refused_before_the_body_is_read(
    siaga: RunningSiaga, path: str
) -> None:
    # 200 kB announced, nothing sent: the answer cannot depend on the body.
    line, took = await raw_request(siaga, head(path, 200_000), b"", 5.0)
    assert line.startswith("HTTP/1.1 403"), line
    assert took < 5.0


async def test_a_wrong_telegram_secret_is_refused_before_the_body_is_read(
    siaga: RunningSiaga,
) -> None:
    wrong = head("/webhooks/telegram", 200_000, "X-Telegram-Bot-Api-Secret-Token: guess")
    line, took = await raw_request(siaga, wrong, b"", 5.0)
    assert line.startswith("HTTP/1.1 403"), line
    assert took < 5.0


async def test_an_address_refused_again_and_again_is_limited_but_providers_are_not(
    siaga: RunningSiaga,
) -> None:
    probe = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "guess"}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(local_addr=("127.0.0.10", 0))
    ) as prober:
        statuses = []
        for _ in range(60):
            async with prober.post(
                siaga.url + "/webhooks/telegram", data=b'{"update_id": 1}', headers=probe
            ) as resp:
                statuses.append(resp.status)
    assert statuses[:10] == [403] * 10
    assert 429 in statuses

    # Telegram itself, from another address, is answered however often it calls.
    genuine = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(local_addr=("127.0.0.11", 0))
    ) as telegram:
        for n in range(40):
            update = {
                "update_id": 77_000 + n,
                "message": {
                    "message_id": n + 1,
                    "date": 1_700_000_000,
                    "chat": {"id": 700_000_077, "type": "private"},
                    "from": {"id": 700_000_077, "is_bot": False, "first_name": "A"},
                    "text": "halo",
                },
            }
            async with telegram.post(
                siaga.url + "/webhooks/telegram", json=update, headers=genuine
            ) as resp:
                assert resp.status == 200
