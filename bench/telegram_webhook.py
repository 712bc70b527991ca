"""Signed Telegram webhook throughput, end to end: request → ack, and request → reply captured.

Three parts, two processes:

* a **fake Bot API** (``tests.support.fake_providers.FakeTelegram``) in this process, recording
  when each ``sendMessage`` arrives;
* **Siaga** in a subprocess (``--serve`` mode of this script: the real app from ``bot.app``, on a
  fresh SQLite file or a fresh PostgreSQL database, Telegram pointed at the fake);
* the **load generator** in this process: open-loop at ``--rate`` updates/s, each a signed
  (secret-header) update from its own chat, over at most 40 connections (Telegram's default
  ``max_connections``).

It prints achieved messages/s, acknowledgement p50/p99 (request → 200) and end-to-end p50/p99
(request → the first reply to that chat reaching the fake Bot API).

By default the adapter's Telegram pacing (30 msg/s overall, 1/s per chat) is switched off in the
benchmarked server, because the fake has no flood limits and we measure Siaga, not Telegram's
quota; ``--real-limits`` keeps it (end-to-end throughput is then capped near 30/s by design).

    .venv/bin/python bench/telegram_webhook.py --db sqlite --rate 300 --seconds 10
    .venv/bin/python bench/telegram_webhook.py --db postgres --rate 400 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

# Run as a script from the repository: make the project packages importable.
SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.support.databases import fresh_postgres  # noqa: E402
from tests.support.fake_providers import TELEGRAM_SECRET, TELEGRAM_TOKEN, FakeTelegram  # noqa: E402

TEXTS = [
    "halo",
    "gaji saya belum dibayar 3 bulan",
    "majikan menahan paspor saya",
    "syarat jadi pmi apa aja ya",
    "berapa biaya penempatan ke taiwan",
    "terima kasih",
]
CHAT_BASE = 900_000_000
MAX_CONNECTIONS = 40  # Telegram's default for webhook delivery (docs/wire-protocols.md §1.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_times() -> list[int]:
    """The machine's CPU counters (/proc/stat: user nice system idle iowait irq softirq steal)."""
    try:
        with open("/proc/stat") as stat:
            return [int(v) for v in stat.readline().split()[1:9]]
    except OSError:
        return []


def cpu_share(before: list[int], after: list[int]) -> tuple[float, float]:
    """(busy %, stolen %) of all CPUs between two readings; steal is time the hypervisor gave
    to other machines, which makes figures on a shared VM vary from run to run."""
    if not before or not after:
        return float("nan"), float("nan")
    delta = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(delta) or 1
    idle = delta[3] + delta[4]
    return 100 * (total - idle - delta[7]) / total, 100 * delta[7] / total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- the benchmarked server (subprocess) -------------------------------------------------------


def serve(
    port: int, real_limits: bool, profile: str | None = None, ack_only: bool = False
) -> None:
    """Run the real app from the environment's SIAGA_* settings (``--serve`` mode).

    With ``profile``, the server runs under cProfile and writes its stats there on exit. With
    ``ack_only``, the dispatcher is stopped once started: updates are verified, parsed, stored and
    acknowledged but never processed, which isolates the webhook + ingest layer.
    """
    from aiohttp import web

    from bot.app import build_app, run
    from bot.config import Settings
    from bot.keys import ADAPTERS, DISPATCHER
    from bot.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level, secrets=settings.secret_values())
    app = build_app(settings)

    async def unpace(app: web.Application) -> None:
        # Appended after build_app, so it runs after the cleanup contexts built the adapters.
        if DISPATCHER not in app:
            return  # a web-only process sends nothing
        adapter = app[ADAPTERS]["telegram"]
        pacer = adapter.pacer  # type: ignore[attr-defined]
        pacer.global_interval = 0.0
        pacer.chat_interval = 0.0

    async def no_processing(app: web.Application) -> None:
        if DISPATCHER in app:
            await app[DISPATCHER].close()

    if not real_limits:
        app.on_startup.append(unpace)
    if ack_only:
        app.on_startup.append(no_processing)
    if profile:
        import cProfile

        with cProfile.Profile() as prof:
            run(app, host="127.0.0.1", port=port)
        prof.dump_stats(profile)
        return
    run(app, host="127.0.0.1", port=port)


# --- the load generator ------------------------------------------------------------------------


PG_SOCKET_DIR = "/var/run/postgresql"


