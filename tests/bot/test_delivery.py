"""Delivery that settles (issue 10): every send recorded once, claims bounded, no message lost
to one bad character, no early "done" for the web chat, no personal data in error logs.

Everything is real: the app, the databases (SQLite and PostgreSQL), the sender and the
dispatcher; the providers are the local fakes, made slow where the bug needs time to show.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from urllib.parse import urlencode

import aiohttp
import asyncpg
import pytest
from sqlalchemy import select, text

from bot.channels.base import MessageIn
from bot.channels.meta_whatsapp import signature_for as meta_signature
from bot.channels.registry import PULLED
from bot.channels.twilio_whatsapp import signature_for as twilio_signature
from bot.config import Secret, Settings
from bot.keys import SESSIONS, SIGNALS
from bot.logs import configure_logging
from storage import conversations, inbox, outbox
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import InboxEvent, Message, OutboxMessage
from tests.bot.test_safety_fallback import real_dispatcher
from tests.support.databases import PG_ADMIN_DSN
from tests.support.e2e import PUBLIC_URL, count, settled, stop_or_explain
from tests.support.fake_providers import (
    META_APP_SECRET,
    META_PHONE_NUMBER_ID,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_AUTH_TOKEN,
    FakeMeta,
    FakeTelegram,
    FakeTwilio,
)
from tests.support.inbox import store_message
from tests.support.server import RunningSiaga, start_siaga
from tests.support.tcp_proxy import Proxy

CRITICAL = "tolong saya dipukul majikan sekarang, saya dikunci di kamar"


def telegram_update(update_id: int, chat: int, text_value: str) -> tuple[bytes, dict[str, str]]:
    """A signed private-chat text update; ``ensure_ascii`` keeps even a lone surrogate on the
    wire as Telegram sends it (``\\ud800``)."""
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_764_547_200,
            "chat": {"id": chat, "type": "private", "first_name": "Ani"},
            "from": {"id": chat, "is_bot": False, "first_name": "Ani"},
            "text": text_value,
        },
    }
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    return json.dumps(update).encode(), headers


# --- bug 1: a send in flight while results are recorded is recorded too ------------------------


async def test_concurrent_sends_are_each_recorded_once_and_settle(
    siaga: RunningSiaga, fake_telegram: FakeTelegram
) -> None:
    """Ten chats send a critical message at once; every reply (two per turn) goes out once.

    The fake answers each send after 10–250 ms, so sends finish while earlier results are being
    recorded: a result appended to a list the recorder had swapped out was recorded nowhere, and
    the row sat in ``sending`` until its lease ran out and was sent a second time.
    """
    rng = random.Random(7)
    fake_telegram.latency = lambda path: rng.uniform(0.01, 0.25) if "sendMessage" in path else 0
    chats = [800_000_100 + i for i in range(10)]
    async with aiohttp.ClientSession() as http:

        async def send(i: int, chat: int) -> int:
            body, headers = telegram_update(10_000 + i, chat, CRITICAL)
            async with http.post(
                f"{siaga.url}/webhooks/telegram", data=body, headers=headers
            ) as resp:
                return resp.status

        statuses = await asyncio.gather(*(send(i, c) for i, c in enumerate(chats)))
    assert set(statuses) == {200}
    await settled(siaga)  # every row final within the wait (a lost result waits for its lease)
    async with siaga.app[SESSIONS]() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.recipient, OutboxMessage.text).where(
                    OutboxMessage.channel == "telegram", OutboxMessage.origin == "bot"
                )
            )
        ).all()
    assert len(rows) >= 2 * len(chats), "the critical path answers with two messages"
    await asyncio.sleep(0.5)  # a second copy of any send would arrive now
    received = Counter((str(c.params["chat_id"]), c.params["text"]) for c in fake_telegram.sent)
    expected = Counter((r.recipient, r.text) for r in rows)
    assert received == expected, "each reply reached its chat exactly once"


# --- bug 2: a claim takes no more rows than its limit ------------------------------------------


async def test_claim_takes_no_more_than_its_limit_on_a_fresh_table(database_url: str) -> None:
    """300 conversations with a due reply each, no statistics yet (a fresh or busy table).

    On PostgreSQL the planner ran ``WHERE id IN (… LIMIT 1 FOR UPDATE SKIP LOCKED)`` as a
    nested loop that re-ran the subquery per row: ``limit=1`` claimed all 300.
    """
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            found = await conversations.contacts_for(
                session, "telegram", [str(900_000 + i) for i in range(300)]
            )
            by_contact = await conversations.lock_conversations(
                session, [c.id for c in found.values()]
            )
            rows = [
                outbox.outbox_row(
                    channel="telegram",
                    recipient=str(i),
                    text="balasan",
                    buttons=[],
                    conversation_id=conversation.id,
                    source_key=None,
                )
                for i, conversation in enumerate(by_contact.values())
            ]
            await outbox.enqueue_many(session, rows)
        for limit in (1, 7):
            async with sessions() as session, session.begin():
                claimed = await outbox.claim_due(
                    session, limit, timedelta(seconds=30), pulled=PULLED
                )
                assert len(claimed) == limit
                await session.rollback()
    finally:
        await engine.dispose()


# --- bug 4: one bad character does not lose an acknowledged message ----------------------------

BAD_TEXT = "tolong\u0000 saya dipukul majikan sekarang \ud800 saya takut"
CLEAN_TEXT = "tolong saya dipukul majikan sekarang \ufffd saya takut"


def bad_request(channel: str) -> tuple[str, bytes, dict[str, str]]:
    """A signed request carrying NUL and a lone surrogate in the text, as each provider could."""
    if channel == "telegram":
        body, headers = telegram_update(55_001, 700_000_055, BAD_TEXT)
        return "/webhooks/telegram", body, headers
    if channel == "whatsapp":
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": META_PHONE_NUMBER_ID,
                                },
                                "contacts": [
                                    {"profile": {"name": "Sri"}, "wa_id": "6281200000055"}
                                ],
                                "messages": [
                                    {
                                        "from": "6281200000055",
                                        "id": "wamid.BADCHARS0001",
                                        "timestamp": "1764547200",
                                        "type": "text",
                                        "text": {"body": BAD_TEXT},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": meta_signature(META_APP_SECRET, body),
        }
        return "/webhooks/whatsapp", body, headers
    # Twilio posts a form; a lone surrogate cannot be UTF-8 encoded there, NUL can.
    form = {
        "MessageSid": "SM0123456789abcdef0123456789ab0055",
        "AccountSid": "AC0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "From": "whatsapp:+6281200000056",
        "To": "whatsapp:+14155238886",
        "Body": BAD_TEXT.replace("\ud800", "\ufffd"),
        "NumMedia": "0",
        "ProfileName": "Wati",
        "WaId": "6281200000056",
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(
            TWILIO_AUTH_TOKEN, PUBLIC_URL + "/webhooks/twilio", form
        ),
    }
    return "/webhooks/twilio", urlencode(form).encode(), headers


@pytest.mark.parametrize("channel", ["telegram", "whatsapp", "twilio", "webchat"])
async def test_nul_and_lone_surrogates_are_answered_not_lost(
    siaga: RunningSiaga,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_meta: FakeMeta,
    channel: str,
) -> None:
    async with aiohttp.ClientSession() as http:
        if channel == "webchat":
            body = json.dumps({"session_id": "badchars-" + uuid.uuid4().hex[:8], "text": BAD_TEXT})
            async with http.post(
                f"{siaga.url}/api/webchat/messages",
                data=body.encode(),
                headers={"Content-Type": "application/json"},
            ) as resp:
                assert resp.status == 200
                answer = await resp.json()
            assert answer["replies"], "the web chat got the bot's answer in its response"
        else:
            path, body_bytes, headers = bad_request(channel)
            async with http.post(siaga.url + path, data=body_bytes, headers=headers) as resp:
                assert resp.status == 200
    await settled(siaga)
    async with siaga.app[SESSIONS]() as session:
        event = (await session.execute(select(InboxEvent))).scalar_one()
        stored = (
            await session.execute(select(Message.text).where(Message.direction == "in"))
        ).scalar_one()
    assert event.status == "done"
    assert event.last_error is None, "handled by the flows, not by the safety fallback"
    assert "\x00" not in stored
    assert stored.startswith("tolong saya dipukul majikan sekarang")
    if channel != "twilio":
        assert stored == CLEAN_TEXT, "a lone surrogate becomes U+FFFD; the rest is kept"
    assert await count(siaga, OutboxMessage, OutboxMessage.origin == "bot") >= 1


# --- bug 7: the web chat answers with the replies, not with an early "done" ---------------------


async def test_webchat_waits_for_the_replies_when_done_is_signalled_early(
    webchat_server: RunningSiaga,
) -> None:
    """A "done" for the event before its turn committed (a batch that failed, another instance)
    must not make the web chat answer ``{"replies": []}`` for a reply that is being produced."""
    app = webchat_server.app
    signals = app[SIGNALS]
    real_inbox_stored = signals.inbox_stored

    def early_done() -> None:
        # The moment the event is stored, before the dispatcher can have run its turn.
        real_inbox_stored()
        asyncio.get_running_loop().call_soon(signals.events_done, list(range(1, 50)))

    signals.inbox_stored = early_done  # type: ignore[method-assign]
    async with aiohttp.ClientSession() as http:
        body = {"session_id": "early-" + uuid.uuid4().hex[:10], "text": "halo"}
        async with http.post(f"{webchat_server.url}/api/webchat/messages", json=body) as resp:
            assert resp.status == 200
            answer = await resp.json()
    assert answer["replies"], "the bot's greeting, not an empty list"


@pytest.fixture
async def webchat_server(
    sqlite_url: str, settings_factory: Callable[..., Settings]
) -> AsyncIterator[RunningSiaga]:
    running = await start_siaga(settings_factory(sqlite_url))
    try:
        yield running
    finally:
        await stop_or_explain(running)


async def test_an_event_left_pending_is_not_reported_done(
    sqlite_url: str, settings_factory: Callable[..., Settings], unused_tcp_port: int
) -> None:
    """When neither the turn nor the fallback can write (the database is unreachable), the event
    stays pending and nobody is told it is done."""
    await upgrade_async(sqlite_url)
    good = session_factory(create_engine(sqlite_url))
    event = MessageIn(dedup_key="d:1", conversation_key="down-0001", external_id="1", text="halo")
    event_id = await store_message(good, event)
    async with good() as session:
        [pending] = await inbox.peek_ready(session, 10)
    unreachable = f"postgresql+asyncpg://nobody@127.0.0.1:{unused_tcp_port}/none"
    broken_engine = create_engine(unreachable)
    done: list[int] = []
    dispatcher = real_dispatcher(
        session_factory(broken_engine),
        settings_factory(unreachable),
        lambda *_args: (_ for _ in ()).throw(RuntimeError("flows never reached")),
        on_done=done.extend,
    )
    await dispatcher._handle_single(pending)
    await broken_engine.dispose()
    assert done == [], "nothing was done, so nobody may be told it was"
    async with good() as session:
        status = (
            await session.execute(select(InboxEvent.status).where(InboxEvent.id == event_id))
        ).scalar_one()
    assert status == "pending"


# --- bug 5: statement errors are logged without their parameters --------------------------------


async def test_statement_errors_are_logged_without_parameters(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failing statement's parameters (other people's texts, numbers) never reach the log."""
    await upgrade_async(postgres_url)
    configure_logging("INFO")
    engine = create_engine(postgres_url)
    secret_text = "nomor saya +6281234567890 tolong"
    try:
        async with engine.connect() as conn:
            try:
                await conn.execute(
                    text("INSERT INTO outbox (id, channel, text) VALUES (:i, :c, :t)"),
                    {"i": "not-a-number", "c": "telegram", "t": secret_text},
                )
            except Exception:
                logging.getLogger("tests.delivery").exception("statement failed")
        async with engine.connect() as conn:
            try:
                await conn.execute(
                    text(
                        "INSERT INTO inbox (channel, dedup_key, conversation_key, event, status,"
                        " attempts, received_at) VALUES (:a, :b, :c, :d, 'pending', 0, now())"
                    ),
                    [
                        {"a": "webchat", "b": "k1", "c": "+6281234567890", "d": "{}"},
                        {"a": "webchat", "b": "k1", "c": "+6281234567890", "d": "{}"},
                    ],
                )
            except Exception:
                logging.getLogger("tests.delivery").exception("duplicate key")
    finally:
        await engine.dispose()
        logging.getLogger().handlers.clear()
    output = capsys.readouterr().err
    assert "statement failed" in output
    assert "duplicate key" in output
    assert "IntegrityError" in output or "UniqueViolation" in output, "the cause stays visible"
    for leaked in ("6281234567890", "not-a-number", "tolong", "k1"):
        assert leaked not in output, f"{leaked!r} leaked into the log"


