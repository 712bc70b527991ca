"""Issue 14, finding 8: the login lock-out could be raced, and Argon2 ran on the event loop.

Sequentially the 5th wrong password locked the account; but 61 concurrent attempts checked 58
passwords (each request read "not locked" before any of them counted a failure). Eight
concurrent bogus logins stalled every other request of the process (Telegram acknowledgements
went from 29 ms to 3.4 s), because the hash was checked on the event loop. And one address could
try passwords against every account without limit.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

from sqlalchemy import func, select

from bot.keys import SESSIONS
from storage.models import AuditEntry, Operator
from storage.security import hash_secret, verify_secret
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
    """While eight logins are checked, the server's loop keeps running other work.

    The yardstick is the time of one Argon2 check on this machine: with the checks on the
    loop, the loop stops for about eight of them; off the loop it does not stop at all.
    """
    app = await start_app()
    stored = hash_secret("some password")
    one_check = statistics.median(
        _timed(lambda: verify_secret(stored, "not it")) for _ in range(3)
    )

    gaps: list[float] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not stop.is_set():
            await asyncio.sleep(0.002)
            now = loop.time()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.05)
    gaps.clear()
    results = await asyncio.gather(
        *(clients(app.url).login(f"nobody{n}", "bogus password") for n in range(8))
    )
    stop.set()
    await beat
    assert [status for status, _ in results] == [401] * 8
    # On the loop, eight checks stop it for about eight checks in all; off the loop it is not
    # stopped, and a machine busy with other work may add one hiccup, hence the margin.
    stopped = sum(gap for gap in gaps if gap > one_check / 2)
    assert stopped < 2 * one_check, (stopped, max(gaps), one_check)


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
