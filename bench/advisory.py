"""An advisory to many while people write in: throughput, fairness and a crash (issue 16).

On a fresh PostgreSQL database, with Siaga as a web process and a worker process (README:
deployment), and the fake providers of ``tests.support.fake_providers`` in this process:

1. **baseline**: signed Telegram webhooks at ``--rate`` per second for ``--seconds``; the
   acknowledgement p99 (request → 200) and the end-to-end p99 (request → first reply at the
   fake Bot API);
2. ``--recipients`` contacts who opted in to advisories, on WhatsApp (Meta Cloud API) and
   WhatsApp via Twilio, half inside the 24-hour window (free text) and half outside it (the
   approved template with the advisory as its parameter); an advisory is approved by a second
   supervisor, which queues them all (timed);
3. **under broadcast**: the same webhook load while the advisory goes out at the providers'
   configured rates (Meta 80/s, Twilio 80/s: the adapters' pacers);
4. **crash**: the worker is killed (SIGKILL) in the middle of the broadcast and a new one
   started; the broadcast resumes; at the end every recipient is counted at the fakes: nobody
   may have it twice.

Telegram's pacing is switched off in the benchmarked processes (as in
``bench/telegram_webhook.py``): 100 inbound messages/s with a reply each do not fit under one
bot's 30 messages/s, and the webhooks here measure Siaga, not Telegram's quota. The broadcast
channels keep their real pacing.

    .venv/bin/python bench/advisory.py --recipients 100000 --rate 100 --seconds 30
    .venv/bin/python bench/advisory.py --recipients 3000 --rate 100 --seconds 5   # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.telegram_webhook import cpu_share, cpu_times, database, free_port, run_load  # noqa: E402
from tests.support.fake_providers import (  # noqa: E402
    META_APP_SECRET,
    META_PHONE_NUMBER_ID,
    META_TOKEN,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_NUMBER,
    FakeMeta,
    FakeTelegram,
    FakeTwilio,
)

META_RATE = 80.0  # the adapters' default pacing (docs/wire-protocols.md §4.7)
TWILIO_RATE = 80.0


def serve(port: int) -> None:
    """Run the real app from the environment (``--serve``), Telegram's pacing off."""
    from aiohttp import web

    from bot.app import build_app, run
    from bot.config import Settings
    from bot.keys import ADAPTERS, DISPATCHER
    from bot.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level, secrets=settings.secret_values())
    app = build_app(settings)

    async def unpace_telegram(app: web.Application) -> None:
        if DISPATCHER not in app:
            return
        pacer = app[ADAPTERS]["telegram"].pacer  # type: ignore[attr-defined]
        pacer.global_interval = 0.0
        pacer.chat_interval = 0.0

    app.on_startup.append(unpace_telegram)
    run(app, host="127.0.0.1", port=port)


async def start(
    role: str, db_url: str, fakes: tuple[FakeTelegram, FakeMeta, FakeTwilio], workdir: Path
) -> tuple[asyncio.subprocess.Process, str]:
    """One Siaga process of ``role`` (web or worker); returns it when /healthz answers."""
    tg, meta, tw = fakes
    port = free_port()
    env = {
        **os.environ,
        "SIAGA_ROLE": role,
        "SIAGA_DATABASE_URL": db_url,
        "SIAGA_PUBLIC_URL": "https://siaga.example.org",
        "SIAGA_SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "SIAGA_LOG_LEVEL": "WARNING",
        "SIAGA_MEDIA_DIR": str(workdir / "media"),
        "SIAGA_OUTBOX_POLL_SECONDS": "0.2",
        "SIAGA_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "SIAGA_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "SIAGA_TELEGRAM_API_URL": tg.url,
        "SIAGA_WHATSAPP_TOKEN": META_TOKEN,
        "SIAGA_WHATSAPP_APP_SECRET": META_APP_SECRET,
        "SIAGA_WHATSAPP_VERIFY_TOKEN": "bench-verify",
        "SIAGA_WHATSAPP_PHONE_NUMBER_ID": META_PHONE_NUMBER_ID,
        "SIAGA_WHATSAPP_API_URL": meta.api_url,
        "SIAGA_WHATSAPP_TEMPLATE_NAME": "siaga_advisory",
        "SIAGA_TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "SIAGA_TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "SIAGA_TWILIO_WHATSAPP_NUMBER": TWILIO_NUMBER,
        "SIAGA_TWILIO_API_URL": tw.url,
        "SIAGA_TWILIO_TEMPLATE_SID": "HX0123456789abcdef0123456789abcdef",
    }
    argv = [sys.executable, str(SCRIPT), "--serve", "--port", str(port)]
    if role == "worker":
        argv = ["nice", "-n", "5", *argv]  # README: the worker yields the CPU to the web role
    proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=str(ROOT))
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(900):
            if proc.returncode is not None:
                raise SystemExit(f"siaga {role} exited with {proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{url}/healthz") as resp:
                    if resp.status == 200:
                        return proc, url
            await asyncio.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"siaga {role} did not become healthy")


