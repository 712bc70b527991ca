"""Composition root: builds the aiohttp application and owns every resource's lifecycle.

Each resource (database engine, HTTP client session, channel adapters, NLU, dispatcher, sender)
is an async context in ``app.cleanup_ctx``, so start-up and shutdown happen in one place and in
reverse order. Other packages get their values as constructor arguments, never from globals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelAdapter
from bot.channels.registry import WEBCHAT, build_adapters
from bot.config import Settings
from bot.console import setup_console
from bot.dispatcher import Dispatcher
from bot.effects import TextHooks
from bot.keys import (
    ADAPTERS,
    DISPATCHER,
    ENGINE,
    HTTP,
    LIMITS,
    NLU,
    SENDER,
    SESSIONS,
    SETTINGS,
    SIGNALS,
    SIGNALS_ENGINE,
    WORKER_SESSIONS,
)
from bot.media import MediaStore, fetch_and_store
from bot.outbound import WebhookSender
from bot.ratelimit import PublicLimits
from bot.sender import Sender
from bot.signals import PostgresSignals, Signals
from bot.webchat import setup_webchat
from bot.webhooks import setup_webhooks
from flows.router import render_case_status, run_turn, safety_fallback_reply
from flows.types import FlowDeps, MediaRef
from knowledge.retriever import InMemoryRetriever
from nlu.pipeline import EmbeddedNlu
from nlu.types import NluBackend
from storage import cases, privacy
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import utcnow

log = logging.getLogger("bot.app")
# What a lost or refused database connection raises: the asyncpg/aiosqlite errors arrive wrapped
# by SQLAlchemy; a refused connect is an OSError; a full pool times out.
DATABASE_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    OSError,
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Answers sent before the request body was read to its end: the connection is closed after them.
CLOSE_AFTER = {408, 413}


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn client errors into JSON with a reason, and unexpected ones into a logged 500.

    A 413 (body over SIAGA_MAX_BODY_BYTES) comes from aiohttp itself while reading the body. When
    the database cannot be reached the answer is 503 with ``Retry-After``: nothing was stored,
    so the provider must deliver again (it does, for any 5xx), and the browser's web chat
    resends with the same message id. Logged once per interval (``bot.logs``), not per request.
    """
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status in CLOSE_AFTER:
            # The rest of the body is not read (a slow or oversized one): close the connection
            # rather than linger on it (docs/abuse.md).
            if exc.content_type == "application/json" and exc.text:
                response = web.Response(
                    status=exc.status, text=exc.text, content_type="application/json"
                )
            else:
                response = web.json_response({"error": exc.text or exc.reason}, status=exc.status)
            response.force_close()
            return response
        if exc.status >= 400 and exc.content_type != "application/json" and exc.status != 404:
            reason = (
                exc.text if exc.text and not exc.text.startswith(str(exc.status)) else exc.reason
            )
            return web.json_response({"error": reason}, status=exc.status, headers=_allow(exc))
        raise
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning("database unavailable; answered 503", exc_info=True)
        return web.json_response(
            {"error": "temporarily unavailable, please retry"},
            status=503,
            headers={"Retry-After": "5"},
        )


