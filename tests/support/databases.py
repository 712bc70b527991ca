"""Real databases for tests: a fresh SQLite file or a fresh PostgreSQL database per test.

PostgreSQL runs at 127.0.0.1:5432 (trust auth). Each test gets its own database created from the
``postgres`` maintenance database, so parallel test runs and other suites never share state.
Set ``SIAGA_TEST_PG_URL`` to point elsewhere, or ``SIAGA_TEST_NO_PG=1`` to skip PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

PG_ADMIN_DSN = os.environ.get("SIAGA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_disabled() -> bool:
    """True when PostgreSQL tests are switched off for this run."""
    return os.environ.get("SIAGA_TEST_NO_PG") == "1"


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards."""
    name = f"siaga_t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def fresh_sqlite(directory: Path) -> AsyncIterator[str]:
    """An SQLite file in a temporary directory."""
    yield f"sqlite+aiosqlite:///{directory / 'siaga-test.db'}"