async def seed(sessions: Any, recipients: int) -> None:
    """Contacts who opted in, half on each WhatsApp channel, half inside the 24-hour window."""
    async with sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO contacts (channel, channel_user_id, blocked, created_at, country,"
                " advisory_opt_in, advisory_opt_in_at, advisory_opt_in_channel, last_inbound_at)"
                " SELECT CASE WHEN g % 2 = 0 THEN 'whatsapp' ELSE 'twilio' END,"
                " '+62811' || lpad(g::text, 7, '0'), false, now(), 'HK', true, now(),"
                " CASE WHEN g % 2 = 0 THEN 'whatsapp' ELSE 'twilio' END,"
                " now() - make_interval(hours => (g % 4) * 12 + 1)"
                " FROM generate_series(1, :n) AS g"
            ),
            {"n": recipients},
        )
        await session.execute(
            text(
                "INSERT INTO conversations (contact_id, state, state_data, language, updated_at)"
                " SELECT id, 'idle', '{}', CASE WHEN id % 5 = 0 THEN 'en' ELSE 'id' END, now()"
                " FROM contacts WHERE channel IN ('whatsapp', 'twilio')"
            )
        )


async def approve(sessions: Any) -> tuple[int, int, float]:
    """A draft by one supervisor, approved by another: (advisory id, recipients, seconds)."""
    from bot.channels.registry import CHANNELS
    from bot.console.advisories import rendered
    from storage import advisories
    from storage.advisories import AudienceFilter
    from storage.operators import create_operator

    async with sessions() as session, session.begin():
        author = await create_operator(session, "bench-author", "a-long-password", "supervisor")
        approver = await create_operator(session, "bench-approver", "a-long-pass", "supervisor")
        draft = await advisories.create(
            session,
            operator_id=author.id,
            title="Typhoon signal 8",
            text_id="Sinyal topan 8 di Hong Kong: tetap di dalam rumah, jauhi jendela.",
            text_en="Typhoon signal 8 in Hong Kong: stay indoors, away from windows.",
            source_url="https://www.hko.gov.hk/en/",
            audience=AudienceFilter(countries=("HK",)),
        )
        ids = (author.id, approver.id, draft.id)
        wording = rendered(draft)
    reach: advisories.Reach = {name: "all" for name in CHANNELS if name != "telegram"}
    t0 = time.monotonic()
    async with sessions() as session, session.begin():
        row = await advisories.approve(
            session, ids[2], operator_id=ids[1], reach=reach, rendered=wording
        )
        queued = row.recipients
    return ids[2], queued, time.monotonic() - t0


async def progress(sessions: Any, advisory_id: int) -> dict[str, int]:
    from storage import advisories

    async with sessions() as session:
        return await advisories.progress(session, advisory_id)


def received(meta: FakeMeta, tw: FakeTwilio) -> Counter[str]:
    """How many times each recipient got a message at the fakes."""
    counts: Counter[str] = Counter()
    for call in meta.sent:
        counts["meta:" + str(call.params.get("to") or call.params.get("recipient"))] += 1
    for call in tw.sent:
        counts["twilio:" + str(call.params.get("To"))] += 1
    return counts


