"""Fault harness: does delivery settle when things break? (issue 10; not part of the test command)

Each run posts signed Telegram updates (several per chat, a mix of questions, complaints and
emergencies that take two replies) to real Siaga processes on a fresh PostgreSQL database, with a
local fake Bot API that answers each send after 20-80 ms. Like Telegram, the load generator
delivers every update again until it gets a 200. A fault is injected in the middle of the load:

* ``none``: no fault;
* ``kill-server``: ``kill -9`` of the whole server (role all), restarted 2 s later;
* ``kill-worker``: web and worker processes; ``kill -9`` of the worker, restarted 2 s later;
* ``double``: every update posted twice at the same moment;
* ``two-instances``: two full instances, updates alternating between them;
* ``db-refuse``: the database refuses connections for 20 s (a TCP proxy in front of PostgreSQL
  drops every connection and refuses new ones);
* ``db-lock``: the inbox and outbox tables are locked for 20 s (``LOCK TABLE … ACCESS EXCLUSIVE``).

Afterwards it waits for the system to settle and prints, per run: updates acknowledged, answered
(stored, handled and the reply sent) and lost (acknowledged, then not stored or parked as failed),
chats that got a reply twice, and rows still unsettled (an update not handled yet, a reply not
sent yet). A reply counts as duplicated when
a chat received a text more often than the outbox holds it. For kills it also prints the bound:
outbox rows that were being sent at the moment of the kill (only those may go out twice), and how
long after the restart everything was settled.

    .venv/bin/python bench/faults.py                       # every scenario once, 400 updates
    .venv/bin/python bench/faults.py --scenario kill-server --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from bench.telegram_webhook import start_server  # noqa: E402
from tests.support.databases import fresh_postgres  # noqa: E402
from tests.support.fake_providers import TELEGRAM_SECRET, FakeTelegram  # noqa: E402
from tests.support.tcp_proxy import Proxy  # noqa: E402

SCENARIOS = (
    "none",
    "kill-server",
    "kill-worker",
    "double",
    "two-instances",
    "db-refuse",
    "db-lock",
)
# A realistic mix: greetings and questions (one reply), complaints (consent and intake), and
# emergencies (emergency numbers, then "are you safe now?": two replies per turn).
TEXTS = [
    "halo",
    "tolong saya dipukul majikan sekarang, saya dikunci di kamar",
    "gaji saya belum dibayar 3 bulan",
    "syarat jadi pmi apa aja ya",
    "majikan menahan paspor saya, saya mau pulang",
    "terima kasih",
    "my employer hit me and took my phone, please help",
    "berapa biaya penempatan ke taiwan",
]
CHAT_BASE = 930_000_000
OUTAGE_SECONDS = 20.0


# --- Siaga processes -----------------------------------------------------------------------------


@dataclass
class Instance:
    """One Siaga deployment: a process of role all, or a web and a worker process."""

    roles: tuple[str, ...]
    procs: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Where webhooks go (the web process when the roles are split)."""
        return self.urls.get("all") or self.urls["web"]


def server_args() -> argparse.Namespace:
    """The options bench/telegram_webhook.py's server launcher reads: real pacing, no profile."""
    return argparse.Namespace(worker_nice=0, real_limits=True, profile=None, ack_only=False)


async def start_role(
    db_url: str, fake: FakeTelegram, workdir: Path, role: str, port: int | None = None
) -> tuple[asyncio.subprocess.Process, str]:
    log_to = workdir / f"siaga-{role}.log"  # the servers' own logs stay out of the report
    return await start_server(
        db_url, fake, workdir, server_args(), role=role, port=port, log_to=log_to
    )


async def start_instance(
    db_url: str, fake: FakeTelegram, workdir: Path, roles: tuple[str, ...]
) -> Instance:
    instance = Instance(roles)
    for role in roles:  # the worker first: it applies the migrations
        proc, url = await start_role(db_url, fake, workdir, role)
        instance.procs[role], instance.urls[role] = proc, url
    return instance


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()


# --- load ----------------------------------------------------------------------------------------


def update_body(i: int, chats: int) -> tuple[int, bytes]:
    chat = CHAT_BASE + i % chats
    turn = i // chats
    body = {
        "update_id": 700_000_000 + i,
        "message": {
            "message_id": i + 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Uji"},
            "from": {"id": chat, "is_bot": False, "first_name": "Uji", "language_code": "id"},
            "text": TEXTS[(chat + turn) % len(TEXTS)],
        },
    }
    return chat, json.dumps(body).encode()


