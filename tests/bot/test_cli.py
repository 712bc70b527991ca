"""The ``siaga`` command as an operator runs it: a real subprocess with real environment."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.models import Operator
from storage.security import verify_secret

ROOT = Path(__file__).resolve().parents[2]


def siaga(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own entry point with fixed arguments
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_invalid_setting_stops_startup_with_its_name(tmp_path: Path) -> None:
    proc = siaga("serve", env={"SIAGA_PORT": "eighty", "SIAGA_MEDIA_DIR": str(tmp_path)})
    assert proc.returncode == 2
    assert "SIAGA_PORT" in proc.stderr
    assert "whole number" in proc.stderr


async def test_db_upgrade_and_operator_add(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env = {"SIAGA_DATABASE_URL": url}
    upgraded = await asyncio.to_thread(siaga, "db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    added = await asyncio.to_thread(
        siaga,
        "operator",
        "add",
        "ana",
        "--role",
        "supervisor",
        env=env,
        stdin="correct horse battery\n",
    )
    assert added.returncode == 0, added.stderr
    again = await asyncio.to_thread(
        siaga, "operator", "add", "ana", env=env, stdin="another long password\n"
    )
    assert again.returncode == 1
    assert "not created" in again.stderr
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        operator = (await session.execute(select(Operator))).scalar_one()
    await engine.dispose()
    assert operator.username == "ana"
    assert operator.role == "supervisor"
    assert verify_secret(operator.password_hash, "correct horse battery")
    assert "correct horse" not in added.stdout + added.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_answers_the_web_chat_on_sqlite(tmp_path: Path) -> None:
    await serve_and_chat(f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}", tmp_path)


async def test_serve_answers_the_web_chat_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    await serve_and_chat(postgres_url, tmp_path)


async def serve_and_chat(url: str, tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--port",
        str(port),
        env={**os.environ, "SIAGA_DATABASE_URL": url, "SIAGA_MEDIA_DIR": str(tmp_path / "m")},
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"{base}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            body = {"session_id": "cli-test-0001", "text": "halo"}
            async with http.post(f"{base}/api/webchat/messages", json=body) as resp:
                data = await resp.json()
        assert resp.status == 200
        assert data["replies"]
    finally:
        proc.terminate()
        _out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0
    # Logs are JSON lines and never carry the message text.
    assert b"halo" not in err