# --- bug 6: a database outage is answered 503, bounded pools, errors logged once ----------------


@pytest.fixture
async def proxied_siaga(
    postgres_url: str, settings_factory: Callable[..., Settings], fake_telegram: FakeTelegram
) -> AsyncIterator[tuple[RunningSiaga, Proxy]]:
    """The app on PostgreSQL reached through a proxy that can take the database away."""
    proxy = Proxy()
    await proxy.start()
    base, name = postgres_url.rsplit("/", 1)
    url = f"{base.rsplit(':', 1)[0]}:{proxy.port}/{name}"
    settings = settings_factory(
        url,
        telegram_token=Secret(TELEGRAM_TOKEN),
        telegram_webhook_secret=Secret(TELEGRAM_SECRET),
        telegram_api_url=fake_telegram.url,
    )
    running = await start_siaga(settings)
    try:
        yield running, proxy
    finally:
        await stop_or_explain(running)
        await proxy.stop()


async def test_a_database_outage_is_answered_503_and_the_retry_is_answered(
    proxied_siaga: tuple[RunningSiaga, Proxy], fake_telegram: FakeTelegram
) -> None:
    """While the database is away nothing can be stored, so nothing is acknowledged: the
    provider gets 503 with Retry-After and delivers again; once the database is back the same
    update is stored once and answered."""
    siaga, proxy = proxied_siaga
    body, headers = telegram_update(66_001, 700_000_066, "halo, saya mau tanya")
    await proxy.stop()  # every connection cut, new ones refused
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{siaga.url}/webhooks/telegram", data=body, headers=headers) as r:
            assert r.status == 503
            assert r.headers.get("Retry-After")
            assert "retry" in (await r.json())["error"]
        await proxy.start()
        for _ in range(50):  # the provider's retries; the pool reconnects on its own
            async with http.post(
                f"{siaga.url}/webhooks/telegram", data=body, headers=headers
            ) as r:
                if r.status == 200:
                    break
            await asyncio.sleep(0.2)
        assert r.status == 200
    [reply] = await fake_telegram.wait_for("sendMessage", within=20)
    assert reply.params["chat_id"] == "700000066"
    assert await count(siaga, InboxEvent) == 1