async def bench(args: argparse.Namespace) -> int:
    from storage.db import create_engine, session_factory

    report: dict[str, Any] = {"recipients": args.recipients, "rate": args.rate}
    with tempfile.TemporaryDirectory(prefix="siaga-advisory-") as tmp:
        workdir = Path(tmp)
        async with (
            FakeTelegram() as tg,
            FakeMeta() as meta,
            FakeTwilio() as tw,
            database("postgres", workdir, args.pg_socket) as db_url,
        ):
            fakes = (tg, meta, tw)
            worker, _ = await start("worker", db_url, fakes, workdir)  # applies migrations
            web_proc, url = await start("web", db_url, fakes, workdir)
            engine = create_engine(db_url)
            sessions = session_factory(engine)
            procs = [web_proc, worker]
            try:
                await run_load(url, tg, rate=20, seconds=1, chats=0, drain=10, offset=70_000_000)
                tg.requests.clear()
                base = await run_load(url, tg, args.rate, args.seconds, 0, args.drain)
                report["baseline"] = base
                t_seed = time.monotonic()
                await seed(sessions, args.recipients)
                report["seed_seconds"] = time.monotonic() - t_seed
                tg.requests.clear()
                advisory_id, queued, approve_s = await approve(sessions)
                t_start = time.monotonic()
                report.update(queued=queued, approve_seconds=approve_s)
                before = cpu_times()
                loaded = await run_load(
                    url, tg, args.rate, args.seconds, 0, args.drain, offset=10_000_000
                )
                loaded["cpu_busy_pct"], loaded["cpu_steal_pct"] = cpu_share(before, cpu_times())
                report["under_broadcast"] = loaded
                done = await progress(sessions, advisory_id)
                report["sent_when_load_ended"] = queued - done["queued"]
                # The crash: kill the worker mid-broadcast (SIGKILL: nothing is cleaned up).
                while True:
                    crashed_at = await progress(sessions, advisory_id)
                    if crashed_at["queued"] <= queued * (1 - args.kill_at):
                        break
                    await asyncio.sleep(0.5)
                worker.send_signal(signal.SIGKILL)
                await worker.wait()
                t_kill = time.monotonic()
                worker, _ = await start("worker", db_url, fakes, workdir)
                procs = [web_proc, worker]
                report["crash"] = {
                    "at_seconds": t_kill - t_start,
                    "queued_at_kill": crashed_at["queued"],
                    "restart_seconds": time.monotonic() - t_kill,
                }
                while True:
                    final = await progress(sessions, advisory_id)
                    if final["queued"] == 0:
                        break
                    await asyncio.sleep(1.0)
                report["finish_seconds"] = time.monotonic() - t_start
                report["final"] = final
                got = received(meta, tw)
                report["recipients_reached"] = len(got)
                report["sent_twice"] = sum(1 for n in got.values() if n > 1)
                report["provider_messages"] = sum(got.values())
            finally:
                for each in procs:
                    if each.returncode is None:
                        each.send_signal(signal.SIGINT)
                for each in procs:
                    try:
                        await asyncio.wait_for(each.wait(), 30)
                    except TimeoutError:
                        each.kill()
                        await each.wait()
                await engine.dispose()
    print_report(report)
    return 0 if report["sent_twice"] == 0 else 1


def print_report(r: dict[str, Any]) -> None:
    """The figures, then the JSON (the README's table is made from these lines)."""
    half = r["queued"] / 2
    at_rates = max(half / META_RATE, half / TWILIO_RATE)
    base, load = r["baseline"], r["under_broadcast"]
    print(f"advisory bench: PostgreSQL, web + worker processes, cpus={os.cpu_count()}")
    print(
        f"  {r['queued']} recipients queued by the approval in {r['approve_seconds']:.2f} s "
        f"(seeded in {r['seed_seconds']:.1f} s)"
    )
    print(
        f"  broadcast finished in {r['finish_seconds']:.0f} s, worker killed and restarted "
        f"after {r['crash']['at_seconds']:.0f} s; at the configured rates "
        f"(Meta {META_RATE:.0f}/s, Twilio {TWILIO_RATE:.0f}/s) the floor is {at_rates:.0f} s"
    )
    f = r["final"]
    print(
        f"  outcome: sent {f['sent']}, delivered {f['delivered']}, read {f['read']}, "
        f"failed {f['failed']} (interrupted by the kill, not repeated), "
        f"opted out {f['opted_out']}"
    )
    print(
        f"  at the providers: {r['provider_messages']} messages to {r['recipients_reached']} "
        f"recipients; sent twice: {r['sent_twice']}"
    )
    for name, x in (("without broadcast", base), ("during broadcast", load)):
        print(
            f"  webhooks {name}: {x['messages']:.0f} at {x['offered_rate']:.0f}/s, "
            f"ack p50 {x['ack_p50_ms']:.1f} ms p99 {x['ack_p99_ms']:.1f} ms; "
            f"reply p50 {x['e2e_p50_ms']:.0f} ms p99 {x['e2e_p99_ms']:.0f} ms "
            f"({x['replied']:.0f}/{x['chats']:.0f} answered)"
        )
    ratio = load["e2e_p99_ms"] / base["e2e_p99_ms"] if base["e2e_p99_ms"] else float("nan")
    print(f"  reply p99 during / without broadcast: {ratio:.2f}x (target <= 2x)")
    print("  json: " + json.dumps(r, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=100.0, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of webhook load")
    parser.add_argument("--drain", type=float, default=60.0, help="max wait for replies")
    parser.add_argument(
        "--kill-at", type=float, default=0.5, help="share of the broadcast sent at the kill"
    )
    parser.add_argument(
        "--pg-socket",
        default="/var/run/postgresql" if os.path.isdir("/var/run/postgresql") else None,
        help="PostgreSQL Unix socket directory (co-located deployment)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.port)
        return 0
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
