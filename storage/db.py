"""Engine and session factory.

SQLite is the embedded default (one process); PostgreSQL is for production and for running several
instances, where row locks (``FOR UPDATE SKIP LOCKED``) coordinate the workers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

import storage.integration  # noqa: F401 - registers the case-event hook (docs/console.md)


def create_engine(
    url: str, *, pool_size: int = 10, pool_timeout: float = 30.0, name: str = "siaga"
) -> AsyncEngine:
    """Create the async engine with the settings each backend needs to be safe under load.

    ``hide_parameters``: an error's text never carries the statement's values (message texts,
    phone numbers), so no log can (``bot.logs``, issue 10).
    """
    if url.startswith("sqlite"):
        # One connection: SQLite has a single writer anyway, and several connections racing for
        # its lock end in SQLite's busy handler sleeping for up to 100 ms per retry (measured:
        # seconds of latency at 50 messages/s). Queueing for the one connection in asyncio is
        # fair and immediate. Sessions must therefore never be nested.
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            hide_parameters=True,
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers run beside the one writer; busy_timeout makes writers queue instead
            # of failing with "database is locked"; foreign keys are off by default in SQLite.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # No pool_pre_ping: it costs a round trip per checkout (a third of a webhook acknowledgement's
    # CPU, measured). A connection that died with the server fails its one request (the provider
    # retries it), and SQLAlchemy then invalidates the whole pool; pool_recycle bounds the age of
    # connections that middleboxes might silently drop. No overflow: a process never holds more
    # than its pools, so N processes cannot exhaust PostgreSQL's connection limit together (a
    # stalled database made each process open about 76 before, issue 10); a request waits for a
    # free connection instead, which under load costs less than opening a new one.
    return create_async_engine(
        url,
        # Each pool names itself in pg_stat_activity, so an operator sees who holds what.
        connect_args={"server_settings": {"application_name": name}},
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        pool_recycle=1800,
        hide_parameters=True,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (no lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def on_postgres(session: AsyncSession) -> bool:
    """True on PostgreSQL, where row locks (``FOR UPDATE``) coordinate several instances."""
    return session.get_bind().dialect.name == "postgresql"


_INSERTS_IGNORING: dict[tuple[str, str, tuple[str, ...], str | None], Any] = {}


def insert_ignoring_conflicts(
    executor: AsyncSession | AsyncConnection,
    table: Any,
    keys: tuple[str, ...],
    *,
    returning: str | None = None,
) -> Any:
    """``INSERT … ON CONFLICT (keys) DO NOTHING [RETURNING column]`` on ``table``, built once.

    Claims and get-or-create use it so that concurrent writers cannot both pass a read-then-write
    check: the unique index decides, atomically. It is executed with a dict of values, or a list
    of them (an executemany). Built on the table rather than the ORM class and cached per
    dialect, so hot paths (every webhook, every batch) neither rebuild the statement nor go
    through the ORM's bulk-insert machinery.
    """
    bind = executor.get_bind() if isinstance(executor, AsyncSession) else executor
    key = (bind.dialect.name, table.name, keys, returning)
    stmt = _INSERTS_IGNORING.get(key)
    if stmt is None:
        insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
        stmt = insert(table).on_conflict_do_nothing(index_elements=list(keys))
        if returning is not None:
            stmt = stmt.returning(table.c[returning])
        _INSERTS_IGNORING[key] = stmt
    return stmt