@contextlib.asynccontextmanager
async def database(kind: str, workdir: Path, socket_dir: str | None) -> AsyncIterator[str]:
    """A fresh database. PostgreSQL on the same host is reached over its Unix socket when
    ``socket_dir`` is given, as a co-located deployment would be (README)."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        return
    async with fresh_postgres() as url:
        if socket_dir:
            base, name = url.rsplit("/", 1)
            user = base.split("//", 1)[1].split("@", 1)[0]
            url = f"postgresql+asyncpg://{user}@/{name}?host={socket_dir}"
        yield url


async def start_server(
    db_url: str,
    fake: FakeTelegram,
    workdir: Path,
    args: argparse.Namespace,
    role: str = "all",
    port: int | None = None,
    log_to: Path | None = None,
) -> tuple[asyncio.subprocess.Process, str]:
    port = port or free_port()
    env = {
        "SIAGA_ROLE": role,
        **os.environ,
        "SIAGA_DATABASE_URL": db_url,
        "SIAGA_PUBLIC_URL": "https://siaga.example.org",
        "SIAGA_ENV": "development",
        "SIAGA_SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "SIAGA_LOG_LEVEL": "WARNING",
        "SIAGA_MEDIA_DIR": str(workdir / "media"),
        "SIAGA_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "SIAGA_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "SIAGA_TELEGRAM_API_URL": fake.url,
        "SIAGA_OUTBOX_POLL_SECONDS": "0.2",
    }
    argv = [sys.executable, str(SCRIPT), "--serve", "--port", str(port)]
    if role == "worker" and args.worker_nice:
        argv = ["nice", "-n", str(args.worker_nice), *argv]
    if args.real_limits:
        argv.append("--real-limits")
    if args.profile:
        argv += ["--profile", f"{args.profile}.{role}"]
    if args.ack_only:
        argv.append("--ack-only")
    if log_to is None:
        proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=str(ROOT))
    else:
        with log_to.open("ab") as log_file:  # the child keeps its own handle
            proc = await asyncio.create_subprocess_exec(
                *argv, env=env, cwd=str(ROOT), stderr=log_file
            )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            if proc.returncode is not None:
                raise SystemExit(f"siaga exited with {proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{url}/healthz") as resp:
                    if resp.status == 200:
                        return proc, url
            await asyncio.sleep(0.1)
    proc.terminate()
    raise SystemExit("siaga did not become healthy")


def update(i: int, chats: int, offset: int = 0) -> tuple[int, bytes]:
    chat = CHAT_BASE + offset + (i % chats if chats else i)
    body = {
        "update_id": 500_000_000 + offset + i,
        "message": {
            "message_id": i + 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Bench"},
            "from": {"id": chat, "is_bot": False, "first_name": "Bench", "language_code": "id"},
            "text": TEXTS[i % len(TEXTS)],
        },
    }
    return chat, json.dumps(body).encode()


async def run_load(
    url: str,
    fake: FakeTelegram,
    rate: float,
    seconds: float,
    chats: int,
    drain: float,
    offset: int = 0,
) -> dict[str, float]:
    total = int(rate * seconds)
    payloads = [update(i, chats, offset) for i in range(total)]
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    acks: list[float] = []
    started: dict[int, float] = {}  # chat -> request start (first message of that chat)
    failures = 0
    lags: list[float] = []

    connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(chat: int, body: bytes) -> None:
            nonlocal failures
            t = time.monotonic()
            started.setdefault(chat, t)
            try:
                async with http.post(f"{url}/webhooks/telegram", data=body, headers=headers) as r:
                    await r.read()
                    ok = r.status == 200
            except aiohttp.ClientError:
                ok = False
            if ok:
                acks.append(time.monotonic() - t)
            else:
                failures += 1

        t0 = time.monotonic()
        tasks = []
        for i, (chat, body) in enumerate(payloads):
            due = t0 + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            lags.append(max(0.0, time.monotonic() - due))
            tasks.append(asyncio.create_task(one(chat, body)))
        await asyncio.gather(*tasks)
        t_acked = time.monotonic()

    # Wait for a reply to every chat (or give up after ``drain`` seconds).
    expected = len(started)
    deadline = time.monotonic() + drain
    first_reply: dict[int, float] = {}
    while time.monotonic() < deadline:
        first_reply.clear()
        for call in fake.sent:
            chat = int(call.params["chat_id"])
            if chat in started and chat not in first_reply:
                first_reply[chat] = call.at
        if len(first_reply) >= expected:
            break
        await asyncio.sleep(0.2)
    e2e = [first_reply[c] - started[c] for c in first_reply]
    t_last_reply = max(first_reply.values(), default=t0)
    return {
        "messages": total,
        "failed": failures,
        "offered_rate": rate,
        "ack_throughput": len(acks) / (t_acked - t0),
        "ack_p50_ms": percentile(acks, 50) * 1000,
        "ack_p99_ms": percentile(acks, 99) * 1000,
        "ack_max_ms": max(acks, default=float("nan")) * 1000,
        "generator_lag_p99_ms": percentile(lags, 99) * 1000,
        "replied": len(first_reply),
        "chats": expected,
        "e2e_throughput": len(first_reply) / (t_last_reply - t0) if first_reply else 0.0,
        "e2e_p50_ms": percentile(e2e, 50) * 1000,
        "e2e_p99_ms": percentile(e2e, 99) * 1000,
        "replies_sent": len(fake.sent),
        "mean_ack_ms": statistics.fmean(acks) * 1000 if acks else float("nan"),
    }


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="siaga-bench-") as tmp:
        workdir = Path(tmp)
        async with FakeTelegram() as fake, database(args.db, workdir, args.pg_socket) as db_url:
            if args.roles == "split":
                # The worker first: it applies the migrations before the web process starts.
                worker, _ = await start_server(db_url, fake, workdir, args, role="worker")
                proc, url = await start_server(db_url, fake, workdir, args, role="web")
                procs = [proc, worker]
            else:
                proc, url = await start_server(db_url, fake, workdir, args)
                procs = [proc]
            try:
                # Warm-up: first requests pay for connection set-up and model loading.
                # (its own chats and update ids: they must not overlap the measured run).
                await run_load(
                    url,
                    fake,
                    rate=20,
                    seconds=1,
                    chats=0,
                    drain=0 if args.ack_only else 10,
                    offset=50_000_000,
                )
                fake.requests.clear()
                before = cpu_times()
                result = await run_load(url, fake, args.rate, args.seconds, args.chats, args.drain)
                result["cpu_busy_pct"], result["cpu_steal_pct"] = cpu_share(before, cpu_times())
            finally:
                for each in procs:
                    each.send_signal(signal.SIGINT)  # a clean stop (and the profile, if any)
                for each in procs:
                    try:
                        await asyncio.wait_for(each.wait(), 30)
                    except TimeoutError:
                        each.kill()
                        await each.wait()
    limits = "real Telegram pacing" if args.real_limits else "pacing off (fake Bot API)"
    if args.ack_only:
        limits += ", ack only (dispatcher stopped: no processing, no replies)"
    roles = "web + worker processes" if args.roles == "split" else "one process"
    transport = "" if args.db == "sqlite" else (", Unix socket" if args.pg_socket else ", TCP")
    print(
        f"telegram webhook bench: db={args.db}{transport}, {roles}, {limits}, "
        f"cpus={os.cpu_count()}"
    )
    print(
        f"  sent {result['messages']:.0f} updates at {result['offered_rate']:.0f}/s offered "
        f"({result['failed']:.0f} failed; "
        f"generator lag p99 {result['generator_lag_p99_ms']:.1f} ms)"
    )
    print(
        f"  ack: {result['ack_throughput']:.1f} messages/s, p50 {result['ack_p50_ms']:.1f} ms, "
        f"p99 {result['ack_p99_ms']:.1f} ms, max {result['ack_max_ms']:.1f} ms"
    )
    print(
        f"  end to end (request -> first reply at the fake Bot API): "
        f"{result['replied']:.0f}/{result['chats']:.0f} chats answered, "
        f"{result['e2e_throughput']:.1f} messages/s, p50 {result['e2e_p50_ms']:.1f} ms, "
        f"p99 {result['e2e_p99_ms']:.1f} ms ({result['replies_sent']:.0f} replies sent)"
    )
    print(
        f"  machine during the run: {result['cpu_busy_pct']:.0f}% busy, "
        f"{result['cpu_steal_pct']:.0f}% stolen by the hypervisor"
    )
    print("  json: " + json.dumps({"db": args.db, "roles": args.roles, **result}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=float, default=300.0, help="updates per second offered")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to send")
    parser.add_argument(
        "--chats", type=int, default=0, help="distinct chats to cycle through (0: one per update)"
    )
    parser.add_argument(
        "--drain", type=float, default=60.0, help="max seconds to wait for replies"
    )
    parser.add_argument(
        "--roles",
        choices=["all", "split"],
        default=None,
        help="one process (all), or SIAGA_ROLE=web + SIAGA_ROLE=worker processes (split; "
        "PostgreSQL only). Default: split on PostgreSQL, all on SQLite",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=5,
        help="with --roles split, run the worker at this nice level (README: acknowledgements "
        "first); 0 for equal priority",
    )
    parser.add_argument(
        "--pg-tcp", action="store_true", help="reach PostgreSQL over 127.0.0.1, not its socket"
    )
    parser.add_argument("--real-limits", action="store_true", help="keep Telegram pacing on")
    parser.add_argument(
        "--ack-only", action="store_true", help="stop the dispatcher: measure webhook+ingest only"
    )
    parser.add_argument("--profile", help="write the server's cProfile stats to this file")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.port, args.real_limits, args.profile, args.ack_only)
        return 0
    args.pg_socket = PG_SOCKET_DIR if not args.pg_tcp and os.path.exists(PG_SOCKET_DIR) else None
    if args.roles is None:
        args.roles = "split" if args.db == "postgres" else "all"
    if args.roles == "split" and args.db != "postgres":
        parser.error("--roles split needs --db postgres")
    # The load generator and the fake Bot API share this process; on uvloop they take less of
    # the machine's CPU away from the server being measured.
    import uvloop

    return uvloop.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
