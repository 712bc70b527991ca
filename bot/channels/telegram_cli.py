"""``siaga telegram set-webhook | delete-webhook | poll``: Telegram set-up without extra tools.

``poll`` is for development without a public URL: it long-polls ``getUpdates`` and feeds every
update through the *same* path as the webhook: it POSTs the update, with the secret header, to the
local Siaga server's ``/webhooks/telegram``. Verification, deduplication, storage and the
``answerCallbackQuery`` in the response therefore behave exactly as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import BadRequest, TelegramError
from telegram.request import HTTPXRequest

from bot.channels.telegram import ALLOWED_UPDATES, SECRET_HEADER, WEBHOOK_PATH
from bot.config import ConfigError, Settings

log = logging.getLogger("bot.channels.telegram_cli")


def register(subparsers: Any) -> None:
    """Add the ``telegram`` subcommands to ``subparsers`` (from ``siaga telegram``)."""
    p = subparsers.add_parser(
        "set-webhook",
        help="register SIAGA_PUBLIC_URL/webhooks/telegram with the secret at Telegram",
    )
    p.add_argument(
        "--drop-pending",
        action="store_true",
        help="discard updates queued at Telegram (off by default: a hotline keeps them)",
    )
    p.add_argument("--max-connections", type=int, default=40, help="1-100 (Telegram: 40)")
    p.set_defaults(func=cmd_set_webhook)

    p = subparsers.add_parser("delete-webhook", help="remove the webhook (needed for polling)")
    p.set_defaults(func=cmd_delete_webhook)

    p = subparsers.add_parser(
        "poll",
        help="development: long-poll getUpdates and post each update to the local server",
    )
    p.add_argument(
        "--server",
        default=None,
        help="base URL of the running Siaga (default: http://SIAGA_HOST:SIAGA_PORT)",
    )
    p.add_argument("--once", action="store_true", help="one getUpdates round, then exit")
    p.add_argument("--timeout", type=int, default=50, help="long-poll seconds (0-50)")
    p.set_defaults(func=cmd_poll)


def _settings() -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        raise SystemExit(2) from None
    if not settings.telegram_token:
        print("SIAGA_TELEGRAM_TOKEN is not set", file=sys.stderr)  # noqa: T201
        raise SystemExit(2)
    return settings


def _bot(settings: Settings, read_timeout: float = 10.0) -> Bot:
    base = settings.telegram_api_url.rstrip("/")
    return Bot(
        settings.telegram_token.get(),
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        get_updates_request=HTTPXRequest(read_timeout=read_timeout + 20.0),
    )


def cmd_set_webhook(args: argparse.Namespace) -> int:
    """Register the webhook; prints the URL (never the secret) and Telegram's answer."""
    settings = _settings()
    if not settings.telegram_webhook_secret:
        print("SIAGA_TELEGRAM_WEBHOOK_SECRET is not set", file=sys.stderr)  # noqa: T201
        return 2
    url = settings.public_url.rstrip("/") + WEBHOOK_PATH
    return asyncio.run(
        set_webhook(
            settings, url, drop_pending=args.drop_pending, max_connections=args.max_connections
        )
    )


async def set_webhook(
    settings: Settings, url: str, *, drop_pending: bool = False, max_connections: int = 40
) -> int:
    """``setWebhook`` with the secret and an explicit ``allowed_updates`` list (§1.1)."""
    async with _bot(settings) as bot:
        try:
            await bot.set_webhook(
                url,
                secret_token=settings.telegram_webhook_secret.get(),
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=drop_pending,
                max_connections=max_connections,
            )
            info = await bot.get_webhook_info()
        except BadRequest as exc:
            # Telegram's description (e.g. "bad webhook: HTTPS url must be provided for webhook")
            # names the problem and holds no secret.
            print(f"setWebhook refused: {exc.message}", file=sys.stderr)  # noqa: T201
            return 1
        except TelegramError as exc:
            # Only the type: other PTB exception texts may contain the token.
            print(f"setWebhook failed: {type(exc).__name__}", file=sys.stderr)  # noqa: T201
            return 1
    print(f"webhook set: {url} (pending updates: {info.pending_update_count})")  # noqa: T201
    return 0


def cmd_delete_webhook(_args: argparse.Namespace) -> int:
    """Remove the webhook so ``getUpdates`` works (pending updates are kept)."""
    settings = _settings()

    async def run() -> int:
        async with _bot(settings) as bot:
            await bot.delete_webhook(drop_pending_updates=False)
        print("webhook deleted")  # noqa: T201
        return 0

    return asyncio.run(run())


def cmd_poll(args: argparse.Namespace) -> int:
    """Long-poll until interrupted (or one round with ``--once``)."""
    settings = _settings()
    server = args.server or f"http://{settings.host}:{settings.port}"
    try:
        return asyncio.run(poll(settings, server, once=args.once, long_poll=args.timeout))
    except KeyboardInterrupt:
        return 0


async def poll(settings: Settings, server: str, *, once: bool = False, long_poll: int = 50) -> int:
    """Fetch updates and POST each to ``server``/webhooks/telegram; returns 0 when done.

    An update is confirmed to Telegram (by advancing ``offset``) only after the local server
    answered 2xx or 4xx, so a server that is down loses nothing: the update is fetched again.
    """
    secret = settings.telegram_webhook_secret.get()
    headers = {"Content-Type": "application/json", SECRET_HEADER: secret}
    offset: int | None = None
    async with (
        _bot(settings, read_timeout=float(long_poll)) as bot,
        aiohttp.ClientSession() as http,
    ):
        while True:
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=long_poll, allowed_updates=list(ALLOWED_UPDATES)
                )
            except TelegramError as exc:
                log.warning("getUpdates failed (%s); retrying", type(exc).__name__)
                if once:
                    return 1
                await asyncio.sleep(2.0)
                continue
            for update in updates:
                body = json.dumps(update.to_dict(), ensure_ascii=False).encode()
                if not await _deliver(http, server + WEBHOOK_PATH, body, headers):
                    break  # retry this one in the next round
                offset = update.update_id + 1
            if once:
                return 0


async def _deliver(
    http: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
) -> bool:
    """POST one update; True when the server took a decision on it (2xx or 4xx)."""
    try:
        async with http.post(url, data=body, headers=headers) as resp:
            if resp.status >= 500:
                log.warning("local server answered %s; will retry", resp.status)
                return False
            if resp.status >= 400:
                log.warning("local server refused an update with %s", resp.status)
            return True
    except aiohttp.ClientError as exc:
        log.warning("local server unreachable (%s); will retry", type(exc).__name__)
        await asyncio.sleep(1.0)
        return False