async def test_a_process_holds_no_more_connections_than_documented(
    postgres_url: str, settings_factory: Callable[..., Settings]
) -> None:
    """Role all: SIAGA_DB_POOL_SIZE + SIAGA_DB_WORKER_POOL_SIZE + 1, however busy it gets."""
    settings = settings_factory(postgres_url, db_pool_size=4, db_worker_pool_size=3)
    running = await start_siaga(settings)
    name = postgres_url.rsplit("/", 1)[1]
    peak = 0
    try:
        async with aiohttp.ClientSession() as http:

            async def chat(i: int) -> None:
                body = {"session_id": f"pool-{i:04d}-xxxx", "text": "gaji saya belum dibayar"}
                # 60 people, each from an address of their own behind a local proxy (the
                # per-address limits of docs/abuse.md do not apply to 60 people)
                person = {"X-Forwarded-For": f"198.18.0.{i + 1}"}
                async with http.post(
                    f"{running.url}/api/webchat/messages", json=body, headers=person
                ) as r:
                    assert r.status in (200, 202)

            load = asyncio.gather(*(chat(i) for i in range(60)))
            conn = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                while not load.done():
                    used = await conn.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name
                    )
                    peak = max(peak, int(used))
                    await asyncio.sleep(0.02)
            finally:
                await conn.close()
            await load
    finally:
        await stop_or_explain(running)
    assert 0 < peak <= 4 + 3 + 1


def test_a_repeated_traceback_is_logged_once_per_window(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An outage repeats one failure many times a second; the log says it once, then counts."""
    configure_logging("INFO", secrets=["s3cret-token-value"])
    log = logging.getLogger("tests.delivery.flood")
    try:

        def connect() -> None:
            raise ConnectionRefusedError("connect call failed s3cret-token-value")

        for _ in range(500):
            try:
                connect()
            except ConnectionRefusedError:
                log.exception("sender pass failed; will try again")
        log.warning("a different message still gets through")
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    flood = [line for line in lines if line["message"].startswith("sender pass failed")]
    assert len(flood) == 1
    assert "s3cret-token-value" not in json.dumps(lines)
    assert any(line["message"].startswith("a different message") for line in lines)
