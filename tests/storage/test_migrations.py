"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic import command

from storage.migrate import alembic_config, upgrade_async


async def test_upgrade_matches_models_and_downgrades(database_url: str) -> None:
    await upgrade_async(database_url)
    cfg = alembic_config(database_url)
    # `alembic check` fails if the models have changes no migration covers.
    await asyncio.to_thread(command.check, cfg)
    await asyncio.to_thread(command.downgrade, cfg, "base")
    await upgrade_async(database_url)  # and back up again: downgrade() is real