async def deliver(
    http: aiohttp.ClientSession, urls: list[str], body: bytes, give_up_at: float
) -> bool:
    """Deliver like Telegram: again and again until a 200 (backing off), or give up."""
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    attempt = 0
    while time.monotonic() < give_up_at:
        url = urls[attempt % len(urls)]
        try:
            async with http.post(f"{url}/webhooks/telegram", data=body, headers=headers) as resp:
                await resp.read()
                if resp.status == 200:
                    return True
        except (aiohttp.ClientError, TimeoutError):
            pass
        attempt += 1
        await asyncio.sleep(min(5.0, 0.5 * 2 ** min(attempt, 4)) * random.uniform(0.8, 1.2))
    return False


# --- one run -------------------------------------------------------------------------------------


@dataclass
class Result:
    """What one run measured."""

    scenario: str
    updates: int
    acknowledged: int = 0
    answered: int = 0
    lost: int = 0
    chats_with_duplicate: int = 0
    duplicate_sends: int = 0
    unsettled: int = 0
    in_flight_at_kill: int | None = None
    settled_after_restart_s: float | None = None
    settle_s: float = 0.0


async def sending_now(dsn: str) -> list[int]:
    """Ids of the outbox rows in ``sending``: at a kill, the only ones that may go out twice."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT id FROM outbox WHERE status = 'sending'")
        return [int(r["id"]) for r in rows]
    finally:
        await conn.close()


async def still_open(dsn: str, ids: list[int]) -> int:
    """How many of ``ids`` are not final yet."""
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE id = ANY($1::bigint[])"
                " AND status IN ('pending', 'sending')",
                ids,
            )
        )
    finally:
        await conn.close()


async def settle_state(dsn: str) -> tuple[int, int]:
    """(pending inbox events, outbox rows not final)."""
    conn = await asyncpg.connect(dsn)
    try:
        inbox_pending = await conn.fetchval("SELECT count(*) FROM inbox WHERE status = 'pending'")
        outbox_open = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
        )
        return int(inbox_pending), int(outbox_open)
    finally:
        await conn.close()


async def one_run(scenario: str, args: argparse.Namespace) -> Result:
    result = Result(scenario, args.updates)
    chats = max(1, args.updates // args.per_chat)
    with tempfile.TemporaryDirectory(prefix="siaga-faults-") as tmp:
        workdir = Path(tmp)
        proxy = Proxy()
        await proxy.start()
        async with FakeTelegram() as fake, fresh_postgres() as pg_url:
            rng = random.Random(args.seed)
            fake.latency = lambda path: rng.uniform(0.02, 0.08) if "sendMessage" in path else 0.0
            name = pg_url.rsplit("/", 1)[1]
            dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
            db_url = f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{name}"
            roles: tuple[str, ...] = ("worker", "web") if scenario == "kill-worker" else ("all",)
            instances = [await start_instance(db_url, fake, workdir, roles)]
            if scenario == "two-instances":
                instances.append(await start_instance(db_url, fake, workdir, roles))
            urls = [i.url for i in instances]
            try:
                connector = aiohttp.TCPConnector(limit=40)
                async with aiohttp.ClientSession(
                    connector=connector, timeout=aiohttp.ClientTimeout(total=30)
                ) as http:
                    bodies = [update_body(i, chats) for i in range(args.updates)]
                    give_up_at = time.monotonic() + args.updates / args.rate + 120
                    t0 = time.monotonic()

                    async def fault() -> None:
                        await asyncio.sleep(args.updates / args.rate * 0.4)
                        if scenario in {"kill-server", "kill-worker"}:
                            role = "worker" if scenario == "kill-worker" else "all"
                            victim = instances[0]
                            victim.procs[role].kill()  # kill -9: no cleanup at all
                            await victim.procs[role].wait()
                            stranded = await sending_now(dsn)
                            result.in_flight_at_kill = len(stranded)
                            await asyncio.sleep(2.0)
                            port = int(victim.urls[role].rsplit(":", 1)[1])
                            # The same port: the provider keeps calling the same address.
                            proc, url = await start_role(db_url, fake, workdir, role, port)
                            victim.procs[role], victim.urls[role] = proc, url
                            restarted = time.monotonic()
                            while await still_open(dsn, stranded):  # noqa: ASYNC110 - polls PG
                                await asyncio.sleep(0.2)
                            result.settled_after_restart_s = time.monotonic() - restarted
                        elif scenario == "db-refuse":
                            await proxy.outage(OUTAGE_SECONDS)
                        elif scenario == "db-lock":
                            conn = await asyncpg.connect(dsn)
                            try:
                                async with conn.transaction():
                                    await conn.execute(
                                        "LOCK TABLE inbox, outbox IN ACCESS EXCLUSIVE MODE"
                                    )
                                    await asyncio.sleep(OUTAGE_SECONDS)
                            finally:
                                await conn.close()

                    fault_task = asyncio.create_task(fault())
                    tasks = []
                    copies = 2 if scenario == "double" else 1
                    for i, (_chat, body) in enumerate(bodies):
                        delay = t0 + i / args.rate - time.monotonic()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        for _ in range(copies):
                            start = i % len(urls)
                            order = urls[start:] + urls[:start]
                            tasks.append(
                                asyncio.create_task(deliver(http, order, body, give_up_at))
                            )
                    outcomes = await asyncio.gather(*tasks)
                    await fault_task
                    per_update = [
                        any(outcomes[i * copies : (i + 1) * copies]) for i in range(args.updates)
                    ]
                    result.acknowledged = sum(per_update)
                load_end = time.monotonic()
                deadline = load_end + args.settle
                while time.monotonic() < deadline:
                    inbox_pending, outbox_open = await settle_state(dsn)
                    if inbox_pending == 0 and outbox_open == 0:
                        break
                    await asyncio.sleep(0.5)
                result.settle_s = time.monotonic() - load_end
                await asyncio.sleep(2.0)  # a late duplicate would arrive now
                await measure(result, dsn, fake, args.updates, per_update)
            finally:
                for instance in instances:
                    for proc in instance.procs.values():
                        await stop(proc)
                await proxy.stop()
    return result


async def measure(
    result: Result, dsn: str, fake: FakeTelegram, updates: int, acknowledged: list[bool]
) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        events = {
            r["dedup_key"]: (r["id"], r["status"])
            for r in await conn.fetch("SELECT id, dedup_key, status FROM inbox")
        }
        rows = await conn.fetch(
            "SELECT source_key, recipient, text, status FROM outbox WHERE channel = 'telegram'"
        )
        result.unsettled = sum(1 for r in rows if r["status"] in ("pending", "sending")) + sum(
            1 for _id, status in events.values() if status == "pending"
        )
    finally:
        await conn.close()
    replied_events = {str(r["source_key"]).split(":")[0] for r in rows if r["status"] == "sent"}
    for i in range(updates):
        if not acknowledged[i]:
            continue
        event = events.get(f"tg:{700_000_000 + i}")
        if event is not None and event[1] == "done" and str(event[0]) in replied_events:
            result.answered += 1
        elif event is None or event[1] == "failed":
            # Acknowledged, and then gone: not stored, or parked with no reply and no case.
            result.lost += 1
    expected = Counter((r["recipient"], r["text"]) for r in rows if r["status"] == "sent")
    received = Counter((str(c.params["chat_id"]), c.params["text"]) for c in fake.sent)
    surplus = received - expected
    result.duplicate_sends = sum(surplus.values())
    result.chats_with_duplicate = len({chat for chat, _text in surplus})


def report(result: Result) -> str:
    line = (
        f"{result.scenario:14} updates {result.updates:4}  acknowledged {result.acknowledged:4}  "
        f"answered {result.answered:4}  lost {result.lost:3}  "
        f"chats with a duplicate {result.chats_with_duplicate:3} "
        f"({result.duplicate_sends} extra sends)  unsettled {result.unsettled:3}  "
        f"settled {result.settle_s:5.1f} s after the load"
    )
    if result.in_flight_at_kill is not None:
        line += (
            f"\n{'':14} bound: {result.in_flight_at_kill} rows were being sent at the kill; "
            f"all of them settled {result.settled_after_restart_s or 0:.1f} s after the restart"
        )
    return line


async def main_async(args: argparse.Namespace) -> int:
    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    results: list[Result] = []
    print(
        f"fault harness: {args.updates} updates per run at {args.rate:.0f}/s, "
        f"{args.per_chat} per chat, PostgreSQL, fake Bot API 20-80 ms per send, "
        f"real Telegram pacing, cpus={os.cpu_count()}"
    )
    for scenario in scenarios:
        for _ in range(args.runs):
            result = await one_run(scenario, args)
            results.append(result)
            print(report(result), flush=True)
    print("json: " + json.dumps([vars(r) for r in results]))
    failed = [
        r
        for r in results
        if r.lost
        or (r.in_flight_at_kill is None and (r.chats_with_duplicate or r.unsettled))
        or (r.in_flight_at_kill is not None and r.duplicate_sends > r.in_flight_at_kill)
    ]
    print("targets met" if not failed else f"targets missed in {len(failed)} run(s)")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenario", choices=("all", *SCENARIOS), default="all")
    parser.add_argument("--runs", type=int, default=1, help="runs per scenario")
    parser.add_argument("--updates", type=int, default=400, help="updates per run")
    parser.add_argument("--rate", type=float, default=40.0, help="updates per second offered")
    parser.add_argument("--per-chat", type=int, default=4, help="updates per chat")
    parser.add_argument("--settle", type=float, default=200.0, help="max seconds to settle")
    parser.add_argument("--seed", type=int, default=1)
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
