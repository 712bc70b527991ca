"""Issue 14, finding 8: the login lock-out could be raced, and Argon2 ran on the event loop.

Sequentially the 5th wrong password locked the account; but 61 concurrent attempts checked 58
passwords (each request read "not locked" before any of them counted a failure). Eight
concurrent bogus logins stalled every other request of the process (Telegram acknowledgements
went from 29 ms to 3.4 s), because the hash was checked on the event loop. And one address could
try passwords against every account without limit.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from types import FrameType

from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from bot.keys import SESSIONS
from storage.models import AuditEntry, Operator
from tests.console.conftest import PASSWORD
from tests.security.conftest import Client, StartApp

WRONG = "Wrong username or password."


async def test_concurrent_guesses_check_at_most_the_allowed_number_of_passwords(
    start_app: StartApp, clients: Callable[[str], Client]
) -> None:
    # The per-address limit is raised so that only the account's lock-out is tested here.
    app = await start_app(login_max_failures=5, login_max_per_address=1000)
    attackers = [clients(app.url) for _ in range(61)]
    guesses = [f"guess number {n:03d}" for n in range(60)] + [PASSWORD]
    results = await asyncio.gather(
        *(c.login("ana", g) for c, g in zip(attackers, guesses, strict=True))
    )
    accepted = [n for n, (status, _) in enumerate(results) if status == 200]
    wrong = [
        n for n, (status, data) in enumerate(results) if status == 401 and data["error"] == WRONG
    ]
    just_locked = [
        n
        for n, (status, data) in enumerate(results)
        if status == 401 and "now locked" in data["error"]
    ]
    checked = len(accepted) + len(wrong) + len(just_locked)
    assert checked <= 5, f"{checked} passwords checked (accepted {accepted})"
    assert all(status in (200, 401, 429) for status, _ in results)

    async with app.app[SESSIONS]() as session:
        ana = (
            await session.execute(select(Operator).where(Operator.username == "ana"))
        ).scalar_one()
        failures = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.operator_id == ana.id,
                AuditEntry.action.in_(["login_failed", "login_locked"]),
            )
        )
    assert (failures or 0) <= 5
    # Once locked, the right password is refused too.
    status, data = await clients(app.url).login("ana", PASSWORD)
    assert status == 401
    assert "locked" in data["error"]


async def test_one_address_cannot_try_passwords_without_limit(
    start_app: StartApp, clients: Callable[[str], Client]
) -> None:
    app = await start_app(login_max_per_address=20)
    client = clients(app.url)
    # Spread over many usernames, so no account's own lock-out stops it.
    answers = [await client.login(f"user{n:02d}", "password guess") for n in range(24)]
    assert [s for s, _ in answers[:20]] == [401] * 20
    assert [s for s, _ in answers[20:]] == [429] * 4
    assert "Too many" in answers[-1][1]["error"]
    async with client.http.post(
        f"{app.url}/api/console/login", json={"username": "ana", "password": PASSWORD}
    ) as resp:
        assert resp.status == 429  # the right password is not checked either
        assert int(resp.headers["Retry-After"]) > 0


async def test_password_checks_leave_the_event_loop_free(
    start_app: StartApp, clients: Callable[[str], Client]
) -> None:
    """While logins are checked, no Argon2 check ever runs on the event loop's thread.

    Observed, not timed: a plain thread samples every thread's Python stack while three
    logins are checked against a deliberately expensive hash, and records in which thread
    ``verify_secret`` was seen. On the loop, the server stops answering anything else for as
    long as a check lasts (Telegram acknowledgements went from 29 ms to 3.4 s).
    """
    app = await start_app(login_max_failures=50)
    expensive = PasswordHasher(time_cost=8, memory_cost=64 * 1024).hash(PASSWORD)
    async with app.app[SESSIONS]() as session:
        await session.execute(
            update(Operator).where(Operator.username == "ana").values(password_hash=expensive)
        )
        await session.commit()

    loop_thread = threading.get_ident()
    seen = {"loop": 0, "elsewhere": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for thread, frame in sys._current_frames().items():
                inner: FrameType | None = frame
                while inner is not None and inner.f_code.co_name != "verify_secret":
                    inner = inner.f_back
                if inner is not None:
                    seen["loop" if thread == loop_thread else "elsewhere"] += 1
            done.wait(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        results = await asyncio.gather(
            *(clients(app.url).login("ana", f"wrong password {n}") for n in range(3))
        )
    finally:
        done.set()
        sampler.join()
    assert [status for status, _ in results] == [401] * 3
    assert seen["loop"] == 0, f"Argon2 ran on the event loop's thread: {seen}"
    assert seen["elsewhere"] > 0, "the sampler never saw a check (it proves nothing then)"
