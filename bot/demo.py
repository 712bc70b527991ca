"""``make run`` helper: a demo console account on a development database, so the console can be
tried at once. Refuses to do anything when SIAGA_ENV=production or when any operator exists.
"""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import func, select

from bot.config import Settings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Operator
from storage.operators import create_operator


async def ensure_demo_operator(settings: Settings) -> str | None:
    """Create ``admin`` with a random password if the database has no operator yet."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            existing = (
                await session.execute(select(func.count()).select_from(Operator))
            ).scalar_one()
            if existing:
                return None
            password = secrets.token_urlsafe(12)
            await create_operator(session, "admin", password, "admin")
            return password
    finally:
        await engine.dispose()


def main() -> int:
    """Create the demo account and print how to log in."""
    settings = Settings.from_env()
    if settings.env == "production":
        return 0
    upgrade(settings.database_url)
    password = asyncio.run(ensure_demo_operator(settings))
    base = f"http://{settings.host}:{settings.port}"
    print(f"\n  Web chat: {base}/\n  Console:  {base}/console")  # noqa: T201 - CLI output
    if password:
        print(f"  Console login (shown once): admin / {password}\n")  # noqa: T201
    else:
        print("  Console: log in with an existing operator (siaga operator add NAME)\n")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