def database_unavailable(exc: BaseException) -> bool:
    """True for a lost, refused or exhausted database connection (not for a bad statement)."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, DATABASE_UNAVAILABLE)


def _allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


async def healthz(request: web.Request) -> web.Response:
    """Liveness plus the database status (503 when the database does not answer)."""
    app = request.app
    try:
        async with app[ENGINE].connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=5)
    except Exception as exc:  # report, do not crash: this is what monitoring asks
        log.warning("health check: database unavailable (%s)", type(exc).__name__)
        return web.json_response({"status": "error", "database": "unavailable"}, status=503)
    return web.json_response(
        {
            "status": "ok",
            "database": "ok",
            "database_backend": app[ENGINE].dialect.name,
            "channels": sorted([WEBCHAT, *app[ADAPTERS]]),
            "time": utcnow().isoformat(),
        }
    )


def build_app(settings: Settings, *, migrate: bool = True) -> web.Application:
    """The service in the process role ``settings.role`` (``SIAGA_ROLE``).

    ``all``: web chat, webhooks, console and the background workers in one process (the default;
    the only choice on SQLite). ``web``: the HTTP side only: it stores, acknowledges and nudges.
    ``worker``: the dispatcher and the sender only, with ``/healthz``. Splitting the roles keeps
    acknowledgements fast under load: turns no longer compete with them for one event loop.
    """
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[errors_as_json])
    app[SETTINGS] = settings
    serves_http = settings.role in {"all", "web"}
    runs_workers = settings.role in {"all", "worker"}

    async def database(app: web.Application) -> AsyncIterator[None]:
        if migrate:
            await upgrade_async(settings.database_url)
        # Separate pools per job, each bounded (SIAGA_DB_POOL_SIZE, SIAGA_DB_WORKER_POOL_SIZE):
        # requests (webhook acknowledgements, web chat, console) never queue behind the
        # background workers' transactions, notifications keep one connection of their own, and
        # a process never holds more connections than the README's table says. SQLite has one
        # connection for everything (one writer).
        if settings.is_sqlite:
            engine = workers_engine = signals_engine = create_engine(settings.database_url)
        else:
            request_pool = settings.db_pool_size if serves_http else 1  # worker: /healthz only
            engine = create_engine(
                settings.database_url, pool_size=request_pool, name="siaga-requests"
            )
            workers_engine = (
                create_engine(
                    settings.database_url,
                    pool_size=settings.db_worker_pool_size,
                    pool_timeout=120.0,
                    name="siaga-workers",
                )
                if runs_workers
                else engine
            )
            signals_engine = create_engine(
                settings.database_url, pool_size=1, name="siaga-signals"
            )
        app[ENGINE] = engine
        app[SESSIONS] = session_factory(engine)
        app[WORKER_SESSIONS] = session_factory(workers_engine)
        app[SIGNALS_ENGINE] = signals_engine
        yield
        for each in {id(e): e for e in (engine, workers_engine, signals_engine)}.values():
            await each.dispose()

    async def signals(app: web.Application) -> AsyncIterator[None]:
        hub = Signals() if settings.is_sqlite else PostgresSignals(app[SIGNALS_ENGINE])
        app[SIGNALS] = hub
        await hub.start()
        yield
        await hub.close()

    async def http_and_channels(app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app[HTTP] = session
        adapters: dict[str, ChannelAdapter] = build_adapters(settings, session)
        for adapter in adapters.values():
            await adapter.start()
        app[ADAPTERS] = adapters
        yield
        for adapter in adapters.values():
            try:
                await adapter.close()
            except Exception:
                log.exception("closing channel %s failed", adapter.name)
        await session.close()

    async def nlu(app: web.Application) -> AsyncIterator[None]:
        embedded = await asyncio.to_thread(EmbeddedNlu.load, settings.nlu_model_path or None)
        backend: NluBackend = embedded
        if settings.nlu_backend == "rasa":
            from nlu.rasa_http import RasaHttpNlu  # only deployments that use Rasa load it

            backend = RasaHttpNlu(settings.rasa_url, app[HTTP], fallback=embedded)
        app[NLU] = backend
        yield

    async def workers(app: web.Application) -> AsyncIterator[None]:
        retriever = await asyncio.to_thread(InMemoryRetriever.from_directory)
        media = MediaStore(Path(settings.media_dir), settings.media_max_bytes)

        async def fetch(
            adapter: ChannelAdapter, refs: tuple[MediaRef, ...]
        ) -> tuple[MediaRef, ...]:
            return await fetch_and_store(adapter, media, refs)

        sender = Sender(sessions=app[WORKER_SESSIONS], settings=settings, adapters=app[ADAPTERS])
        dispatcher = Dispatcher(
            sessions=app[WORKER_SESSIONS],
            settings=settings,
            nlu=app[NLU],
            run_turn=run_turn,
            deps=FlowDeps(
                retriever=retriever,
                now=utcnow,
                new_reference=cases.new_reference,
                new_pin=cases.new_pin,
                unconsented_days=settings.unconsented_retention_days,
            ),
            texts=TextHooks(safety_fallback=safety_fallback_reply, case_status=render_case_status),
            adapters=app[ADAPTERS],
            fetch_media=fetch,
            after_commit=sender.wake,
            on_done=app[SIGNALS].events_done,
            concurrency=4 if settings.is_sqlite else 16,
        )
        app[SIGNALS].on_inbox(dispatcher.wake)
        app[SIGNALS].on_outbox(sender.wake)
        app[SENDER] = sender
        app[DISPATCHER] = dispatcher
        await sender.start()
        await dispatcher.start()
        retention = asyncio.create_task(retention_loop(app[WORKER_SESSIONS], settings))
        # Signed outbound webhooks of case events (docs/console.md, "Integration").
        webhooks = WebhookSender(
            app[WORKER_SESSIONS], app[HTTP], poll_seconds=settings.outbox_poll_seconds
        )
        await webhooks.start()
        yield
        await webhooks.close()
        retention.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retention
        await dispatcher.close()
        await sender.close()

    async def limits(app: web.Application) -> AsyncIterator[None]:
        app[LIMITS] = PublicLimits(settings, app[SESSIONS])
        yield

    app.cleanup_ctx.extend([database, signals, http_and_channels])
    if serves_http:
        app.cleanup_ctx.append(limits)
    if runs_workers:
        app.cleanup_ctx.extend([nlu, workers])
    app.router.add_get("/healthz", healthz)
    if serves_http:
        setup_webchat(app)
        setup_webhooks(app)
        setup_console(app)
    return app


# How often the worker erases the text of old messages from people who gave no consent.
RETENTION_EVERY_SECONDS = 6 * 3600


async def retention_loop(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Apply the retention rule for unconsented messages now and then (docs/privacy.md).

    Every instance runs it; the update is idempotent, so two at once do no harm.
    """
    while True:
        try:
            async with sessions() as session, session.begin():
                cutoff = utcnow() - timedelta(days=settings.unconsented_retention_days)
                erased = await privacy.purge_unconsented(session, cutoff)
            if erased:
                log.info("retention: erased the text of %d unconsented messages", erased)
        except Exception:
            log.exception("retention: purge failed; trying again later")
        await asyncio.sleep(RETENTION_EVERY_SECONDS)


def run(app: web.Application, *, host: str, port: int) -> None:
    """Serve ``app`` until interrupted, on uvloop where it is installed (Linux, macOS).

    libuv's event loop does the socket work of every request and every database round trip in C;
    measured with ``bench/telegram_webhook.py`` it leaves noticeably more CPU for the turns.
    """
    try:
        import uvloop
    except ImportError:  # Windows: the standard loop
        loop = asyncio.new_event_loop()
    else:
        loop = uvloop.new_event_loop()
    web.run_app(app, host=host, port=port, print=None, access_log=None, loop=loop)
