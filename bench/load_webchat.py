"""Web-chat load generator: posts messages at a chosen rate and prints throughput and latency.

Starts a real ``siaga serve`` in a subprocess (SQLite file or a fresh PostgreSQL database), then
sends messages open-loop at ``--rate`` per second from ``--users`` distinct chat sessions, each
request waiting for the bot's replies (the web chat answers synchronously), and prints achieved
throughput and p50/p90/p99 latency.

Each session is a person with an address of their own (``X-Forwarded-For``, which the server
trusts from 127.0.0.1 as it would from a TLS proxy in front of it): the per-address abuse limits
(docs/abuse.md) then apply as in production, rather than to 200 people behind one address.

    python bench/load_webchat.py --db sqlite --rate 50 --seconds 20
    python bench/load_webchat.py --db postgres --rate 100 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg

MESSAGES = [
    "halo",
    "assalamualaikum",
    "syarat jadi pmi apa aja ya",
    "berapa biaya penempatan ke taiwan",
    "gimana cara cek PT resmi atau tidak",
    "terima kasih",
    "how to apply job in hong kong legally",
    "cara daftar bpjs ketenagakerjaan untuk pmi",
]
PG_ADMIN = os.environ.get("SIAGA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(url: str, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.returncode is not None:
                raise SystemExit(f"siaga exited with {proc.returncode}")
            try:
                async with http.get(f"{url}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("siaga did not become healthy")


def address_of(index: int) -> str:
    """The address of the ``index``-th simulated person (benchmarking range 198.18.0.0/15)."""
    return f"198.18.{index // 256}.{index % 256}"


async def one(
    http: aiohttp.ClientSession, url: str, sid: str, address: str, latencies: list[float]
) -> bool:
    body = {"session_id": sid, "text": random.choice(MESSAGES), "message_id": uuid.uuid4().hex}
    headers = {"X-Forwarded-For": address}
    start = time.perf_counter()
    try:
        async with http.post(f"{url}/api/webchat/messages", json=body, headers=headers) as resp:
            data = await resp.json()
            ok = resp.status == 200 and bool(data.get("replies"))
    except aiohttp.ClientError:
        ok = False
    if ok:
        latencies.append(time.perf_counter() - start)
    return ok


async def load(url: str, rate: float, seconds: float, users: int) -> None:
    sessions = [f"bench-{uuid.uuid4().hex[:16]}" for _ in range(users)]
    latencies: list[float] = []
    tasks: list[asyncio.Task[bool]] = []
    connector = aiohttp.TCPConnector(limit=500)
    async with aiohttp.ClientSession(connector=connector) as http:
        # Warm-up: every session says hello once (first contact creates rows).
        await asyncio.gather(
            *(one(http, url, sid, address_of(i), []) for i, sid in enumerate(sessions[:20]))
        )
        start = time.perf_counter()
        total = int(rate * seconds)
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            who = i % users
            tasks.append(
                asyncio.create_task(one(http, url, sessions[who], address_of(who), latencies))
            )
        results = await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    ok = sum(results)
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    print(f"  offered rate     {rate:8.1f} msg/s for {seconds:.0f} s ({total} messages)")
    print(f"  answered         {ok:8d} ok, {total - ok} failed")
    print(f"  throughput       {ok / elapsed:8.1f} msg/s")
    print(f"  latency p50      {pct(0.50):8.1f} ms")
    print(f"  latency p90      {pct(0.90):8.1f} ms")
    print(f"  latency p99      {pct(0.99):8.1f} ms")
    if lat:
        print(f"  latency mean     {statistics.fmean(lat) * 1000:8.1f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second offered")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--users", type=int, default=200, help="distinct chat sessions")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="siaga-bench-"))
    pg_name = None
    if args.db == "sqlite":
        db_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    else:
        pg_name = f"siaga_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{pg_name}"')
        await admin.close()
        db_url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        db_url += f"/{pg_name}"
    port = free_port()
    env = {
        **os.environ,
        "SIAGA_DATABASE_URL": db_url,
        "SIAGA_MEDIA_DIR": str(tmp / "media"),
        "SIAGA_LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--port", str(port), env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, proc)
        print(f"web chat load, {args.db}, {os.cpu_count()} cores, users={args.users}")
        await load(url, args.rate, args.seconds, args.users)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=30)
        if pg_name:
            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
